/**
 * `npm run invoke -- <event.json | -> [options]`: runs the built bundle (dist/index.js) on an event with an SCF-like
 * context, the way SCF would (like `sam local invoke -e`), and prints the function's result on stdout; its JSON log
 * lines, the emulator's record of what TRTC received and a closing REPORT line go to stderr. See {@link INVOKE_HELP}.
 *
 * Runs on the development Node (>= 20.19); the bundle it loads also runs on SCF's Node 18.15 (test/bundle/node18.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { npmOptionsHint, parseCommandLine, UsageError, wholeNumberOption } from './args';
import type { EmulatorFault, TroubleRecord } from '../trtc-emulator';
import { applyEnv, localTrtc } from '../trtc-emulator/local';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'index.js');

/** `context.memory_limit_in_mb` of a local run, shown in the REPORT line. */
const MEMORY_LIMIT_MB = 128;
/** The exit code of `--fail` for a 4xx/5xx answer, as `curl --fail` uses. */
export const FAIL_EXIT_CODE = 22;

export const INVOKE_USAGE = 'usage: npm run invoke -- <event.json | -> [--timeout MS] [--emulator] [--no-scene] [--fail]';

export const INVOKE_HELP = `Runs the function (dist/index.js, built by the npm script) on one event, as SCF would.

${INVOKE_USAGE}

  <event.json>     the event to run, e.g. events/function-url-post-json.json; - reads it from stdin
  --timeout MS     context.time_limit_in_ms, 1 to 900000 (default 10000)
  --emulator       use the embedded TRTC emulator even when cloud credentials are in the environment
  --no-scene       do not apply the sample's scene (see below): run it against a healthy emulator
  --fail           exit ${String(FAIL_EXIT_CODE)} when the answer is an HTTP 4xx/5xx or an error envelope (for scripts)
  -h, --help       this help

Where reports go:
  Without cloud credentials in the environment, the embedded TRTC emulator is started on 127.0.0.1 with throwaway
  temporary keys: it checks the TC3 signature and the parameters as TRTC does, and records what it received.
  With credentials (TENCENTCLOUD_SECRETID/SECRETKEY[/SESSIONTOKEN], or the SDK's TENCENTCLOUD_SECRET_ID/...), the
  report goes to the REAL TRTC endpoint (TRTC_ENDPOINT, default https://trtc.tencentcloudapi.com) and is recorded
  there; --emulator keeps it local.

Scenes: with the emulator, a sample's NAME.expect.json (beside NAME.json) also sets the scene it documents: the
faults the emulator injects (rate limits, outages...) and environment overrides (e.g. no credentials), so
events/function-url-upstream-action-offline.json shows its 502. --no-scene skips that.

Output: the function's result on stdout, as JSON; an HTTP answer's body is shown decoded and parsed (the function
returns it as a JSON string). On stderr: the function's log lines, the parameters TRTC recorded (emulator), and a
REPORT line with the duration and the memory used. Exit code: 0, 1 when the handler throws, 2 for a bad command
line, ${String(FAIL_EXIT_CODE)} with --fail for a 4xx/5xx answer.
`;

/** What to run, or a request for help. */
export type InvokeArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'run'; readonly file: string; readonly timeoutMs: number; readonly emulator: boolean; readonly scene: boolean; readonly fail: boolean };

