/**
 * lib/dead-letter-after.ts: a message whose report keeps failing with a retryable error is parked (given up) once it
 * has failed more than DEAD_LETTER_AFTER_DELIVERIES times, counted per key in a real redis-server over loopback.
 * Successes, permanent failures, a store that keeps nothing and a Redis that just failed are answered as they are.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parkIfFailedTooOften } from '../../lib/dead-letter-after';
import { RedisDeadLetterStore } from '../../lib/dead-letter/redis';
import { badRequest, storeUnavailable } from '../../lib/failures';
import { prepareInvocation, type Invocation } from '../../lib/invocation';
import { failed, type Outcome } from '../../lib/outcome';
import { BASE, RecordingClient, TEST_ENV, testInvocation } from '../support/fixtures';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';

const RETRYABLE: Outcome = {
  ok: false,
  failure: { status: 502, code: 'InternalError', message: 'TRTC failed', retryable: true },
  attempts: 1,
  unconfirmedSends: 1,
};

describe('without a store that keeps entries (no Redis)', () => {
  it('a retryable failure is answered as it is, however often', async () => {
    const inv = testInvocation(new RecordingClient());
    expect(inv.deadLetters.keeps).toBe(false);
    for (let i = 0; i < 5; i += 1) expect(await parkIfFailedTooOften(BASE, 'k', RETRYABLE, inv)).toBe(RETRYABLE);
  });
});

describeWithRedis('DEAD_LETTER_AFTER_DELIVERIES=2 with Redis', () => {
  let redis: RedisServer;
  let inv: Invocation;
  let lines: string[];
  let store: RedisDeadLetterStore;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = new RedisDeadLetterStore({ url: redis.url });
  });
  afterAll(async () => {
    await store.close();
    await inv.deadLetters.close();
    await redis.stop();
  });

  function prepare(): Invocation {
    lines = [];
    const prepared = prepareInvocation(
      { request_id: 'unit-invocation', time_limit_in_ms: 10_000 },
      {
        env: { ...TEST_ENV, REDIS_URL: redis.url, DEAD_LETTER_AFTER_DELIVERIES: '2' },
        client: new RecordingClient(),
        source: 'ckafka',
        write: (line) => lines.push(line),
      },
    );
    if (!prepared.ok) throw new Error(prepared.errors.join('; '));
    inv = prepared.inv;
    return inv;
  }

  it('the first two failures are answered as they are; the third parks the report as given up (202)', async () => {
    const inv = prepare();
    const key = `mirror:${randomUUID()}`;
    expect(await parkIfFailedTooOften(BASE, key, RETRYABLE, inv)).toBe(RETRYABLE);
    expect(await parkIfFailedTooOften(BASE, key, RETRYABLE, inv)).toBe(RETRYABLE);
    expect(await store.get(key)).toBeUndefined();
    const third = await parkIfFailedTooOften(BASE, key, RETRYABLE, inv);
    expect(third.ok).toBe(false);
    if (third.ok) return;
    expect(third.failure).toMatchObject({ status: 202, code: 'Accepted.DeadLettered', retryable: false, key });
    expect(third.failure.message).toContain('failed 3 deliveries (more than DEAD_LETTER_AFTER_DELIVERIES=2); last: InternalError: TRTC failed');
    expect(third.attempts).toBe(1);
    const entry = await store.get(key);
    expect(entry).toMatchObject({ key, kind: 'given-up', report: BASE, source: 'ckafka', attempts: 1 });
  });

  it('counts per key', async () => {
    const inv = prepare();
    const [a, b] = [`mirror:${randomUUID()}`, `mirror:${randomUUID()}`];
    await parkIfFailedTooOften(BASE, a, RETRYABLE, inv);
    await parkIfFailedTooOften(BASE, a, RETRYABLE, inv);
    expect(await parkIfFailedTooOften(BASE, b, RETRYABLE, inv)).toBe(RETRYABLE);
  });

  it.each([
    ['a success', { ok: true, requestId: 'r', attempts: 1 } as Outcome],
    ['a permanent failure', failed(badRequest('RoomId is missing'))],
    ['the idempotency store (Redis) just failed', failed(storeUnavailable('redis'))],
  ])('%s is answered as it is and not counted', async (_, outcome) => {
    const inv = prepare();
    const key = `mirror:${randomUUID()}`;
    for (let i = 0; i < 4; i += 1) expect(await parkIfFailedTooOften(BASE, key, outcome, inv)).toBe(outcome);
    // Not counted: the next retryable failure is only the first.
    expect(await parkIfFailedTooOften(BASE, key, RETRYABLE, inv)).toBe(RETRYABLE);
    expect(await store.get(key)).toBeUndefined();
  });

  it('a Redis that cannot count: the outcome as it is, and a warning', async () => {
    const inv = prepare();
    redis.pause();
    try {
      const started = { ...inv, deadline: { ...inv.deadline, remaining: () => 200 } } as Invocation;
      expect(await parkIfFailedTooOften(BASE, `mirror:${randomUUID()}`, RETRYABLE, started)).toBe(RETRYABLE);
    } finally {
      redis.resume();
    }
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string; stage?: string }).filter((l) => l.level === 'warn');
    expect(warnings).toContainEqual(expect.objectContaining({ msg: 'dead-letter store error', stage: 'count' }));
  });
});
