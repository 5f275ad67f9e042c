import { describe, expect, it } from 'vitest';
import { createIdempotencyStore, DEFAULT_IDEMPOTENCY_TTL_MS } from '../../../lib/idempotency/create';
import { DEFAULT_MAX_ENTRIES, MemoryIdempotencyStore } from '../../../lib/idempotency/memory';
import { RedisIdempotencyStore } from '../../../lib/idempotency/redis';
import { IdempotencyStoreError } from '../../../lib/idempotency/store';
import { describeStoreContract, LONG_TTL_MS, recordOf, tokenOf } from '../../support/store-contract';

/** A clock that moves only when told to. */
function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describeStoreContract('MemoryIdempotencyStore', () => {
  const clock = manualClock();
  return {
    store: new MemoryIdempotencyStore({ now: clock.now }),
    shortTtlMs: 1_000,
    advance: async (ms) => clock.advance(ms),
  };
});

describe('MemoryIdempotencyStore: expiry with an injected clock', () => {
  it('holds an in-progress marker until the last millisecond of its TTL', async () => {
    const clock = manualClock();
    const store = new MemoryIdempotencyStore({ now: clock.now });
    tokenOf(await store.begin('k', 1_000));
    clock.advance(999);
    expect(await store.begin('k', 1_000)).toEqual({ state: 'in-progress' });
    clock.advance(1);
    expect((await store.begin('k', 1_000)).state).toBe('claimed');
  });

  it('keeps a completed record for its own TTL, not the marker’s', async () => {
    const clock = manualClock();
    const store = new MemoryIdempotencyStore({ now: clock.now });
    const token = tokenOf(await store.begin('k', 1_000));
    await store.complete('k', token, recordOf('req'), DEFAULT_IDEMPOTENCY_TTL_MS);
    clock.advance(DEFAULT_IDEMPOTENCY_TTL_MS - 1);
    expect((await store.begin('k', 1_000)).state).toBe('completed');
    clock.advance(1);
    expect((await store.begin('k', 1_000)).state).toBe('claimed');
  });

  it('returns a copy of the record: changing what the caller passed or got does not change the store', async () => {
    const store = new MemoryIdempotencyStore();
    const token = tokenOf(await store.begin('k', 1_000));
    const mine = { requestId: 'req', fingerprint: 'f', completedAt: 1 };
    await store.complete('k', token, mine, 1_000);
    mine.requestId = 'changed';
    const got = await store.begin('k', 1_000);
    expect(got).toEqual({ state: 'completed', record: { requestId: 'req', fingerprint: 'f', completedAt: 1 } });
    if (got.state === 'completed') expect(Object.isFrozen(got.record)).toBe(true);
  });
});

