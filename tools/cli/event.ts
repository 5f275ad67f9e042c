/**
 * `npm run event -- <source> [options]`: prints a test event for one of the function's triggers as JSON on stdout
 * (or writes it with `--out`), like `sam local generate-event`. Pipe it to `npm run invoke`, or save it under events/.
 * Bad sources and options are reported on stderr with exit code 2.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PARAMETER_NAMES } from '../../lib/report';
import { UsageError, usageErrorOf } from './args';
import {
  EVENT_SOURCES,
  GenerateEventError,
  generateEvent,
  MAX_RECORDS,
  SOURCE_DESCRIPTIONS,
  type EventSourceName,
  type GenerateOptions,
} from './generate-event';

/** The `--help` text. */
export const EVENT_USAGE = `usage: npm run event -- <source> [options]

Prints a test event as JSON. The report inside is valid unless you make it otherwise: anything not given gets a
realistic default (TroubleTime = now, in seconds).

sources:
${EVENT_SOURCES.map((s) => `  ${s.padEnd(18)}${SOURCE_DESCRIPTIONS[s]}`).join('\n')}

report parameters (names are case-sensitive, as in the API):
  --SdkAppId ID  --RoomId ID  --TeacherUserId ID  --StudentUserId ID  --TroubleUserId ID
  --TroubleType 1..8  --TroubleTime SECONDS  --TroubleMsg TEXT
                        digits for TroubleType/TroubleTime become JSON numbers; other values stay strings
  --json '{...}'        parameters as a JSON object (any JSON values; the flags above win over it)
  --json-file FILE      the same, read from a file

HTTP sources (function-url, api-gateway, aws-apigw-v1, aws-http-v2):
  --method GET|POST     GET puts the report in the query string (default POST, JSON body)
  --form                form-urlencoded body instead of JSON
  --base64              Base64 body with isBase64Encoded true
  --base64-flag boolean|string
                        api-gateway: send isBase64Encoded as true (default) or as the string "true"
  --header NAME=VALUE   an extra header (repeatable; replaces a default header of the same name)
  --idempotency-key KEY sent as the Idempotency-Key header

batches (ckafka, cmq, eventbridge-list; --poison also eventbridge):
  --records N           N records (1..${MAX_RECORDS}), each a valid report with its own TroubleMsg, offset and ids
  --poison I            make record I (counting from 0) unreadable: its body is truncated JSON (repeatable)
  --tdmq                eventbridge*: the report as data.msgBody (JSON string), as the TDMQ connector sends it

timer:
  --trigger-name NAME   default trouble_probe
  --message TEXT        default ""

output:
  --out FILE            write the event to FILE instead of stdout
  --compact             one line of JSON instead of indented
  -h, --help            this text

examples:
  npm run event -- function-url --method GET --TroubleType 2
  npm run event -- api-gateway --form --base64 --base64-flag string
  npm run event -- ckafka --records 3 --poison 1 --out /tmp/batch.json
  npm run -s event -- direct --json '{"SdkAppId":1400188366}' > /tmp/direct.json && npm run invoke -- /tmp/direct.json
  npm run -s event -- ckafka --records 4 --poison 0 --poison 2 | npm run -s invoke -- -

  (npm run -s: without -s, npm prints its own banner on stdout, and a redirected file would not be JSON)
`;

/** Where the CLI reads and writes; the process by default, fakes in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (file: string) => string;
  readonly writeFile: (file: string, text: string) => void;
  /** Clock and id generator for the event (defaults: Date.now, crypto.randomUUID). */
  readonly now?: () => number;
  readonly uuid?: () => string;
}

/** A command line understood: help, or what to generate and where to put it. */
export type CliRequest =
  | { readonly kind: 'help' }
  | {
      readonly kind: 'generate';
      readonly source: EventSourceName;
      readonly options: GenerateOptions;
      /** Report parameters from --json / --json-file are merged in by {@link main}. */
      readonly json?: { readonly text: string } | { readonly file: string };
      readonly out?: string;
      readonly compact: boolean;
    };

