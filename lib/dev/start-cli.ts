/**
 * `npm start [-- --port N]`: builds (the npm script does), then serves the built standalone server (dist/server.js)
 * on 127.0.0.1:PORT (default 9000; `--port` wins over PORT; 0 picks a free port). Without cloud credentials in the
 * environment it starts the embedded TRTC emulator with throwaway keys and says so on stderr. The server's JSON log
 * lines go to stdout; the URL, an example curl and the emulator's summary go to stderr. Ctrl-C (SIGINT) or SIGTERM
 * drains in-flight requests, stops the emulator and exits 0.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { closeGracefully as CloseGracefully, startServer as StartServer } from '../../handlers/server';
import { localTrtc } from './local-trtc';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'server.js');
const HOST = '127.0.0.1';

/** The usage line. */
export const START_USAGE = 'usage: npm start [-- --port N]   (or PORT=N npm start; N from 0 to 65535, 0 picks a free port)';

/** The parsed command line: a port, a request for help, or what is wrong. */
export type StartArgs = { kind: 'run'; port: number } | { kind: 'help' } | { kind: 'error'; message: string };

/** Parses `--port N` / `--port=N` (wins over PORT), `-h` / `--help`. Pure. */
export function parseStartArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartArgs {
  let portText = env.PORT?.trim() || '9000';
  let from = 'PORT';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[(i += 1)] : arg.slice('--port='.length);
      if (value === undefined) return { kind: 'error', message: '--port needs a value' };
      portText = value;
      from = '--port';
    } else {
      return { kind: 'error', message: `unknown argument ${arg}` };
    }
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65_535) {
    return { kind: 'error', message: `${from} must be a whole number from 0 to 65535, got "${portText.slice(0, 16)}"` };
  }
  return { kind: 'run', port: Number(portText) };
}

/** The example request printed at startup: the API's own example report as JSON. */
export function exampleCurl(url: string): string {
  const report = {
    SdkAppId: '1400188366',
    RoomId: '1587879309',
    TeacherUserId: 'teacher',
    StudentUserId: 'student',
    TroubleUserId: 'student',
    TroubleType: 1,
    TroubleTime: Math.floor(Date.now() / 1000),
    TroubleMsg: 'VoiceException',
  };
  return `curl -X POST ${url} -H 'Content-Type: application/json' -d '${JSON.stringify(report)}'`;
}

interface ServerModule {
  startServer: typeof StartServer;
  closeGracefully: typeof CloseGracefully;
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseStartArgs(argv, process.env);
  if (args.kind === 'help') {
    process.stderr.write(`Serves the function over HTTP on ${HOST}.\n${START_USAGE}\n`);
    process.exit(0);
  }
  if (args.kind === 'error') {
    process.stderr.write(`${args.message}\n${START_USAGE}\n`);
    process.exit(2);
  }
  if (!existsSync(BUNDLE)) {
    process.stderr.write(`${BUNDLE} is missing: run npm run build (npm start does)\n`);
    process.exit(1);
  }
  const local = await localTrtc(process.env);
  process.stderr.write(`${local.banner}\n`);
  // The SDK client reads credentials and the endpoint from process.env on every call.
  Object.assign(process.env, local.env);
  const { startServer, closeGracefully } = require(BUNDLE) as ServerModule;
  let started: Awaited<ReturnType<typeof StartServer>>;
  try {
    started = await startServer({ port: args.port, host: HOST });
  } catch (error) {
    process.stderr.write(`cannot listen on ${HOST}:${String(args.port)}: ${error instanceof Error ? error.message : String(error)}\n`);
    await local.stop();
    process.exit(1);
  }
  const { server, url } = started;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    void closeGracefully(server, 10_000).then(async (clean) => {
      if (local.emulator) {
        process.stderr.write(`emulator: ${local.emulator.calls.length} call(s), ${local.emulator.created.length} record(s) created\n`);
      }
      await local.stop().catch(() => {});
      process.exit(clean ? 0 : 1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stderr.write(
    `listening on ${url}\n` +
      `  try:    ${exampleCurl(url)}\n` +
      `  health: curl ${url}/healthz\n` +
      `  Ctrl-C stops the server${local.emulator ? ' and the emulator' : ''}\n`,
  );
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
