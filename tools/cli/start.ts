/**
 * `npm start [-- --port N --host H --emulator]`: builds (the npm script does), then serves the built standalone server
 * (dist/server.js) on 127.0.0.1:PORT (default 9000; `--port` wins over PORT; 0 picks a free port). `--host` is the
 * address to listen on, as HOST is for `node dist/server.js` (`--host 0.0.0.0` for every interface). Without cloud
 * credentials in the environment (or with `--emulator`) it starts the embedded TRTC emulator with throwaway keys and
 * says so on stderr; with credentials it calls the real endpoint. The server's JSON log lines go to stdout; the URL,
 * an example curl and the emulator's summary go to stderr. Ctrl-C (SIGINT) or SIGTERM drains in-flight requests, stops the emulator and
 * exits 0. The npm script `exec`s this process, so a SIGTERM sent to `npm start` (as a supervisor or an IDE sends
 * it) reaches it and leaves no server behind.
 *
 * Runs on the development Node (>= 20.19); dist/server.js itself also runs on SCF's Node 18.15.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { closeGracefully as CloseGracefully, startServer as StartServer } from '../../handlers/server';
import { npmOptionsHint, parseCommandLine, UsageError, wholeNumberOption } from './args';
import { applyEnv, localTrtc } from '../trtc-emulator/local';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'server.js');
/** Where `npm start` listens unless `--host` says otherwise: loopback only, for a developer's machine. */
export const START_HOST = '127.0.0.1';

/** The usage line. */
export const START_USAGE = 'usage: npm start [-- --port N --host ADDRESS --emulator]   (or PORT=N npm start; N from 0 to 65535, 0 picks a free port)';

const START_HELP = `Serves the function over HTTP (dist/server.js), as an SCF web function or a container runs it.

${START_USAGE}

  --port N         port to listen on (default PORT, else 9000; 0 picks a free port)
  --host ADDRESS   address to listen on, like HOST for node dist/server.js (default ${START_HOST}; 0.0.0.0 for all)
  --emulator       use the embedded TRTC emulator even when cloud credentials are in the environment
  -h, --help       this help

Without cloud credentials in the environment the embedded TRTC emulator answers on loopback with throwaway keys.
With credentials (TENCENTCLOUD_SECRETID/SECRETKEY[/SESSIONTOKEN], or the SDK's TENCENTCLOUD_SECRET_ID/...) reports
go to the real TRTC endpoint (TRTC_ENDPOINT, default https://trtc.tencentcloudapi.com) unless --emulator is given.
Reports are taken on / (POST JSON or form, or GET with a query string); GET /healthz is the liveness probe and
GET /openapi.json the OpenAPI description. Ctrl-C or SIGTERM stops the server and the emulator.
`;

/** The parsed command line: where to listen, or a request for help. */
export type StartArgs = { kind: 'run'; port: number; host: string; emulator: boolean } | { kind: 'help' };

/** Parses `--port N` (wins over PORT), `--host ADDRESS`, `-h` / `--help`. Throws {@link UsageError}. Pure. */
export function parseStartArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartArgs {
  const { values, positionals } = parseCommandLine(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    emulator: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return { kind: 'help' };
  if (positionals.length > 0) {
    const hint = npmOptionsHint(env, 'npm start -- --port N --host ADDRESS');
    throw new UsageError(`unexpected argument "${positionals[0]!.slice(0, 40)}"${hint}`);
  }
  const port = wholeNumberOption(values.port !== undefined ? '--port' : 'PORT', values.port ?? (env.PORT?.trim() || '9000'), 0, 65_535);
  const host = values.host?.trim() ?? START_HOST;
  if (host === '') throw new UsageError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0');
  return { kind: 'run', port, host, emulator: values.emulator === true };
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
  let args: StartArgs;
  try {
    args = parseStartArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n${START_USAGE}\n`);
    process.exit(2);
  }
  if (args.kind === 'help') {
    process.stdout.write(START_HELP);
    process.exit(0);
  }
  if (!existsSync(BUNDLE)) {
    process.stderr.write(`${BUNDLE} is missing: run npm run build (npm start does)\n`);
    process.exit(1);
  }
  const local = await localTrtc(process.env, { forceEmulator: args.emulator });
  process.stderr.write(`${local.banner}\n`);
  // The SDK client reads credentials and the endpoint from process.env on every call.
  applyEnv(process.env, local.env);
  const { startServer, closeGracefully } = require(BUNDLE) as ServerModule;
  let started: Awaited<ReturnType<typeof StartServer>>;
  try {
    started = await startServer({ port: args.port, host: args.host });
  } catch (error) {
    process.stderr.write(`cannot listen on ${args.host}:${String(args.port)}: ${error instanceof Error ? error.message : String(error)}\n`);
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
      await local.stop().catch((error: unknown) => {
        process.stderr.write(`the emulator did not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
      });
      process.exit(clean ? 0 : 1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stderr.write(
    `listening on ${url}\n` +
      `  try:    ${exampleCurl(url)}\n` +
      `  health: curl ${url}/healthz\n` +
      `  API:    curl ${url}/openapi.json   (the OpenAPI 3.1 description, openapi.yaml)\n` +
      `  Ctrl-C stops the server${local.emulator ? ' and the emulator' : ''}\n`,
  );
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