export { UsageError } from './args';

const REPORT_FLAGS: ReadonlySet<string> = new Set(PARAMETER_NAMES);
const VALUE_FLAGS = ['json', 'json-file', 'method', 'base64-flag', 'idempotency-key', 'records', 'trigger-name', 'message', 'out'] as const;
/** Flags that may be given several times. */
const REPEATABLE_FLAGS = ['header', 'poison'] as const;
const SWITCHES = ['form', 'base64', 'tdmq', 'compact'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NUMERIC_PARAMETERS: ReadonlySet<string> = new Set(['TroubleType', 'TroubleTime']);

/** Every option, for node:util parseArgs. */
const OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
  ...[...PARAMETER_NAMES, ...VALUE_FLAGS].map((name) => [name, { type: 'string' }] as const),
  ...REPEATABLE_FLAGS.map((name) => [name, { type: 'string', multiple: true }] as const),
  ...SWITCHES.map((name) => [name, { type: 'boolean' }] as const),
  ['help', { type: 'boolean', short: 'h' }] as const,
]);

function isSource(name: string): name is EventSourceName {
  return (EVENT_SOURCES as readonly string[]).includes(name);
}

function wholeNumber(flag: string, value: string): number {
  if (!/^[0-9]{1,6}$/.test(value)) throw new UsageError(`--${flag} takes a whole number, got "${value.slice(0, 20)}"`);
  return Number(value);
}

/** A report flag's value: digits become numbers for TroubleType and TroubleTime, everything else stays text. */
export function flagValue(name: string, value: string): string | number {
  return NUMERIC_PARAMETERS.has(name) && /^[0-9]{1,15}$/.test(value) ? Number(value) : value;
}

/** The command line as parseArgs reads it: positionals and (name, value) pairs in order. Throws {@link UsageError}. */
function tokenize(argv: readonly string[]): { positionals: string[]; flags: [string, string | undefined][] } {
  let tokens;
  try {
    tokens = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true }).tokens;
  } catch (error) {
    throw usageErrorOf(error, argv, Object.keys(OPTIONS));
  }
  const positionals: string[] = [];
  const flags: [string, string | undefined][] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option') flags.push([token.name, token.value]);
  }
  return { positionals, flags };
}

