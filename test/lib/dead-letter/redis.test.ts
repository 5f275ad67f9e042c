/**
 * lib/dead-letter/redis.ts and its core against a real redis-server: one entry per key (parking again updates it,
 * given-up wins), the two kinds listed apart oldest first, leases that two drains never share, the failure counter,
 * and the core kept out of dist/index.js.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisDeadLetterStore } from '../../../lib/dead-letter/redis';
import type { ParkRequest } from '../../../lib/dead-letter/store';
import { createLogger } from '../../../lib/log';
import { BASE } from '../../support/fixtures';
import { ROOT } from '../../support/bundle';
import { describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../../support/redis-server';

let redis: RedisServer;
let store: RedisDeadLetterStore;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
  store = new RedisDeadLetterStore({ url: redis.url });
}, 20_000);
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await store.close();
  await redis.stop();
});

const request = (key: string, kind: ParkRequest['kind'], msg = 'frozen'): ParkRequest => ({
  key,
  kind,
  report: { ...BASE, TroubleMsg: msg },
  source: 'ckafka',
  reason: `reason for ${key}`,
  attempts: kind === 'given-up' ? 2 : 0,
});

describeWithRedis('the Redis dead-letter store', () => {
  it('keeps one entry per key: parking again counts a delivery, keeps the first time and lets given-up win', async () => {
    await store.park(request('a', 'waiting', 'Kanji 漢字 and "quotes" / slashes'), log);
    const first = await store.get('a');
    await store.park(request('a', 'given-up'), log);
    await store.park(request('a', 'waiting'), log);
    const entry = await store.get('a');
    expect(entry).toMatchObject({ key: 'a', kind: 'given-up', deliveries: 3, attempts: 2, parkedAt: first!.parkedAt, reason: 'reason for a' });
    expect(first!.report.TroubleMsg).toBe('Kanji 漢字 and "quotes" / slashes');
    expect((await store.list('given-up')).map((e) => e.key)).toEqual(['a']);
    expect(await store.list('waiting')).toEqual([]);
  });

  it('leases the oldest waiting entry to one drain at a time; done removes it, keep leaves it waiting', async () => {
    await store.park(request('w1', 'waiting'), log);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.park(request('w2', 'waiting'), log);
    const one = await store.lease(10_000);
    const two = await store.lease(10_000);
    expect([one?.entry.key, two?.entry.key]).toEqual(['w1', 'w2']);
    expect(await store.lease(10_000)).toBeUndefined();
    await store.settle(one!, 'done');
    await store.settle(two!, 'keep');
    expect((await store.list('waiting')).map((e) => e.key)).toEqual(['w2']);
    const again = await store.lease(10_000);
    expect(again?.entry.key).toBe('w2');
    await store.settle(again!, 'done');
    expect(await store.list('waiting')).toEqual([]);
  });

  it('does not remove an entry given up while it was leased', async () => {
    await store.park(request('g', 'waiting'), log);
    const lease = await store.lease(10_000);
    await store.park(request('g', 'given-up'), log);
    await store.settle(lease!, 'done');
    expect(await store.get('g')).toMatchObject({ kind: 'given-up' });
    expect(await store.drop('g')).toBe(true);
    expect(await store.drop('g')).toBe(false);
  });

  it('counts failed deliveries per key', async () => {
    expect(await store.countFailure('m1', 60_000)).toBe(1);
    expect(await store.countFailure('m1', 60_000)).toBe(2);
    expect(await store.countFailure('m2', 60_000)).toBe(1);
  });

  it('rejects with DeadLetterStoreError naming the server without its password when Redis is unreachable', async () => {
    const down = new RedisDeadLetterStore({ url: 'redis://:pa55word-secret@127.0.0.1:1/0', connectTimeoutMs: 200 });
    const error = await down.park(request('x', 'waiting'), log).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DeadLetterStoreError' });
    expect((error as Error).message).not.toContain('pa55word-secret');
    await down.close();
  });
});

it('ships the dead-letter core in dist/redis.js, never in dist/index.js', () => {
  const meta = path.join(ROOT, 'dist', 'meta.json');
  if (!existsSync(meta)) throw new Error('dist/meta.json is missing: run node scripts/build.mjs');
  const outputs = (JSON.parse(readFileSync(meta, 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> }).outputs;
  expect(Object.keys(outputs['dist/index.js']!.inputs)).not.toContain('lib/dead-letter/redis-parked.ts');
  expect(Object.keys(outputs['dist/redis.js']!.inputs)).toContain('lib/dead-letter/redis-parked.ts');
  expect(Object.keys(outputs['dist/index.js']!.inputs)).toContain('lib/dead-letter/redis.ts');
});
