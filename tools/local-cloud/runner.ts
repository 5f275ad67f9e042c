/**
 * The function instance: a child Node process that loads the function's file from the extracted code package and
 * runs `exports[method](event, context[, callback])` for each `invoke` message from the local SCF, one at a time,
 * warm across calls. Compiled to plain CommonJS by esbuild at start-up (no tsx in the child). Everything the
 * function writes to stdout/stderr during an invocation is captured and returned as that invocation's log.
 */
import path from 'node:path';

interface LoadMessage {
  type: 'load';
  dir: string;
  file: string;
  method: string;
}
interface InvokeMessage {
  type: 'invoke';
  id: string;
  event: unknown;
  context: Record<string, unknown>;
  deadline: number;
  env: Record<string, string | undefined>;
}
type ParentMessage = LoadMessage | InvokeMessage;
type Handler = (event: unknown, context: unknown, callback?: (error: unknown, value?: unknown) => void) => unknown;

let handler: Handler | undefined;
let log = '';
let current: string | undefined;

function send(message: Record<string, unknown>): void {
  if (process.send !== undefined) process.send(message);
}

for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (log.length > 1_000_000) log = log.slice(-500_000);
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (done !== undefined) done();
    return true;
  }) as typeof stream.write;
}

function errorOf(error: unknown): { message: string; type: string; stack?: string } {
  if (error instanceof Error) return { message: error.message, type: error.name, ...(error.stack ? { stack: error.stack } : {}) };
  return { message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)), type: 'Error' };
}

function finish(id: string, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }): void {
  if (current !== id) return;
  current = undefined;
  let message: Record<string, unknown>;
  if (outcome.ok) {
    let text: string;
    try {
      text = JSON.stringify(outcome.value === undefined ? null : outcome.value);
    } catch (error) {
      report(id, { ok: false, error: { message: `the return value is not JSON-serialisable: ${errorOf(error).message}`, type: 'TypeError' } });
      return;
    }
    message = { ok: true, value: text };
  } else {
    const error = errorOf(outcome.error);
    if (error.stack !== undefined) log += `${error.stack}\n`;
    message = { ok: false, error: { message: error.message, type: error.type } };
  }
  report(id, message);
}

function report(id: string, message: Record<string, unknown>): void {
  send({ type: 'done', id, ...message, log, memUsage: process.memoryUsage().rss });
  log = '';
}

function invoke(message: InvokeMessage): void {
  current = message.id;
  log = '';
  for (const [key, value] of Object.entries(message.env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let waits = true;
  const context = {
    ...message.context,
    getRemainingTimeInMillis: (): number => Math.max(0, message.deadline - Date.now()),
    get callbackWaitsForEmptyEventLoop(): boolean {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waits = value;
    },
  };
  const id = message.id;
  try {
    const fn = handler;
    if (fn === undefined) throw new Error('the handler is not loaded');
    const callback = (error: unknown, value?: unknown): void =>
      error === null || error === undefined ? finish(id, { ok: true, value }) : finish(id, { ok: false, error });
    const returned = fn.length >= 3 ? fn(message.event, context, callback) : fn(message.event, context);
    if (fn.length < 3 || (returned !== undefined && typeof (returned as Promise<unknown>).then === 'function')) {
      Promise.resolve(returned).then(
        (value) => finish(id, { ok: true, value }),
        (error: unknown) => finish(id, { ok: false, error }),
      );
    }
  } catch (error) {
    finish(id, { ok: false, error });
  }
}

function load(message: LoadMessage): void {
  try {
    process.chdir(message.dir);
    const exported = require(path.join(message.dir, message.file)) as Record<string, unknown>;
    const fn = exported[message.method];
    if (typeof fn !== 'function') {
      send({ type: 'load-error', reason: 'export', message: `${message.file}.js does not export a function named ${message.method}`, log });
      return;
    }
    handler = fn as Handler;
    send({ type: 'loaded', log });
  } catch (error) {
    const { message: text } = errorOf(error);
    send({ type: 'load-error', reason: 'load', message: `loading ${message.file}.js failed: ${text}`, log });
  }
  log = '';
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'load') load(message);
  else invoke(message);
});
process.on('uncaughtException', (error) => {
  if (current !== undefined) finish(current, { ok: false, error });
  process.exitCode = 1;
  setImmediate(() => process.exit(1));
});
process.on('unhandledRejection', (error) => {
  if (current !== undefined) finish(current, { ok: false, error });
});
// The local SCF went away: an instance never outlives it.
process.on('disconnect', () => process.exit(0));