/** Understands a command line (argv without node and the script). Throws {@link UsageError}. Pure. */
export function parseCli(argv: readonly string[]): CliRequest {
  const { positionals, flags } = tokenize(argv);
  if (flags.some(([name]) => name === 'help')) return { kind: 'help' };
  if (positionals.length === 0) throw new UsageError(`a source is required: one of ${EVENT_SOURCES.join(', ')}`);
  if (positionals.length > 1) throw new UsageError(`one source only, got ${positionals.map((p) => `"${p}"`).join(' and ')}`);
  const source = positionals[0]!;
  if (!isSource(source)) throw new UsageError(`unknown source "${source.slice(0, 40)}": expected one of ${EVENT_SOURCES.join(', ')}`);

  const seen = new Set<string>();
  const params: Record<string, unknown> = {};
  const headers: [string, string][] = [];
  const poison: number[] = [];
  const options: { -readonly [K in keyof GenerateOptions]: GenerateOptions[K] } = {};
  let json: { text: string } | { file: string } | undefined;
  let out: string | undefined;
  let compact = false;
  for (const [name, raw] of flags) {
    if (!(REPEATABLE_FLAGS as readonly string[]).includes(name) && seen.has(name)) throw new UsageError(`--${name} is given twice`);
    seen.add(name);
    const value = raw ?? '';
    if (REPORT_FLAGS.has(name)) {
      params[name] = flagValue(name, value);
      continue;
    }
    switch (name) {
      case 'json':
      case 'json-file':
        if (json !== undefined) throw new UsageError('give --json or --json-file, not both');
        json = name === 'json' ? { text: value } : { file: value };
        break;
      case 'method': {
        const method = value.toUpperCase();
        if (method !== 'GET' && method !== 'POST') throw new UsageError(`--method must be GET or POST, got "${value.slice(0, 16)}"`);
        options.method = method;
        break;
      }
      case 'base64-flag':
        if (value !== 'boolean' && value !== 'string') throw new UsageError(`--base64-flag must be boolean or string, got "${value.slice(0, 16)}"`);
        options.base64Flag = value;
        break;
      case 'header': {
        const eq = value.indexOf('=');
        const headerName = eq > 0 ? value.slice(0, eq).trim() : '';
        if (!HEADER_NAME.test(headerName)) throw new UsageError(`--header takes NAME=VALUE with a valid header name, got "${value.slice(0, 40)}"`);
        headers.push([headerName, value.slice(eq + 1)]);
        break;
      }
      case 'idempotency-key':
        options.idempotencyKey = value;
        break;
      case 'records':
        options.records = wholeNumber(name, value);
        break;
      case 'poison':
        poison.push(wholeNumber(name, value));
        break;
      case 'trigger-name':
        options.triggerName = value;
        break;
      case 'message':
        options.message = value;
        break;
      case 'out':
        if (value === '') throw new UsageError('--out needs a file name');
        out = value;
        break;
      case 'form':
        options.form = true;
        break;
      case 'base64':
        options.base64 = true;
        break;
      case 'tdmq':
        options.tdmq = true;
        break;
      case 'compact':
        compact = true;
        break;
    }
  }
  if (headers.length > 0) options.headers = headers;
  if (poison.length > 0) options.poison = poison;
  if (Object.keys(params).length > 0) options.params = params;
  return { kind: 'generate', source, options, compact, ...(json ? { json } : {}), ...(out !== undefined ? { out } : {}) };
}

/** Parameters from --json text: a JSON object, or a UsageError saying what it is instead. Pure. */
export function parseJsonParams(text: string, from: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${from} is not valid JSON: ${error instanceof Error ? error.message.slice(0, 120) : 'parse error'}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${from} must be a JSON object of CreateTroubleInfo parameters`);
  }
  return { ...(parsed as Record<string, unknown>) };
}

const PROCESS_IO: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (file) => readFileSync(file, 'utf8'),
  writeFile: (file, text) => writeFileSync(file, text),
};

/** Runs the CLI; returns the exit code (0 done, 1 output could not be written, 2 bad command line). */
export function main(argv: readonly string[], io: CliIo = PROCESS_IO): number {
  let request: CliRequest;
  let event: unknown;
  try {
    request = parseCli(argv);
    if (request.kind === 'help') {
      io.stdout(EVENT_USAGE);
      return 0;
    }
    let options = request.options;
    if (request.json) {
      let text: string;
      if ('text' in request.json) text = request.json.text;
      else {
        try {
          text = io.readFile(request.json.file);
        } catch (error) {
          throw new UsageError(`cannot read --json-file ${request.json.file}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const fromJson = parseJsonParams(text, 'text' in request.json ? '--json' : `--json-file ${request.json.file}`);
      options = { ...options, params: { ...fromJson, ...options.params } };
    }
    event = generateEvent(request.source, { ...options, ...(io.now ? { now: io.now() } : {}), ...(io.uuid ? { uuid: io.uuid } : {}) });
  } catch (error) {
    if (error instanceof UsageError || error instanceof GenerateEventError) {
      io.stderr(`error: ${error.message}\nusage: npm run event -- <source> [options]   (--help lists sources and options)\n`);
      return 2;
    }
    throw error;
  }
  const text = `${request.compact ? JSON.stringify(event) : JSON.stringify(event, null, 2)}\n`;
  if (request.out === undefined) {
    io.stdout(text);
    return 0;
  }
  try {
    io.writeFile(request.out, text);
  } catch (error) {
    io.stderr(`error: cannot write ${request.out}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stderr(`wrote ${request.source} event to ${request.out}\n`);
  return 0;
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