describe('MemoryIdempotencyStore: size bound', () => {
  it('defaults to 10,000 entries and rejects a bound that is not a whole number ≥ 1', () => {
    expect(new MemoryIdempotencyStore().maxEntries).toBe(DEFAULT_MAX_ENTRIES);
    expect(DEFAULT_MAX_ENTRIES).toBe(10_000);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new MemoryIdempotencyStore({ maxEntries: bad })).toThrow(RangeError);
    }
  });

  it('evicts the least recently used completed record first', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) {
      await store.complete(key, tokenOf(await store.begin(key, LONG_TTL_MS)), recordOf(`req-${key}`), LONG_TTL_MS);
    }
    expect((await store.begin('a', LONG_TTL_MS)).state).toBe('completed'); // a is now the most recently used
    const d = tokenOf(await store.begin('d', LONG_TTL_MS)); // evicts b
    expect(store.size).toBe(3);
    expect((await store.begin('a', LONG_TTL_MS)).state).toBe('completed');
    expect((await store.begin('c', LONG_TTL_MS)).state).toBe('completed');
    expect(await store.begin('d', LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    await store.release('d', d);
    // b was forgotten: it is claimed afresh (d's released marker made room)
    expect((await store.begin('b', LONG_TTL_MS)).state).toBe('claimed');
    expect(store.size).toBe(3);
    // the next new key evicts the least recently used record, a (c was looked at after it)
    tokenOf(await store.begin('e', LONG_TTL_MS));
    expect((await store.begin('c', LONG_TTL_MS)).state).toBe('completed');
    expect((await store.begin('a', LONG_TTL_MS)).state).toBe('claimed');
  });

  it('never evicts an in-progress marker: when all entries are live markers, begin() fails safe', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2 });
    const a = tokenOf(await store.begin('a', LONG_TTL_MS));
    tokenOf(await store.begin('b', LONG_TTL_MS));
    const full = store.begin('c', LONG_TTL_MS);
    await expect(full).rejects.toThrow(IdempotencyStoreError);
    await expect(full).rejects.toThrow(/full: 2 reports are in progress/);
    expect(await store.begin('a', LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    await store.release('a', a);
    expect((await store.begin('c', LONG_TTL_MS)).state).toBe('claimed');
  });

  it('drops expired in-progress markers to make room', async () => {
    const clock = manualClock();
    const store = new MemoryIdempotencyStore({ maxEntries: 2, now: clock.now });
    tokenOf(await store.begin('a', 100));
    tokenOf(await store.begin('b', 10_000));
    clock.advance(100);
    expect((await store.begin('c', 10_000)).state).toBe('claimed');
    expect(await store.begin('b', 10_000)).toEqual({ state: 'in-progress' });
    expect(store.size).toBe(2);
  });

  it('stays within the bound under many keys', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i += 1) {
      const key = `k${i}`;
      await store.complete(key, tokenOf(await store.begin(key, LONG_TTL_MS)), recordOf(`req-${i}`), LONG_TTL_MS);
      expect(store.size).toBeLessThanOrEqual(100);
    }
    expect((await store.begin('k999', LONG_TTL_MS)).state).toBe('completed');
    expect((await store.begin('k0', LONG_TTL_MS)).state).toBe('claimed');
  });

  it('complete() of a key that was evicted stores the record again', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 1 });
    const a = tokenOf(await store.begin('a', LONG_TTL_MS));
    await store.complete('a', a, recordOf('req-a'), LONG_TTL_MS);
    const b = tokenOf(await store.begin('b', LONG_TTL_MS)); // evicts a's record
    await store.release('b', b);
    await store.complete('a', a, recordOf('req-a'), LONG_TTL_MS);
    expect(await store.begin('a', LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-a') });
  });
});

describe('createIdempotencyStore', () => {
  it('chooses memory without a Redis URL (absent or blank)', async () => {
    for (const options of [undefined, {}, { redisUrl: '' }, { redisUrl: '   ' }]) {
      const store = createIdempotencyStore(options);
      expect(store).toBeInstanceOf(MemoryIdempotencyStore);
      expect(store.kind).toBe('memory');
      await store.close();
    }
  });

  it('passes the size bound and clock to the memory store', async () => {
    let t = 0;
    const store = createIdempotencyStore({ maxEntries: 7, now: () => t });
    expect(store).toBeInstanceOf(MemoryIdempotencyStore);
    expect((store as MemoryIdempotencyStore).maxEntries).toBe(7);
    tokenOf(await store.begin('k', 10));
    t = 10;
    expect((await store.begin('k', 10)).state).toBe('claimed');
  });

  it('chooses Redis for a redis:// or rediss:// URL, without connecting', async () => {
    for (const redisUrl of ['redis://127.0.0.1:1/0', 'rediss://:pw@example.invalid:6380/3']) {
      const store = createIdempotencyStore({ redisUrl });
      expect(store).toBeInstanceOf(RedisIdempotencyStore);
      expect(store.kind).toBe('redis');
      await store.close();
    }
  });

  it('rejects a malformed URL without echoing its password', () => {
    expect(() => createIdempotencyStore({ redisUrl: 'http://:hunter22@host' })).toThrow(/redis:\/\/ or rediss:\/\//);
    try {
      createIdempotencyStore({ redisUrl: 'redis://:hunter22@host/notadb' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).not.toContain('hunter22');
    }
  });

  it('keeps completed records 24 hours by default', () => {
    expect(DEFAULT_IDEMPOTENCY_TTL_MS).toBe(86_400_000);
  });
});
