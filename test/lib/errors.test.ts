/**
 * lib/errors.ts: the errors handed to the platform. Their stack is only `name: message` (no frames, so the log never
 * shows where in the code), and BatchIncompleteError's message names the failed records, with secrets masked.
 */
import { describe, expect, it } from 'vitest';
import { summarise, type RecordResult } from '../../lib/batch-summary';
import { BatchIncompleteError, PlatformError, ProbeFailedError, ReportNotRecordedError } from '../../lib/errors';
import { failure } from '../../lib/failures';
import type { Envelope } from '../../lib/outcome';

const ENVELOPE: Envelope = { Response: { Error: { Code: 'InternalError', Message: 'token s3cr3t leaked' }, RequestId: 'inv-1' } };
const mask = (text: string): string => text.replaceAll('s3cr3t', '***');

function failedRecord(index: number, key?: string): RecordResult {
  return { index, status: 'failed', ...(key ? { key } : {}), error: { code: `Code${String(index)}`, message: 'm' } };
}

describe('PlatformError', () => {
  it.each([
    ['ReportNotRecordedError', new ReportNotRecordedError(ENVELOPE)],
    ['BatchIncompleteError', new BatchIncompleteError(summarise('ckafka', [failedRecord(0)]))],
    ['ProbeFailedError', new ProbeFailedError('no credentials')],
  ])('%s: an Error with its own name, whose stack is name and message, no frames', (name, error) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error.name).toBe(name);
    expect(error.stack).toBe(`${name}: ${error.message}`);
    expect(error.stack).not.toMatch(/\n\s+at /);
    expect(String(error)).toBe(`${name}: ${error.message}`);
  });

  it('a stack set later is kept', () => {
    const error = new ProbeFailedError('x');
    error.stack = 'replaced';
    expect(error.stack).toBe('replaced');
  });
});

describe('ReportNotRecordedError', () => {
  it('its message is the JSON envelope, masked; the envelope is kept as it was', () => {
    const error = new ReportNotRecordedError(ENVELOPE, mask);
    expect(JSON.parse(error.message)).toEqual({ Response: { Error: { Code: 'InternalError', Message: 'token *** leaked' }, RequestId: 'inv-1' } });
    expect(error.envelope).toBe(ENVELOPE);
  });
});

describe('BatchIncompleteError', () => {
  it('says how many of how many records failed, the counts, and lists each failed record with its key and code', () => {
    const summary = summarise('ckafka', [
      { index: 0, status: 'sent', requestId: 'r' },
      failedRecord(1, 'topic/0/41'),
      { index: 2, status: 'skipped' },
      failedRecord(3),
    ]);
    const error = new BatchIncompleteError(summary);
    expect(error.message).toBe(
      '2 of 4 ckafka records were not recorded and should be redelivered (1 sent, 1 skipped as invalid): #1 (topic/0/41): Code1; #3: Code3',
    );
    expect(error.summary).toBe(summary);
  });

  it('lists at most 10 failed records, then an ellipsis', () => {
    const error = new BatchIncompleteError(
      summarise(
        'cmq',
        Array.from({ length: 12 }, (_, i) => failedRecord(i)),
      ),
    );
    expect(error.message).toContain('#9: Code9; …');
    expect(error.message).not.toContain('#10');
  });

  it('names the fix when the deployment must be fixed', () => {
    const fix = failure('misconfigured', 'set TENCENTCLOUD_SECRETID');
    const error = new BatchIncompleteError(summarise('ckafka', [failedRecord(0)], fix));
    expect(error.message).toMatch(/\. Fix the deployment: set TENCENTCLOUD_SECRETID$/);
  });

  it('masks secrets that sit in message keys', () => {
    const error = new BatchIncompleteError(summarise('ckafka', [failedRecord(0, 'key-with-s3cr3t')]), mask);
    expect(error.message).toContain('(key-with-***)');
    expect(error.message).not.toContain('s3cr3t');
    expect(error.stack).not.toContain('s3cr3t');
  });
});
