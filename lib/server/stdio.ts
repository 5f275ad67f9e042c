/**
 * The standalone server's standard streams. When the reader of stdout goes away (`node dist/server.js | head -1`, a
 * log collector that died), every write fails with EPIPE, emitted as an 'error' on process.stdout: unhandled, it
 * would end the process and every request in flight. Here it is handled: the server keeps serving, log lines are
 * dropped from then on (lib/log.ts skips a closed stdout and counts them), and stderr gets one line saying so.
 */
import { droppedLogLines } from '../log';

type Stream = Pick<NodeJS.WriteStream, 'on' | 'once' | 'write' | 'destroyed' | 'writable'>;

/** Installs the handlers once per stream; `stdout` and `stderr` are the process's unless given (tests). */
export function surviveClosedOutput(stdout: Stream = process.stdout, stderr: Stream = process.stderr): void {
  stdout.once('error', (error: NodeJS.ErrnoException) => {
    note(stderr, { level: 'warn', msg: 'stdout is closed: log lines are dropped from now on', code: error.code, dropped: droppedLogLines() });
    // Later errors (writes already queued when it broke) need a listener too; there is nothing more to say.
    stdout.on('error', () => undefined);
  });
  // A broken stderr leaves nowhere to report anything: it is only kept from ending the process.
  stderr.on('error', () => undefined);
}

function note(stream: Stream, fields: Record<string, unknown>): void {
  if (stream.destroyed || !stream.writable) return;
  stream.write(`${JSON.stringify({ ...fields, time: new Date().toISOString() })}\n`);
}
