/**
 * lib/batch.ts: a batch of messages is processed record by record. An unreadable or invalid record is poison
 * (skipped, logged, never retried) and costs no valid one; a redelivered message is replayed, not sent again; with
 * no credentials every record fails as retryable and the invocation throws BatchIncompleteError naming the fix.
 */
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../lib/batch';
import { BatchIncompleteError } from '../../lib/errors';
import { badRequest } from '../../lib/failures';
import { MemoryIdempotencyStore } from '../../lib/idempotency/memory';
import { messageKeyOf, reportKey } from '../../lib/idempotency/keys';
import { prepareInvocation, type Invocation } from '../../lib/invocation';
import type { TroubleReport } from '../../lib/report';
import type { BatchRecord } from '../../lib/sources/types';
import type { CallOptions, TroubleInfoClient } from '../../lib/trtc/client';
import { ApiError } from '../../lib/trtc/errors';
import { distinctReport, TEST_ENV } from '../support/fixtures';

/** Records every report; refuses (as TRTC would) a report whose TroubleMsg starts with "refuse". */
class ScriptedClient implements TroubleInfoClient {
  readonly calls: TroubleReport[] = [];
  create(report: TroubleReport, _options: CallOptions): Promise<{ requestId: string }> {
    this.calls.push(report);
    if (report.TroubleMsg.startsWith('refuse')) return Promise.reject(new ApiError('InvalidParameter.RoomId', 'no such room', `refused-${this.calls.length}`));
    return Promise.resolve({ requestId: `trtc-${this.calls.length}` });
  }
}

function setup(env: Record<string, string | undefined> = {}): { inv: Invocation; client: ScriptedClient; logged: () => Record<string, unknown>[] } {
  const client = new ScriptedClient();
  const raw: string[] = [];
  const prepared = prepareInvocation(
    { request_id: 'batch-inv', time_limit_in_ms: 20_000 },
    {
      env: { ...TEST_ENV, IDEMPOTENCY_TTL_SECONDS: '60', ...env },
      client,
      idempotency: new MemoryIdempotencyStore(),
      source: 'ckafka',
      write: (l) => raw.push(l),
    },
  );
  return { inv: prepared.inv, client, logged: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function message(index: number, report: TroubleReport | Record<string, unknown>): BatchRecord {
  const identity = `topic/0/${String(index)}`;
  return { index, identity, idempotencyKey: messageKeyOf('ckafka', identity), params: { ok: true, value: { ...report } } };
}

describe('runBatch', () => {
  it('sends the valid records; unreadable and invalid ones are skipped and logged, none retried', async () => {
    const { inv, client, logged } = setup();
    const [a, b] = [distinctReport('batch-a'), distinctReport('batch-b')];
    const records: BatchRecord[] = [
      message(0, a),
      { index: 1, idempotencyKey: reportKey, params: { ok: false, failure: badRequest('Records[1] is not a CKafka message') } },
      message(2, { ...b, RoomId: '' }),
      message(3, b),
    ];
    const summary = await runBatch('ckafka', records, inv, Date.now());
    expect(summary).toMatchObject({ source: 'ckafka', total: 4, sent: 2, skipped: 2, failed: 0 });
    expect(summary.records.map((r) => [r.index, r.status])).toEqual([
      [0, 'sent'],
      [1, 'skipped'],
      [2, 'skipped'],
      [3, 'sent'],
    ]);
    expect(summary.records[0]?.key).toBe('topic/0/0');
    expect(client.calls).toEqual([a, b]);
    const warned = logged()
      .filter((l) => l['msg'] === 'poison record skipped')
      .map((l) => l['index']);
    expect(warned).toEqual([1, 2]);
    expect(logged().find((l) => l['msg'] === 'invocation')).toMatchObject({ level: 'info', outcome: 'partial', total: 4, sent: 2, skipped: 2, failed: 0 });
  });

  it("TRTC's refusal of one record skips it, with TRTC's RequestId; the others are sent", async () => {
    const { inv } = setup();
    const summary = await runBatch('ckafka', [message(0, distinctReport('refuse me')), message(1, distinctReport('batch-ok'))], inv, Date.now());
    expect(summary.records[0]).toMatchObject({ status: 'skipped', requestId: 'refused-1', error: { code: 'InvalidParameter.RoomId' } });
    expect(summary.records[1]?.status).toBe('sent');
  });

  it('a redelivered batch is replayed from the store, nothing sent twice', async () => {
    const { inv, client } = setup();
    const records = [message(0, distinctReport('batch-redelivered-0')), message(1, distinctReport('batch-redelivered-1'))];
    await runBatch('ckafka', records, inv, Date.now());
    const again = await runBatch('ckafka', records, inv, Date.now());
    expect(again.records.map((r) => [r.status, r.replayed])).toEqual([
      ['sent', true],
      ['sent', true],
    ]);
    expect(client.calls).toHaveLength(2);
  });

  it('no credentials: every record failed as retryable, the batch throws BatchIncompleteError naming the fix', async () => {
    const { inv, client, logged } = setup({ TENCENTCLOUD_SECRETID: undefined, TENCENTCLOUD_SECRETKEY: undefined, TENCENTCLOUD_SESSIONTOKEN: undefined });
    const records = [message(0, distinctReport('batch-nocred-0')), message(1, distinctReport('batch-nocred-1'))];
    const error = await runBatch('ckafka', records, inv, Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchIncompleteError);
    const { summary } = error as BatchIncompleteError;
    expect(summary).toMatchObject({ total: 2, failed: 2, sent: 0, fix: { code: 'InternalError.Configuration' } });
    expect((error as Error).message).toMatch(/^2 of 2 ckafka records were not recorded .*Fix the deployment: no cloud credentials/);
    expect(client.calls).toEqual([]);
    expect(logged().find((l) => l['msg'] === 'invocation')).toMatchObject({ level: 'error', outcome: 'failed', code: 'InternalError.Configuration' });
  });
});
