/**
 * Structured JSON logs, one object per line on stdout, with redaction: values under keys that look like secrets
 * are replaced wherever they appear, and the current credential values are masked inside any string.
 */
import type { LogLevel } from './config';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
  /** `text` with the secrets this logger masks replaced, for a text that is split before it is logged. */
  mask(text: string): string;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Keys whose values are never printed. */
export const SECRET_KEY = /secret|token|passw(or)?d|authori[sz]ation|cookie|credential|signature|api[-_]?key|private/i;

export const REDACTED = '[REDACTED]';

const MAX_DEPTH = 6;

/** Longest string value printed in a log line, in characters; longer ones are cut and marked with "…". */
export const MAX_LOG_STRING_CHARS = 1024;
/** Longest log line, in bytes: a line that would exceed it keeps only level, time, msg and the base fields. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

function capString(text: string): string {
  return text.length <= MAX_LOG_STRING_CHARS ? text : `${text.slice(0, MAX_LOG_STRING_CHARS - 1)}…`;
}

/** Copies `fields` into `out` with secret-looking keys and the given secret strings masked. */
function redactFields(out: Record<string, unknown>, fields: LogFields, secrets: readonly string[], depth: number, seen: WeakSet<object>): void {
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const v = fields[key];
    out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, secrets, depth + 1, seen);
  }
}

/** A copy of `value` with secret-looking keys and the given secret strings masked. Never throws. */
export function redact(value: unknown, secrets: readonly string[] = [], depth = 0, seen?: WeakSet<object>): unknown {
  if (typeof value === 'string') return capString(maskSecrets(value, secrets));
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (value instanceof Error) {
    // Name and message only: stack traces stay out of the logs' consumers and out of responses.
    return { name: value.name, message: capString(maskSecrets(value.message, secrets)) };
  }
  // `seen` holds the objects on the current path only: a repeated reference is printed again, a cycle is cut.
  const path = seen ?? new WeakSet<object>();
  if (path.has(value) || depth >= MAX_DEPTH) return '[…]';
  path.add(value);
  try {
    if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, secrets, depth + 1, path));
    const out: Record<string, unknown> = {};
    redactFields(out, value as LogFields, secrets, depth, path);
    return out;
  } finally {
    path.delete(value);
  }
}

/** The line's record: level, time and msg, then the base fields and the line's own (a later key wins), redacted. */
function lineRecord(level: string, time: string, msg: string, base: LogFields, fields: LogFields | undefined, secrets: readonly string[]): LogFields {
  const out: LogFields = { level, time, msg: capString(maskSecrets(msg, secrets)) };
  const seen = new WeakSet<object>();
  redactFields(out, base, secrets, 0, seen);
  if (fields !== undefined) redactFields(out, fields, secrets, 0, seen);
  return out;
}

/** Shortest secret prefix that is masked when a secret appears cut short (e.g. a truncated value in a message). */
const PREFIX_PROBE = 8;

/**
 * Replaces every occurrence of each secret with [REDACTED], and also any run of at least its first 8 characters
 * (a secret shortened by a message that truncates long values).
 */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    if (secret.length < PREFIX_PROBE * 2) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
      continue;
    }
    const probe = secret.slice(0, PREFIX_PROBE);
    let from = 0;
    for (let at = out.indexOf(probe, from); at !== -1; at = out.indexOf(probe, from)) {
      let end = at + PREFIX_PROBE;
      while (end < out.length && end - at < secret.length && out[end] === secret[end - at]) end += 1;
      out = out.slice(0, at) + REDACTED + out.slice(end);
      from = at + REDACTED.length;
    }
  }
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Secret values to mask inside any string; read when a line is written. */
  secrets?: () => readonly string[];
  /** Where lines go; stdout by default (SCF collects it). */
  write?: (line: string) => void;
  now?: () => Date;
  /**
   * Sees every line's level, message and own fields before the level filter and redaction (the standalone server
   * counts its metrics from them, lib/server/metrics.ts). Must not throw.
   */
  tap?: (level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields) => void;
}

let dropped = 0;

/** How many log lines could not be written (a closed or failing sink) since the process started. */
export function droppedLogLines(): number {
  return dropped;
}

/**
 * The default sink: stdout. A stdout that is closed or broken (EPIPE: `| head -1` went away) drops the line; the
 * 'error' it emits is handled where the process starts (lib/server/stdio.ts for the standalone server).
 */
function writeStdout(line: string): void {
  if (process.stdout.destroyed || !process.stdout.writable) {
    dropped += 1;
    return;
  }
  process.stdout.write(line);
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const write = options.write ?? writeStdout;
  const now = options.now ?? (() => new Date());
  const threshold = RANK[options.level];
  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void => {
    // The tap (the server's metrics) sees every line; a line LOG_LEVEL drops then costs one comparison: nothing is
    // read, built or redacted for it.
    options.tap?.(level, msg, fields ?? {});
    if (RANK[level] < threshold) return;
    const secrets = options.secrets?.() ?? [];
    const record = lineRecord(level, now().toISOString(), msg, base, fields, secrets);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ level, msg, note: 'fields could not be serialised' });
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: a line this short cannot exceed the cap, so it needs no byte count.
    if (line.length * 3 > MAX_LOG_LINE_BYTES && Buffer.byteLength(line) > MAX_LOG_LINE_BYTES) {
      const kept = lineRecord(level, now().toISOString(), msg, base, undefined, secrets);
      line = JSON.stringify({ ...(kept as LogFields), truncated: `the line exceeded ${MAX_LOG_LINE_BYTES} bytes; its other fields were dropped` });
    }
    try {
      write(`${line}\n`);
    } catch {
      // A failing sink must never fail the request that logs: the line is lost, and counted.
      dropped += 1;
    }
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
    mask: (text) => maskSecrets(text, options.secrets?.() ?? []),
  };
}
