/**
 * `npm run invoke -- <event.json> [--timeout <ms>]`: runs the built bundle (dist/index.js) on a sample event with
 * an SCF-like context, the way SCF would, and prints the function's result on stdout (its logs go to stderr).
 * Without cloud credentials it starts the embedded TRTC emulator with throwaway keys and says so on stderr; then
 * the sample's `NAME.expect.json` (when there is one) also sets the scene it describes: the faults the emulator
 * injects and the environment overrides (e.g. no credentials), so the run shows the documented outcome.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EmulatorFault } from './emulator';
import { localTrtc } from './local-trtc';

const ROOT = path.resolve(__dirname, '..', '..');

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run invoke -- <event.json> [--timeout <ms>]\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { file: string; timeoutMs: number } {
  let file: string | undefined;
  let timeoutMs = 10_000;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--timeout') {
      const value = Number(argv[(i += 1)]);
      if (!Number.isInteger(value) || value < 1 || value > 900_000) usage('--timeout takes milliseconds from 1 to 900000');
      timeoutMs = value;
    } else if (arg === '-h' || arg === '--help') usage('Runs the function on an event file.');
    else if (file === undefined) file = arg;
    else usage(`unexpected argument ${arg}`);
  }
  if (file === undefined) usage('an event file is required, e.g. events/function-url-post-json.json');
  return { file, timeoutMs };
}

interface Scene {
  faults?: EmulatorFault[];
  env?: Record<string, string | null>;
}

function expectationPath(file: string): string {
  return path.resolve(file).replace(/\.json$/, '.expect.json');
}

/** The faults and environment a sample's expectation file describes, if it has one. */
function readScene(file: string): Scene | undefined {
  const expectation = expectationPath(file);
  if (expectation === path.resolve(file) || !existsSync(expectation)) return undefined;
  try {
    return JSON.parse(readFileSync(expectation, 'utf8')) as Scene;
  } catch {
    return undefined;
  }
}

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

async function main(): Promise<number> {
  const { file, timeoutMs } = parseArgs(process.argv.slice(2));
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (error) {
    usage(`cannot read ${file} as JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const local = await localTrtc(process.env);
  process.stderr.write(`${local.banner}\n`);
  Object.assign(process.env, local.env);
  const scene = readScene(file);
  if (scene && local.emulator) {
    for (const fault of scene.faults ?? []) local.emulator.inject(fault);
    for (const [key, value] of Object.entries(scene.env ?? {})) {
      if (value === null) delete process.env[key];
      else process.env[key] = value;
    }
    const parts = [
      scene.faults?.length ? `${scene.faults.length} emulator fault(s)` : '',
      scene.env ? `environment ${Object.keys(scene.env).join(', ')}` : '',
    ].filter(Boolean);
    if (parts.length > 0) process.stderr.write(`from ${path.basename(expectationPath(file))}: ${parts.join(' and ')}\n`);
  }
  const bundle = path.join(ROOT, 'dist', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main_handler } = require(bundle) as { main_handler: Handler };
  const context = {
    request_id: randomUUID(),
    function_name: 'trtc-trouble-reporter-local',
    function_version: '$LATEST',
    namespace: 'default',
    memory_limit_in_mb: 128,
    time_limit_in_ms: timeoutMs,
    tencentcloud_region: process.env.TENCENTCLOUD_REGION ?? 'ap-guangzhou',
  };
  // The function logs to stdout (SCF collects it); here stdout is kept for the result, so logs go to stderr.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => process.stderr.write(chunk, ...rest)) as typeof process.stdout.write;
  let code = 0;
  let output: unknown;
  try {
    output = await main_handler(event, context);
  } catch (error) {
    code = 1;
    output = { errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) };
  } finally {
    process.stdout.write = stdoutWrite;
  }
  stdoutWrite(`${JSON.stringify(output, null, 2)}\n`);
  if (local.emulator) {
    process.stderr.write(`emulator: ${local.emulator.calls.length} call(s), ${local.emulator.created.length} record(s) created\n`);
  }
  await local.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`invoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
