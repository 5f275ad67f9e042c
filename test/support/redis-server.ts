/**
 * A real, throw-away redis-server for tests: loopback only, a free port, no persistence. Needs the `redis-server`
 * binary; test/support/global-setup.ts looks for it once before the run. Suites that need it use
 * {@link describeWithRedis}, which skips them when it is missing (one notice for the whole run; REQUIRE_REDIS=1, as
 * .ci/run sets, makes that an error instead).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REDIS_INSTALL_HINT } from './required-tools.mjs';
import { describeWithTool, toolPath } from './tools';

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` or, with a password, `redis://:<password>@127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Freezes the server process (SIGSTOP): connections stay open and nothing is answered, as a hung Redis. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
}

export interface RedisServerOptions {
  /** Passed as `--requirepass`. */
  readonly password?: string;
  /** A fixed port (e.g. to restart a server where a client expects it); default a free one. */
  readonly port?: number;
}

const READY_WITHIN_MS = 10_000;

/** The redis-server the global setup found, or null (then the Redis suites are skipped). */
export function redisServerBinary(): string | null {
  return toolPath('redisServer');
}

/** `describe` for suites that need a real redis-server: skipped when the global setup found none. */
export const describeWithRedis = describeWithTool('redisServer');

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Sends one inline command and resolves with the first reply line, or rejects on error/timeout. */
export function rawCommand(port: number, line: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${line.split(' ')[0] ?? ''} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(buffered.slice(0, end));
    });
    socket.write(`${line}\r\n`);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startOnce(binary: string, port: number, options: RedisServerOptions): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-test-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  args.push('--dir', dir, '--loglevel', 'warning', '--daemonize', 'no');
  if (options.password !== undefined) args.push('--requirepass', options.password);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT'); // a paused server could not act on SIGTERM
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited(child);
      clearTimeout(killed);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (spawnError !== undefined) {
      await cleanup();
      throw new Error(`could not start ${binary}: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await cleanup();
      throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${output}`);
    }
    try {
      const reply = await rawCommand(port, 'PING', 500);
      // Without the password a protected server answers -NOAUTH: it is up.
      if (reply === '+PONG' || reply.startsWith('-NOAUTH')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(`redis-server did not accept connections on port ${port} within ${READY_WITHIN_MS} ms:\n${output}`);
    }
    await sleep(20);
  }
  let stopping: Promise<void> | undefined;
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    stop: () => (stopping ??= cleanup()),
    pause: () => {
      child.kill('SIGSTOP');
    },
    resume: () => {
      child.kill('SIGCONT');
    },
  };
}

/**
 * Starts redis-server on 127.0.0.1 and a free port, and waits until it answers PING. Retries with another port
 * if the chosen one was taken in the meantime.
 *
 * @throws when redis-server is not installed (saying how to install it) or does not come up.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  if (binary === null) throw new Error(`redis-server is not on PATH. ${REDIS_INSTALL_HINT}`);
  if (options.port !== undefined) return startOnce(binary, options.port, options);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(binary, await freePort(), options);
    } catch (error) {
      lastError = error;
      if (!(error instanceof Error) || !/exited|Address already in use/i.test(error.message)) throw error;
    }
  }
  throw lastError;
}

/** Removes proxy settings from the environment, so nothing loopback goes through a proxy. */
export function clearProxyEnv(): void {
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
    delete process.env[name];
  }
}
