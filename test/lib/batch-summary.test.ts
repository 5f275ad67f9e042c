/**
 * lib/batch-summary.ts: summarise counts every status, lists records in index order, and when the list would pass
 * MAX_SUMMARY_BYTES keeps failed records first, then skipped (and parked) ones, counting the rest in `omitted`.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SUMMARY_BYTES, summarise, type RecordResult, type RecordStatus } from '../../lib/batch-summary';
import { failure } from '../../lib/failures';
import { MAX_ERROR_MESSAGE_CHARS } from '../../lib/outcome';

function record(index: number, status: RecordStatus, extra: Partial<RecordResult> = {}): RecordResult {
  return { index, status, key: `key-${String(index)}`, ...extra };
}

describe('summarise', () => {
  it('counts each status and keeps the records in index order', () => {
    const results = [
      record(0, 'sent', { requestId: 'r0' }),
      record(1, 'failed', { error: { code: 'InternalError', message: 'x' } }),
      record(2, 'skipped'),
      record(3, 'deadLettered'),
      record(4, 'parked'),
      record(5, 'sent', { requestId: 'r5', replayed: true }),
    ];
    const summary = summarise('ckafka', results);
    expect(summary).toEqual({ source: 'ckafka', total: 6, sent: 2, skipped: 1, failed: 1, deadLettered: 1, parked: 1, records: results });
    expect(summary.omitted).toBeUndefined();
  });

  it('leaves deadLettered, parked, omitted and fix out when there are none', () => {
    const summary = summarise('cmq', [record(0, 'sent')]);
    expect(Object.keys(summary).sort()).toEqual(['failed', 'records', 'sent', 'skipped', 'source', 'total']);
  });

  it('an empty batch is all zeros', () => {
    expect(summarise('eventbridge-list', [])).toEqual({ source: 'eventbridge-list', total: 0, sent: 0, skipped: 0, failed: 0, records: [] });
  });

  it('carries the fix of a failure that needs the deployment fixed, its message capped', () => {
    const fix = failure('misconfigured', 'm'.repeat(MAX_ERROR_MESSAGE_CHARS + 50));
    const summary = summarise('ckafka', [record(0, 'failed')], fix);
    expect(summary.fix?.code).toBe(fix.code);
    expect(summary.fix?.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(summary.fix?.message.endsWith('…')).toBe(true);
  });

  describe('over MAX_SUMMARY_BYTES', () => {
    // Records of about 2 KiB each: 600 of them are far over the 512 KiB cap.
    const big = (index: number, status: RecordStatus): RecordResult => record(index, status, { error: { code: 'InternalError', message: 'e'.repeat(2000) } });
    const results: RecordResult[] = Array.from({ length: 600 }, (_, i) => big(i, i % 100 === 7 ? 'failed' : i % 100 === 8 ? 'skipped' : 'sent'));
    const summary = summarise('ckafka', results);

    it('stays under the cap and counts what it left out', () => {
      expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
      expect(summary.omitted).toBeGreaterThan(0);
      expect(summary.records.length + (summary.omitted ?? 0)).toBe(600);
    });

    it('keeps the counts of the whole batch', () => {
      expect([summary.total, summary.sent, summary.failed, summary.skipped]).toEqual([600, 588, 6, 6]);
    });

    it('lists every failed and skipped record, the rest being sent ones, in index order', () => {
      const listed = summary.records;
      expect(listed.filter((r) => r.status === 'failed').map((r) => r.index)).toEqual([7, 107, 207, 307, 407, 507]);
      expect(listed.filter((r) => r.status === 'skipped').map((r) => r.index)).toEqual([8, 108, 208, 308, 408, 508]);
      const indexes = listed.map((r) => r.index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      // The sent records that made it are the first ones by index.
      const sent = listed.filter((r) => r.status === 'sent').map((r) => r.index);
      expect(sent[0]).toBe(0);
    });

    it('keeps failed records ahead of skipped ones when even they do not all fit', () => {
      const many = Array.from({ length: 600 }, (_, i) => big(i, i < 400 ? 'skipped' : 'failed'));
      const cut = summarise('ckafka', many);
      expect(cut.records.filter((r) => r.status === 'failed')).toHaveLength(200);
      const skipped = cut.records.filter((r) => r.status === 'skipped').map((r) => r.index);
      expect(skipped.length).toBeGreaterThan(0);
      expect(skipped.length).toBeLessThan(400);
      // The skipped records kept are the first ones by index.
      expect(skipped).toEqual(Array.from({ length: skipped.length }, (_, i) => i));
      expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    });
  });
});
