/**
 * `node dist/server.js` as a child process for the bundle tests that need a real server beside other real
 * components (a browser, Prometheus): PORT=0 on loopback, no proxy variables, the TRTC emulator's credentials, its
 * output collected as JSON lines; resolves once its "listening" line names the port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { EmulatorCredential } from '../../tools/trtc-emulator';
import { ROOT } from './bundle';
import { NO_CREDENTIALS } from './env';
import { FUNCTION_VARIABLES_UNSET } from './emulated';

export const SERVER = path.join(ROOT, 'dist', 'server.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Every stdout line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** SIGTERM, and the exit awaited. */
  stop(): Promise<void>;
}

/** An environment for a child process: the parent's PATH and HOME, no proxy, no credentials or settings of the shell. */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [...Object.keys(NO_CREDENTIALS), ...Object.keys(FUNCTION_VARIABLES_UNSET), 'PORT', 'HOST']) delete env[key];
  for (const key of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) delete env[key];
  return { ...env, ...extra };
}

export function startServerProcess(trtc: string, credential: EmulatorCredential, extra: Readonly<Record<string, string>> = {}): Promise<ServerProcess> {
  const env = childEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    TRTC_ENDPOINT: trtc,
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    ...(credential.token ? { TENCENTCLOUD_SESSIONTOKEN: credential.token } : {}),
    ...extra,
  });
  const child = spawn(process.execPath, [SERVER], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  let err = '';
  let partial = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = (): Record<string, unknown>[] => out.map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (err += chunk));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        out.push(line);
        const record = JSON.parse(line) as Record<string, unknown>;
        if (record['msg'] === 'listening' && typeof record['port'] === 'number') {
          const port = record['port'];
          resolve({
            child,
            port,
            url: `http://127.0.0.1:${String(port)}`,
            lines,
            stop: async () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              await exited;
            },
          });
        }
      }
    });
    void exited.then(() => reject(new Error(`dist/server.js exited before listening: ${out.join('\n')} ${err}`)));
  });
}
