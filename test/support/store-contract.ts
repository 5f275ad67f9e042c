/**
 * The behaviour every IdempotencyStore must have, as one suite run against each implementation.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyStoreError, type BeginResult, type CompletedRecord, type IdempotencyStore } from '../../lib/idempotency/store';

/** A store under test and a way to let time pass for it. */
export interface StoreHarness {
  readonly store: IdempotencyStore;
  /** Lets `ms` pass as the store sees it: advances an injected clock, or really waits (plus a margin). */
  advance(ms: number): Promise<void>;
  /** A TTL short enough to wait out with advance(). */
  readonly shortTtlMs: number;
}

/** A long TTL: nothing expires during a test. */
export const LONG_TTL_MS = 60_000;

/** A key nobody else uses. */
export function uniqueKey(): string {
  return `trtc-trouble:v1:test:${randomUUID()}`;
}

/** A completed record with a recognisable RequestId. */
export function recordOf(requestId: string, completedAt = 1_700_000_000_000): CompletedRecord {
  return { requestId, fingerprint: 'f'.repeat(64), completedAt };
}

/** The token of a 'claimed' result, or a failed expectation. */
export function tokenOf(result: BeginResult): string {
  if (result.state !== 'claimed') throw new Error(`expected "claimed", got ${JSON.stringify(result)}`);
  return result.token;
}

/**
 * Registers the contract suite. `makeHarness` is called before each test; its store is closed after it.
 */
