/**
 * handlers/server.ts's process entry, in-process: main() listens on PORT and HOST, answers, and on SIGTERM stops
 * gracefully and exits 0; an invalid PORT is one error line and exit code 1; startServer listens where it is told.
 * process.exit is stubbed and the signal listeners main() adds are removed afterwards.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main, startServer } from '../../handlers/server';

const captured: string[] = [];
let before: { term: Function[]; int: Function[] };

beforeEach(() => {
  captured.length = 0;
  before = { term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.push(String(chunk)), true));
});

afterEach(() => {
  for (const listener of process.listeners('SIGTERM')) if (!before.term.includes(listener)) process.off('SIGTERM', listener as NodeJS.SignalsListener);
  for (const listener of process.listeners('SIGINT')) if (!before.int.includes(listener)) process.off('SIGINT', listener as NodeJS.SignalsListener);
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const lines = (): Record<string, unknown>[] =>
  captured
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('main (node dist/server.js)', () => {
  it('listens on PORT and HOST, answers, and stops gracefully on SIGTERM with exit code 0', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const started = await main({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    expect(started).toBeDefined();
    expect(started!.address.address).toBe('127.0.0.1');
    expect(lines().some((l) => l['msg'] === 'listening' && l['port'] === started!.address.port)).toBe(true);
    const health = await fetch(`${started!.url}/healthz`);
    expect(health.status).toBe(200);
    const added = process.listeners('SIGTERM').filter((l) => !before.term.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as NodeJS.SignalsListener)('SIGTERM');
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0), { timeout: 5000 });
    expect(started!.server.listening).toBe(false);
    expect(lines().map((l) => l['msg'])).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });

  it('refuses an invalid PORT with one error line naming it, exit code 1, and listens nowhere', async () => {
    const started = await main({ PORT: '70000' });
    expect(started).toBeUndefined();
    expect(process.exitCode).toBe(1);
    const error = lines().find((l) => l['msg'] === 'cannot start');
    expect(String(error?.['error'])).toMatch(/^PORT must be a whole number from 0 to 65535/);
    expect(process.listeners('SIGTERM').filter((l) => !before.term.includes(l))).toHaveLength(0);
  });
});

describe('startServer', () => {
  it('listens where it is told and serves the routes', async () => {
    const started = await startServer({ port: 0, host: '127.0.0.1', env: {} });
    try {
      expect((await fetch(`${started.url}/nowhere`)).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => started.server.close(() => resolve()));
    }
  });
});
