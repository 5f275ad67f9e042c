/**
 * `npm run local`'s signals, in a process of its own: npm forwards the SIGTERM (or SIGINT) it gets, so the local cloud
 * often sees the signal twice; the second must not end it before its cleanup (ending every function process) is done.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/bundle';

const CHILD = path.join(ROOT, 'test', 'tools', 'local-cloud', 'support', 'signals-child.ts');

describe('stopping on signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('a second %s during the cleanup is noted, and the cleanup finishes', async (signal) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const waiters: (() => void)[] = [];
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      for (const wake of waiters.splice(0)) wake();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    const seen = async (text: string): Promise<void> => {
      while (!stderr.includes(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    await seen('ready');
    proc.kill(signal);
    await seen(`${signal}: stopping the local cloud`);
    proc.kill(signal);
    await Promise.race([seen(`${signal}: already stopping`), exited]);
    expect(proc.exitCode, stderr).toBeNull();
    expect(proc.signalCode, stderr).toBeNull();
    proc.stdin.end('go\n');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('cleaned up');
  });
});
