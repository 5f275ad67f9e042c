/**
 * lib/server/stdio.ts with streams of the test's: an 'error' on stdout (EPIPE) is handled, noted once on stderr, and
 * later errors too; an 'error' on stderr is handled silently.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { surviveClosedOutput } from '../../../lib/server/stdio';

function stream(): PassThrough & NodeJS.WriteStream {
  return new PassThrough() as PassThrough & NodeJS.WriteStream;
}

describe('surviveClosedOutput', () => {
  it('EPIPE on stdout: no uncaught error, one note on stderr naming the code, repeated errors absorbed', () => {
    const stdout = stream();
    const stderr = stream();
    const notes: string[] = [];
    stderr.on('data', (chunk: Buffer) => notes.push(chunk.toString('utf8')));
    surviveClosedOutput(stdout, stderr);
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(() => stdout.emit('error', epipe)).not.toThrow();
    expect(() => stdout.emit('error', epipe)).not.toThrow();
    expect(() => stderr.emit('error', epipe)).not.toThrow();
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0]!)).toMatchObject({ level: 'warn', msg: 'stdout is closed: log lines are dropped from now on', code: 'EPIPE' });
  });
});
