/**
 * `node dist/server.js` as a child process for the hardening tests: an environment without proxies or a developer's
 * function variables, the "listening" line awaited (an event, not a sleep) for the port, and plain HTTP requests to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './bundle';

export const SERVER_BUNDLE = path.join(ROOT, 'dist', 'server.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every stdout line read so far (none once the test closed the pipe). */
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The child's environment: PATH and `env` only (no proxy, no credentials or function variables of the caller's). */
export function serverEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', ...env };
}

/** Starts dist/server.js and resolves once it logged its "listening" line (so LOG_LEVEL must show info lines). */
export function startServerProcess(env: Readonly<Record<string, string>>, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  if (!existsSync(SERVER_BUNDLE)) throw new Error(`${SERVER_BUNDLE} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [...nodeArgs, SERVER_BUNDLE], { cwd: ROOT, env: serverEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let listening = false;
    lines.on('line', (line) => {
      stdout.push(line);
      if (listening || !line.startsWith('{')) return;
      const parsed = JSON.parse(line) as { msg?: string; port?: number };
      if (parsed.msg !== 'listening' || typeof parsed.port !== 'number') return;
      listening = true;
      resolve({
        child,
        port: parsed.port,
        stdout,
        stderr,
        exited,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then(({ code, signal }) => reject(new Error(`dist/server.js exited (${String(code ?? signal)}) before listening: ${stderr.join('\n')}`)));
  });
}

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request on a new connection. */
export function request(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The resident set size of a process, in bytes (Linux: /proc/PID/status VmRSS). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${String(pid)}`);
  return Number(match[1]) * 1024;
}