export function describeStoreContract(name: string, makeHarness: () => StoreHarness | Promise<StoreHarness>): void {
  describe(`${name}: IdempotencyStore contract`, () => {
    let h: StoreHarness;
    let store: IdempotencyStore;
    beforeEach(async () => {
      h = await makeHarness();
      store = h.store;
    });
    afterEach(async () => {
      await store.close();
    });

    it('an unconfirmed record is claimed again and handed back, never replayed, and can be completed (reliability item 4)', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      const unconfirmed = { fingerprint: 'e'.repeat(64), sends: 2, lastSentAt: 1_700_000_000_000 };
      await store.markUnconfirmed(key, token, unconfirmed, LONG_TTL_MS);
      const again = await store.begin(key, LONG_TTL_MS);
      expect(again).toMatchObject({ state: 'claimed', unconfirmed });
      // While claimed it is in progress for everyone else.
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, tokenOf(again), recordOf('req-after-unconfirmed'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-after-unconfirmed') });
    });

    it('markUnconfirmed and hold do nothing for a token that does not own the key', async () => {
      const key = uniqueKey();
      tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.markUnconfirmed(key, 'not-the-owner', { fingerprint: 'e'.repeat(64), sends: 1, lastSentAt: 1 }, LONG_TTL_MS);
      await store.hold(key, 'not-the-owner', LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    });

    it("hold keeps the owner's marker past its first expiry (reliability item 5)", async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, h.shortTtlMs));
      await store.hold(key, token, LONG_TTL_MS);
      await h.advance(h.shortTtlMs * 2);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    });

    it('claims a free key, answers "in progress" while it is held, then replays the completed record', async () => {
      const key = uniqueKey();
      const first = await store.begin(key, LONG_TTL_MS);
      const token = tokenOf(first);
      expect(token).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, token, recordOf('req-1'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-1') });
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-1') });
    });

    it('keeps keys apart', async () => {
      const a = uniqueKey();
      const b = uniqueKey();
      const tokenA = tokenOf(await store.begin(a, LONG_TTL_MS));
      expect((await store.begin(b, LONG_TTL_MS)).state).toBe('claimed');
      await store.complete(a, tokenA, recordOf('req-a'), LONG_TTL_MS);
      expect(await store.begin(b, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    });

    it('gives every claim a different token', async () => {
      const tokens = new Set<string>();
      for (let i = 0; i < 20; i += 1) tokens.add(tokenOf(await store.begin(uniqueKey(), LONG_TTL_MS)));
      expect(tokens.size).toBe(20);
    });

    it('release() frees the key for a new claim with a new token', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.release(key, token);
      const again = tokenOf(await store.begin(key, LONG_TTL_MS));
      expect(again).not.toBe(token);
    });

    it('release() and complete() with a token that does not own the key change nothing', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.release(key, 'not-the-token');
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, 'not-the-token', recordOf('req-intruder'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, token, recordOf('req-owner'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-owner') });
    });

    it('release() of an unknown key does nothing', async () => {
      await expect(store.release(uniqueKey(), 'whatever')).resolves.toBeUndefined();
    });

    it('an expired in-progress marker lets a new claim through', async () => {
      const key = uniqueKey();
      const first = tokenOf(await store.begin(key, h.shortTtlMs));
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await h.advance(h.shortTtlMs);
      const second = tokenOf(await store.begin(key, LONG_TTL_MS));
      expect(second).not.toBe(first);
    });

    it('a stale token can neither release nor complete over the newer owner', async () => {
      const key = uniqueKey();
      const stale = tokenOf(await store.begin(key, h.shortTtlMs));
      await h.advance(h.shortTtlMs);
      const owner = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.release(key, stale);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, stale, recordOf('req-stale'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
      await store.complete(key, owner, recordOf('req-owner'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-owner') });
    });

    it('a completed record is never replaced: a later complete() and release() leave it alone', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.complete(key, token, recordOf('req-first'), LONG_TTL_MS);
      await store.complete(key, token, recordOf('req-second'), LONG_TTL_MS);
      await store.complete(key, 'other', recordOf('req-third'), LONG_TTL_MS);
      await store.release(key, token);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-first') });
    });

    it('complete() stores the record when its marker expired and nobody claimed the key since', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, h.shortTtlMs));
      await h.advance(h.shortTtlMs);
      await store.complete(key, token, recordOf('req-late'), LONG_TTL_MS);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-late') });
    });

    it('a completed record expires after its TTL, and the key can be claimed again', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.complete(key, token, recordOf('req-1'), h.shortTtlMs);
      expect((await store.begin(key, LONG_TTL_MS)).state).toBe('completed');
      await h.advance(h.shortTtlMs);
      expect((await store.begin(key, LONG_TTL_MS)).state).toBe('claimed');
    });

    it('lets exactly one of 50 concurrent begin() calls on one key claim it', async () => {
      const key = uniqueKey();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.begin(key, LONG_TTL_MS)));
      expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.state === 'in-progress')).toHaveLength(49);
    });

    it('lets exactly one concurrent begin() per key claim it, across many keys at once', async () => {
      const keys = Array.from({ length: 10 }, uniqueKey);
      const results = await Promise.all(keys.flatMap((key) => Array.from({ length: 10 }, () => store.begin(key, LONG_TTL_MS).then((r) => [key, r] as const))));
      for (const key of keys) {
        expect(results.filter(([k, r]) => k === key && r.state === 'claimed')).toHaveLength(1);
      }
    });

    it('rejects a TTL that is not a positive number of milliseconds', async () => {
      const key = uniqueKey();
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.begin(key, bad)).rejects.toThrow(RangeError);
      }
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await expect(store.complete(key, token, recordOf('req'), 0)).rejects.toThrow(RangeError);
      expect(await store.begin(key, LONG_TTL_MS)).toEqual({ state: 'in-progress' });
    });

    it('rounds a fractional TTL up instead of failing', async () => {
      const key = uniqueKey();
      expect((await store.begin(key, 1500.5)).state).toBe('claimed');
    });

    it('rejects every call with IdempotencyStoreError once closed, and close() can be repeated', async () => {
      const key = uniqueKey();
      const token = tokenOf(await store.begin(key, LONG_TTL_MS));
      await store.close();
      await store.close();
      await expect(store.begin(key, LONG_TTL_MS)).rejects.toThrow(IdempotencyStoreError);
      await expect(store.complete(key, token, recordOf('req'), LONG_TTL_MS)).rejects.toThrow(IdempotencyStoreError);
      await expect(store.release(key, token)).rejects.toThrow(IdempotencyStoreError);
    });

    it('names its kind', () => {
      expect(['memory', 'redis']).toContain(store.kind);
    });
  });
}
