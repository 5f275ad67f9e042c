/**
 * lib/drain.ts: the Timer trigger's drain sends the reports parked as `waiting` in a real redis-server (over
 * loopback), through the idempotent path, and settles each: recorded ones leave the store, a report TRTC refuses
 * moves to `given-up` for an operator, and a TRTC that keeps failing stops the drain with the rest left waiting.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { drainParked } from '../../lib/drain';
import { RedisDeadLetterStore } from '../../lib/dead-letter/redis';
import { MemoryIdempotencyStore } from '../../lib/idempotency/memory';
import { prepareInvocation, type Invocation } from '../../lib/invocation';
import { createLogger } from '../../lib/log';
import type { TroubleReport } from '../../lib/report';
import type { CallOptions, TroubleInfoClient } from '../../lib/trtc/client';
import { ApiError } from '../../lib/trtc/errors';
import { distinctReport, TEST_ENV } from '../support/fixtures';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';

/**
 * Records every report; refuses one whose TroubleMsg starts with "refuse"; once `down`, answers every call
 * ResourceUnavailable (retryable, and certainly not recorded: a 502 or no answer would count as a possible send and
 * end, after two, in given-up instead).
 */
class ScriptedClient implements TroubleInfoClient {
  readonly calls: TroubleReport[] = [];
  down = false;
  create(report: TroubleReport, _options: CallOptions): Promise<{ requestId: string }> {
    this.calls.push(report);
    if (this.down) return Promise.reject(new ApiError('ResourceUnavailable', 'TRTC is unavailable', 'down'));
    if (report.TroubleMsg.startsWith('refuse')) return Promise.reject(new ApiError('InvalidParameter.RoomId', 'no such room', 'refused'));
    return Promise.resolve({ requestId: `trtc-${this.calls.length}` });
  }
}

describeWithRedis('drainParked', () => {
  let redis: RedisServer;
  let store: RedisDeadLetterStore;
  const log = createLogger({ level: 'silent' });

  beforeAll(async () => {
    redis = await startRedisServer();
    store = new RedisDeadLetterStore({ url: redis.url });
  });
  afterAll(async () => {
    await store.close();
    await redis.stop();
  });

  function invocation(client: ScriptedClient): Invocation {
    const prepared = prepareInvocation(
      { request_id: 'drain-inv', time_limit_in_ms: 30_000 },
      { env: { ...TEST_ENV, REDIS_URL: redis.url, IDEMPOTENCY_TTL_SECONDS: '60' }, client, idempotency: new MemoryIdempotencyStore(), write: () => undefined },
    );
    if (!prepared.ok) throw new Error(prepared.errors.join('; '));
    return prepared.inv;
  }

  async function parkWaiting(report: TroubleReport): Promise<string> {
    const key = `trtc-trouble:v1:test:${randomUUID()}`;
    await store.park({ key, kind: 'waiting', report, source: 'http', reason: 'no call slot', attempts: 0 }, log);
    return key;
  }

  it('nothing waiting: stops at once, empty', async () => {
    const client = new ScriptedClient();
    expect(await drainParked(invocation(client))).toEqual({ recorded: 0, alreadyRecorded: 0, givenUp: 0, leftWaiting: 0, stopped: 'empty' });
    expect(client.calls).toEqual([]);
  });

  it('records every waiting report once and removes it; a refused one is given up for an operator', async () => {
    const [a, b, refused] = [distinctReport('drain-a'), distinctReport('drain-b'), distinctReport('refuse drain')];
    const keys = [await parkWaiting(a), await parkWaiting(b), await parkWaiting(refused)];
    const client = new ScriptedClient();
    const report = await drainParked(invocation(client));
    expect(report).toMatchObject({ recorded: 2, givenUp: 1, leftWaiting: 0, stopped: 'empty' });
    expect(client.calls).toHaveLength(3);
    expect(client.calls).toEqual(expect.arrayContaining([a, b, refused]));
    expect(await store.get(keys[0] ?? '')).toBeUndefined();
    expect(await store.get(keys[1] ?? '')).toBeUndefined();
    expect(await store.get(keys[2] ?? '')).toMatchObject({ kind: 'given-up', reason: expect.stringContaining('InvalidParameter.RoomId') });
    expect(await store.list('waiting')).toEqual([]);
    await store.drop(keys[2] ?? '');
  });

  it('a TRTC that keeps failing (nothing recorded) stops the drain and leaves the reports waiting', async () => {
    const keys = [await parkWaiting(distinctReport('drain-down-a')), await parkWaiting(distinctReport('drain-down-b'))];
    const client = new ScriptedClient();
    client.down = true;
    const report = await drainParked(invocation(client));
    expect(report.stopped).toBe('failing');
    expect(report.recorded).toBe(0);
    expect(report.leftWaiting).toBeGreaterThanOrEqual(1);
    for (const key of keys) expect((await store.get(key))?.kind).toBe('waiting');
    for (const key of keys) await store.drop(key);
  });
});
