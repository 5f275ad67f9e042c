/**
 * Idempotency end to end: the built bundle, the TRTC emulator over loopback HTTP with the real SDK, and both
 * stores (in-memory per instance; a real redis-server shared by several "instances", i.e. fresh loads of the
 * bundle). Counts upstream calls: one record per report.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { distinctReport } from '../support/fixtures';
import { loadBundle, type MainHandler } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { captureStdout } from '../support/logs';
import { clearProxyEnv, describeWithRedis, freePort, startRedisServer, type RedisServer } from '../support/redis-server';

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const { emulator } = useEmulator();
beforeAll(() => clearProxyEnv());

function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...distinctReport('audio dropped', { TroubleType: 2 }), ...overrides };
}

function post(body: Record<string, unknown>, headers: Record<string, string> = {}): unknown {
  return { httpMethod: 'POST', path: '/', headers: { 'content-type': 'application/json', ...headers }, queryString: {}, body: JSON.stringify(body) };
}

async function call(handler: MainHandler, event: unknown, timeLimitMs = 10_000): Promise<HttpAnswer> {
  const run = await captureStdout(() => handler(event, { request_id: randomUUID(), time_limit_in_ms: timeLimitMs }));
  if (run.error) throw run.error;
  return run.value as HttpAnswer;
}

function requestIdOf(answer: HttpAnswer): string {
  return (JSON.parse(answer.body) as { Response: { RequestId: string } }).Response.RequestId;
}

function codeOf(answer: HttpAnswer): string | undefined {
  return (JSON.parse(answer.body) as { Response: { Error?: { Code: string } } }).Response.Error?.Code;
}

function kafka(bodies: Record<string, unknown>[], firstOffset: number): unknown {
  return {
    Records: bodies.map((b, i) => ({
      Ckafka: { topic: 'classroom-trouble', partition: 0, offset: firstOffset + i, msgKey: 'None', msgBody: JSON.stringify(b) },
    })),
  };
}

describe('in-memory store (one warm instance)', () => {
  it('replays an Idempotency-Key with the original RequestId and a replay header, without calling TRTC', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const event = post(report(), { 'Idempotency-Key': `order-${randomUUID()}` });
    const first = await call(main_handler, event);
    const second = await call(main_handler, event);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(requestIdOf(first)).toBe(emulator.created[0]?.RequestId);
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    expect(second.headers['Idempotent-Replayed']).toBe('true');
    expect(emulator.calls).toHaveLength(1);
  });

  it('recognises the same report without a key by the hash of its parameters', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const body = report();
    const first = await call(main_handler, post(body));
    const second = await call(main_handler, post({ ...body }));
    expect(requestIdOf(second)).toBe(requestIdOf(first));
    expect(emulator.calls).toHaveLength(1);
    // A different report is a different record.
    await call(main_handler, post(report()));
    expect(emulator.calls).toHaveLength(2);
  });

  it('refuses a key reused for a different report (422) and rejects an invalid key (400), sending nothing', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const key = `k-${randomUUID()}`;
    await call(main_handler, post(report(), { 'Idempotency-Key': key }));
    const reused = await call(main_handler, post(report(), { 'Idempotency-Key': key }));
    expect(reused.statusCode).toBe(422);
    expect(codeOf(reused)).toBe('InvalidParameter.IdempotencyKeyReused');
    const invalid = await call(main_handler, post(report(), { 'Idempotency-Key': 'x'.repeat(200) }));
    expect(invalid.statusCode).toBe(400);
    expect(emulator.calls).toHaveLength(1);
  });

  it('releases the key of a failed attempt that certainly recorded nothing, so a retry records the report', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const event = post(report(), { 'Idempotency-Key': `k-${randomUUID()}` });
    emulator.inject({ kind: 'api-error', code: 'ServiceUnavailable' }, 3);
    const failed = await call(main_handler, event);
    expect(failed.statusCode).toBe(503);
    const retried = await call(main_handler, event);
    expect(retried.statusCode).toBe(200);
    expect(emulator.created).toHaveLength(1);
    expect(emulator.calls).toHaveLength(4);
  });

  it('after two sends that may have recorded it (HTTP 502), never a third, whatever the retries: 202 with the key, parked', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const event = post(report(), { 'Idempotency-Key': `k-${randomUUID()}` });
    emulator.inject({ kind: 'http-status', status: 502 }, 3);
    const parked = await call(main_handler, event);
    expect(parked.statusCode).toBe(202);
    expect(codeOf(parked)).toBe('Accepted.DeadLettered');
    const key = (JSON.parse(parked.body) as { Response: { Key?: string } }).Response.Key;
    expect(key).toMatch(/^trtc-trouble:v1:caller:k-/);
    expect(emulator.calls).toHaveLength(2);
    for (let retry = 0; retry < 5; retry += 1) {
      const again = await call(main_handler, event);
      expect(again.statusCode).toBe(202);
    }
    expect(emulator.calls).toHaveLength(2);
  });

  it('lets exactly one of many concurrent duplicates reach TRTC; the others get 409 or the replay', async () => {
    const { main_handler } = loadBundle({ fresh: true });
    const event = post(report(), { 'Idempotency-Key': `k-${randomUUID()}` });
    emulator.inject({ kind: 'delay', ms: 300 });
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(main_handler, event)));
    expect(emulator.calls).toHaveLength(1);
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    const conflict = answers.find((a) => a.statusCode === 409)!;
    expect(codeOf(conflict)).toBe('ResourceInUse.IdempotencyKey');
    expect(conflict.headers['Retry-After']).toBe('1');
  });

  it('a CKafka batch redelivered after a partial failure makes no second call for the records already sent', async () => {
    const undo = withEnv({ BATCH_CONCURRENCY: '1' });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const bodies = [report(), report(), report()];
      const event = kafka(bodies, 9000);
      // Call 1 succeeds, calls 2-4 (the second record's three attempts) fail, call 5 (third record) succeeds.
      emulator.inject({ kind: 'delay', ms: 0 });
      emulator.inject({ kind: 'api-error', code: 'ServiceUnavailable' }, 3);
      const first = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect((first.error as Error).name).toBe('BatchIncompleteError');
      expect((first.error as Error).message).toContain('classroom-trouble/0/9001');
      expect(emulator.created).toHaveLength(2);
      const callsBefore = emulator.calls.length;
      // The platform redelivers the whole batch.
      const second = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect(second.error).toBeUndefined();
      const summary = second.value as { sent: number; records: { status: string; replayed?: boolean; requestId: string }[] };
      expect(summary.sent).toBe(3);
      expect(summary.records.map((r) => Boolean(r.replayed))).toEqual([true, false, true]);
      expect(emulator.calls.length - callsBefore).toBe(1);
      expect(emulator.created).toHaveLength(3);
      expect(new Set(summary.records.map((r) => r.requestId))).toEqual(new Set(emulator.created.map((c) => c.RequestId)));
    } finally {
      undo();
    }
  });

  it('is off with IDEMPOTENCY_TTL_SECONDS=0: every delivery is sent', async () => {
    const undo = withEnv({ IDEMPOTENCY_TTL_SECONDS: '0' });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const event = post(report());
      await call(main_handler, event);
      await call(main_handler, event);
      expect(emulator.calls).toHaveLength(2);
    } finally {
      undo();
    }
  });
});

describeWithRedis('Redis store (shared by instances)', () => {
  let redis: RedisServer;
  let undo: () => void = () => {};

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(() => {
    undo = withEnv({ REDIS_URL: redis.url });
  });
  afterEach(() => undo());

  it('replays across instances: a second cold start answers from Redis without calling TRTC', async () => {
    const event = post(report(), { 'Idempotency-Key': `k-${randomUUID()}` });
    const first = await call(loadBundle({ fresh: true }).main_handler, event);
    const second = await call(loadBundle({ fresh: true }).main_handler, event);
    expect(second.statusCode).toBe(200);
    expect(requestIdOf(second)).toBe(requestIdOf(first));
    expect(second.headers['Idempotent-Replayed']).toBe('true');
    expect(emulator.calls).toHaveLength(1);
  });

  it('concurrent duplicates on several instances: exactly one upstream call', async () => {
    const event = post(report(), { 'Idempotency-Key': `k-${randomUUID()}` });
    emulator.inject({ kind: 'delay', ms: 300 });
    const instances = Array.from({ length: 4 }, () => loadBundle({ fresh: true }).main_handler);
    const answers = await Promise.all(instances.flatMap((h) => [call(h, event), call(h, event)]));
    expect(emulator.calls).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(7);
  });

  it('forgets a completed report after IDEMPOTENCY_TTL_SECONDS', async () => {
    const ttl = withEnv({ IDEMPOTENCY_TTL_SECONDS: '1' });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const event = post(report());
      await call(main_handler, event);
      await call(main_handler, event);
      expect(emulator.calls).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1200));
      await call(main_handler, event);
      expect(emulator.calls).toHaveLength(2);
    } finally {
      ttl();
    }
  });

  it('a batch redelivered to another instance after a partial failure makes no second call for sent records', async () => {
    const concurrency = withEnv({ BATCH_CONCURRENCY: '1' });
    try {
      const event = kafka([report(), report()], 7000);
      emulator.inject({ kind: 'delay', ms: 0 });
      emulator.inject({ kind: 'api-error', code: 'ServiceUnavailable' }, 3);
      const first = await captureStdout(() => loadBundle({ fresh: true }).main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect((first.error as Error).name).toBe('BatchIncompleteError');
      expect(emulator.created).toHaveLength(1);
      const second = await captureStdout(() => loadBundle({ fresh: true }).main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect(second.error).toBeUndefined();
      expect(emulator.created).toHaveLength(2);
      expect(emulator.calls).toHaveLength(5);
    } finally {
      concurrency();
    }
  });

  it('fails safe when Redis is unreachable: 503, told to retry, nothing sent, no password in the logs', async () => {
    const port = await freePort();
    const down = withEnv({ REDIS_URL: `redis://:s3cret-pass-word@127.0.0.1:${port}/0` });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const started = Date.now();
      const run = await captureStdout(() => main_handler(post(report()), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      const answer = run.value as HttpAnswer;
      expect(answer.statusCode).toBe(503);
      expect(codeOf(answer)).toBe('ServiceUnavailable.IdempotencyStore');
      expect(answer.headers['Retry-After']).toBe('1');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(emulator.calls).toHaveLength(0);
      for (const line of run.lines) expect(line).not.toContain('s3cret-pass-word');
      expect(answer.body).not.toContain('s3cret-pass-word');
    } finally {
      down();
    }
  });
});
