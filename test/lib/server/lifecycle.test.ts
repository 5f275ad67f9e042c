/**
 * lib/server/lifecycle.ts in-process: listening on a free loopback port, the displayed URL, a graceful close that
 * waits for the request in flight, and the signal handling (SIGTERM/SIGINT: close, clean up, exit 0; a second signal
 * exits at once), with process.exit stubbed so the worker survives. dist/server.js runs it as a process too
 * (test/bundle/server.test.ts).
 */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../lib/log';
import { closeGracefully, displayUrl, exitOnSignals, listen } from '../../../lib/server/lifecycle';

function logger(lines: Record<string, unknown>[]) {
  return createLogger({ level: 'debug', write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

/** A server whose requests are answered only when the test says so. */
function holdingServer(): { server: http.Server; release: () => void; arrived: Promise<void> } {
  let release: () => void = () => {};
  let arrived: () => void = () => {};
  const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer((_req, res) => {
    release = () => res.end('done');
    arrived();
  });
  return { server, release: () => release(), arrived: arrivedPromise };
}

/** One request without keep-alive (so a graceful close has nothing idle to wait for); resolves with the body or the error. */
function get(url: string): Promise<string | Error> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
      res.on('error', resolve);
    });
    req.on('error', resolve);
  });
}

// The signals are emitted in this worker: the test runner's own SIGTERM/SIGINT handlers are set aside meanwhile, and
// only the handlers a test added are removed after it.
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
let saved: Record<(typeof SIGNALS)[number], NodeJS.SignalsListener[]> = { SIGTERM: [], SIGINT: [] };
beforeEach(() => {
  saved = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  for (const signal of SIGNALS) process.removeAllListeners(signal);
});
afterEach(() => {
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    for (const listener of saved[signal]) process.on(signal, listener);
  }
  vi.restoreAllMocks();
});

describe('listen', () => {
  it('resolves with the bound address and a URL a local client can use, after logging "listening"', async () => {
    const lines: Record<string, unknown>[] = [];
    const started = await listen(http.createServer(), { port: 0, host: '127.0.0.1' }, logger(lines));
    try {
      expect(started.address.port).toBeGreaterThan(0);
      expect(started.url).toBe(`http://127.0.0.1:${started.address.port}`);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'listening', port: started.address.port, url: started.url }));
    } finally {
      started.server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const first = await listen(http.createServer(), { port: 0, host: '127.0.0.1' }, logger([]));
    try {
      await expect(listen(http.createServer(), { port: first.address.port, host: '127.0.0.1' }, logger([]))).rejects.toThrow(/EADDRINUSE/);
    } finally {
      first.server.close();
    }
  });

  it('shows a wildcard host as loopback', () => {
    expect(displayUrl({ address: '0.0.0.0', port: 9000, family: 'IPv4' })).toBe('http://127.0.0.1:9000');
    expect(displayUrl({ address: '::', port: 9000, family: 'IPv6' })).toBe('http://[::1]:9000');
    expect(displayUrl({ address: '10.1.2.3', port: 80, family: 'IPv4' })).toBe('http://10.1.2.3:80');
  });
});

describe('closeGracefully', () => {
  it('waits for the request in flight (true), or cuts it off after the grace period (false)', async () => {
    const held = holdingServer();
    const started = await listen(held.server, { port: 0, host: '127.0.0.1' }, logger([]));
    const answer = get(started.url);
    await held.arrived;
    const closing = closeGracefully(started.server, 10_000);
    held.release();
    expect(await answer).toBe('done');
    expect(await closing).toBe(true);

    const stuck = holdingServer();
    const again = await listen(stuck.server, { port: 0, host: '127.0.0.1' }, logger([]));
    const cut = get(again.url);
    await stuck.arrived;
    expect(await closeGracefully(again.server, 50)).toBe(false);
    expect(await cut).toBeInstanceOf(Error);
  });
});

describe('exitOnSignals', () => {
  it('on SIGTERM: closes, runs the clean-up, logs "stopped" and exits 0; a second signal exits 1 at once', async () => {
    const lines: Record<string, unknown>[] = [];
    const exited: (number | undefined)[] = [];
    let exitedOnce: () => void = () => {};
    const firstExit = new Promise<void>((resolve) => (exitedOnce = resolve));
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      exited.push(code);
      exitedOnce();
      return undefined as never;
    }) as typeof process.exit);
    const held = holdingServer();
    const started = await listen(held.server, { port: 0, host: '127.0.0.1' }, logger(lines));
    let cleaned = false;
    exitOnSignals(started.server, logger(lines), async () => {
      cleaned = true;
    });
    const answer = get(started.url);
    await held.arrived;
    process.emit('SIGTERM', 'SIGTERM');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
    process.emit('SIGINT', 'SIGINT');
    expect(exited).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'second signal: exiting now', signal: 'SIGINT' }));
    held.release();
    expect(await answer).toBe('done');
    // (The stub returns where a real exit would not: the code after exit(1) runs on, so only the first 0 matters.)
    await vi.waitFor(() => expect(exited.slice(0, 2)).toEqual([1, 0]), { timeout: 10_000 });
    await firstExit;
    expect(cleaned).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'stopped', clean: true }));
  });

  it('a failing clean-up is logged and the exit still happens', async () => {
    const lines: Record<string, unknown>[] = [];
    const exited: (number | undefined)[] = [];
    vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      exited.push(code);
      return undefined as never;
    }) as typeof process.exit);
    const started = await listen(http.createServer(), { port: 0, host: '127.0.0.1' }, logger(lines));
    exitOnSignals(started.server, logger(lines), async () => {
      throw new Error('redis gone');
    });
    process.emit('SIGINT', 'SIGINT');
    await vi.waitFor(() => expect(exited).toEqual([0]), { timeout: 10_000 });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'cleanup failed', level: 'warn' }));
  });
});
