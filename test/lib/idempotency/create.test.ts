/**
 * lib/idempotency/create.ts: REDIS_URL chooses the store. Without one (or blank), this instance's memory, with the
 * options it is given; with one, Redis, with its key prefix, against a real redis-server over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStore, DEFAULT_IDEMPOTENCY_TTL_MS } from '../../../lib/idempotency/create';
import { MemoryIdempotencyStore } from '../../../lib/idempotency/memory';
import { RedisIdempotencyStore } from '../../../lib/idempotency/redis';
import { describeWithRedis, rawCommand, startRedisServer, type RedisServer } from '../../support/redis-server';

const RECORD = { requestId: 'trtc-1', fingerprint: 'f', completedAt: 1 };

describe('createIdempotencyStore without Redis', () => {
  it.each([[{}], [{ redisUrl: '' }], [{ redisUrl: '   ' }]])('%j → the memory store', (options) => {
    const store = createIdempotencyStore(options);
    expect(store).toBeInstanceOf(MemoryIdempotencyStore);
    expect(store.kind).toBe('memory');
  });

  it('the memory store uses the clock it is given', async () => {
    let now = 1_000;
    const store = createIdempotencyStore({ now: () => now });
    const claimed = await store.begin('k', 10_000);
    if (claimed.state !== 'claimed') throw new Error('expected a claim');
    await store.complete('k', claimed.token, RECORD, 5_000);
    expect((await store.begin('k', 10_000)).state).toBe('completed');
    now += 5_001;
    expect((await store.begin('k', 10_000)).state).toBe('claimed');
  });

  it('the memory store keeps at most maxEntries', async () => {
    const store = createIdempotencyStore({ maxEntries: 1 });
    for (const key of ['a', 'b']) {
      const claimed = await store.begin(key, 10_000);
      if (claimed.state !== 'claimed') throw new Error('expected a claim');
      await store.complete(key, claimed.token, RECORD, 60_000);
    }
    expect((await store.begin('b', 10_000)).state).toBe('completed');
    expect((await store.begin('a', 10_000)).state).toBe('claimed');
  });

  it('a bad size is a RangeError', () => {
    expect(() => createIdempotencyStore({ maxEntries: 0 })).toThrow(RangeError);
  });

  it('the default TTL is 24 hours', () => {
    expect(DEFAULT_IDEMPOTENCY_TTL_MS).toBe(86_400_000);
  });
});

describe('createIdempotencyStore with a Redis URL', () => {
  it('a URL (surrounding blanks trimmed) selects Redis, without connecting', async () => {
    // Nothing listens on port 1: a store that connected at creation would fail here.
    const store = createIdempotencyStore({ redisUrl: '  redis://127.0.0.1:1/0  ' });
    expect(store).toBeInstanceOf(RedisIdempotencyStore);
    expect(store.kind).toBe('redis');
    await store.close();
  });

  it('a malformed URL is a TypeError that never shows its password', () => {
    let thrown: unknown;
    try {
      createIdempotencyStore({ redisUrl: 'http://:hunter2-password@127.0.0.1:6379' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(String(thrown)).not.toContain('hunter2');
  });

  it('a bad timeout is a RangeError', () => {
    expect(() => createIdempotencyStore({ redisUrl: 'redis://127.0.0.1:1', commandTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => createIdempotencyStore({ redisUrl: 'redis://127.0.0.1:1', connectTimeoutMs: -1 })).toThrow(RangeError);
  });
});

describeWithRedis('createIdempotencyStore against redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('stores under the key prefix it is given', async () => {
    const store = createIdempotencyStore({ redisUrl: redis.url, keyPrefix: 'mirror-test:' });
    try {
      const claimed = await store.begin('k1', 10_000);
      if (claimed.state !== 'claimed') throw new Error('expected a claim');
      await store.complete('k1', claimed.token, RECORD, 60_000);
      expect(await rawCommand(redis.port, 'EXISTS mirror-test:k1')).toBe(':1');
      expect(await rawCommand(redis.port, 'EXISTS k1')).toBe(':0');
      expect((await store.begin('k1', 10_000)).state).toBe('completed');
    } finally {
      await store.close();
    }
  });
});