/** Parses the command line. Throws {@link UsageError}. Pure. */
export function parseInvokeArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): InvokeArgs {
  const { values, positionals } = parseCommandLine(argv, {
    timeout: { type: 'string' },
    emulator: { type: 'boolean' },
    'no-scene': { type: 'boolean' },
    fail: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) return { kind: 'help' };
  if (positionals.length === 0) throw new UsageError('an event file is required (or - for stdin), e.g. events/function-url-post-json.json');
  if (positionals.length > 1) {
    const hint = npmOptionsHint(env, 'npm run invoke -- events/NAME.json --timeout 3000');
    throw new UsageError(`one event only, got ${positionals.map((p) => `"${p.slice(0, 40)}"`).join(' and ')}${hint}`);
  }
  return {
    kind: 'run',
    file: positionals[0]!,
    timeoutMs: values.timeout === undefined ? 10_000 : wholeNumberOption('--timeout', values.timeout, 1, 900_000),
    emulator: values.emulator === true,
    scene: values['no-scene'] !== true,
    fail: values.fail === true,
  };
}

/** The faults and environment overrides a sample's expectation file documents. */
export interface Scene {
  readonly faults?: readonly EmulatorFault[];
  readonly env?: Readonly<Record<string, string | null>>;
}

function expectationPath(file: string): string {
  return path.resolve(file).replace(/\.json$/, '.expect.json');
}

/** The scene of `file`'s expectation file; undefined when there is none; an Error when it cannot be read. */
function readScene(file: string): Scene | undefined | Error {
  const expectation = expectationPath(file);
  if (expectation === path.resolve(file) || !existsSync(expectation)) return undefined;
  try {
    return JSON.parse(readFileSync(expectation, 'utf8')) as Scene;
  } catch (error) {
    return new Error(`${path.basename(expectation)} is not readable JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An SCF/API Gateway integration response, as the function returns for HTTP events. */
interface IntegrationResponse {
  readonly isBase64Encoded?: unknown;
  readonly statusCode: number;
  readonly headers?: unknown;
  readonly body?: unknown;
}

function isIntegrationResponse(value: unknown): value is IntegrationResponse {
  return typeof value === 'object' && value !== null && typeof (value as { statusCode?: unknown }).statusCode === 'number';
}

/** The result for display: an HTTP answer's body decoded (Base64) and parsed when it is JSON. Pure. */
export function presentResult(result: unknown): unknown {
  if (!isIntegrationResponse(result) || typeof result.body !== 'string') return result;
  const text = result.isBase64Encoded === true ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  try {
    return { ...result, body: JSON.parse(text) as unknown };
  } catch {
    return { ...result, body: text }; // not JSON: shown as the text it is
  }
}

/** True when the result is a failure `--fail` reports: an HTTP 4xx/5xx, or a cloud API error envelope. Pure. */
export function isFailureAnswer(result: unknown): boolean {
  if (isIntegrationResponse(result)) return result.statusCode >= 400;
  const response = (result as { Response?: { Error?: unknown } } | null)?.Response;
  return typeof response === 'object' && response !== null && response.Error !== undefined;
}

/** SCF's closing log line for an invocation: id, duration, memory limit and the most memory used. Pure. */
export function reportLine(requestId: string, durationMs: number, maxRssBytes: number): string {
  const used = (maxRssBytes / (1024 * 1024)).toFixed(1);
  return `REPORT RequestId: ${requestId} Duration: ${durationMs.toFixed(2)} ms Memory: ${String(MEMORY_LIMIT_MB)} MB MaxMemoryUsed: ${used} MB`;
}

/** The parameters TRTC recorded, one JSON line each, for stderr. Pure. */
export function recordedLines(records: readonly TroubleRecord[]): string {
  if (records.length === 0) return 'TRTC recorded nothing\n';
  const lines = records.map((record) => `  ${JSON.stringify(record)}\n`).join('');
  return `TRTC recorded ${String(records.length)} report(s) (the eight parameters as received, and the RequestId it answered):\n${lines}`;
}

function readEvent(file: string): unknown {
  const from = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? readFileSync(process.stdin.fd, 'utf8') : readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${from}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${from} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

async function run(args: Extract<InvokeArgs, { kind: 'run' }>): Promise<number> {
  const event = readEvent(args.file);
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm run invoke does)`);
  const local = await localTrtc(process.env, { forceEmulator: args.emulator });
  process.stderr.write(`${local.banner}\n`);
  applyEnv(process.env, local.env);
  const scene = local.emulator && args.scene && args.file !== '-' ? readScene(args.file) : undefined;
  if (scene instanceof Error) process.stderr.write(`scene not applied: ${scene.message}\n`);
  else if (scene && local.emulator) {
    for (const fault of scene.faults ?? []) local.emulator.inject(fault);
    applyEnv(process.env, Object.fromEntries(Object.entries(scene.env ?? {}).map(([key, value]) => [key, value ?? undefined])));
    const parts = [
      scene.faults?.length ? `${String(scene.faults.length)} emulator fault(s)` : '',
      scene.env ? `environment ${Object.keys(scene.env).join(', ')}` : '',
    ].filter(Boolean);
    if (parts.length > 0) process.stderr.write(`scene from ${path.basename(expectationPath(args.file))}: ${parts.join(' and ')} (--no-scene skips it)\n`);
  }
  const { main_handler } = require(BUNDLE) as { main_handler: Handler };
  const context = {
    request_id: randomUUID(),
    function_name: 'trtc-trouble-reporter-local',
    function_version: '$LATEST',
    namespace: 'default',
    memory_limit_in_mb: MEMORY_LIMIT_MB,
    time_limit_in_ms: args.timeoutMs,
    tencentcloud_region: process.env.TENCENTCLOUD_REGION ?? 'ap-guangzhou',
  };
  // The function logs to stdout (SCF collects it); here stdout is kept for the result, so logs go to stderr.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => process.stderr.write(chunk, ...rest)) as typeof process.stdout.write;
  let threw = false;
  let output: unknown;
  const startedAt = performance.now();
  try {
    output = await main_handler(event, context);
  } catch (error) {
    threw = true;
    output = { errorType: error instanceof Error ? error.name : 'Error', errorMessage: error instanceof Error ? error.message : String(error) };
  } finally {
    process.stdout.write = stdoutWrite;
  }
  const durationMs = performance.now() - startedAt;
  stdoutWrite(`${JSON.stringify(presentResult(output), null, 2)}\n`);
  if (local.emulator) {
    process.stderr.write(`emulator: ${String(local.emulator.calls.length)} call(s), ${String(local.emulator.created.length)} record(s) created\n`);
    process.stderr.write(recordedLines(local.emulator.created));
  }
  process.stderr.write(`${reportLine(context.request_id, durationMs, process.resourceUsage().maxRSS * 1024)}\n`);
  await local.stop();
  if (threw) return 1;
  return args.fail && isFailureAnswer(output) ? FAIL_EXIT_CODE : 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: InvokeArgs;
  try {
    args = parseInvokeArgs(argv, process.env);
    if (args.kind === 'help') {
      process.stdout.write(INVOKE_HELP);
      return 0;
    }
    return await run(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n${INVOKE_USAGE}   (--help explains)\n`);
    return 2;
  }
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`invoke failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
