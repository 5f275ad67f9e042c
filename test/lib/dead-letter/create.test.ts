/**
 * lib/dead-letter/create.ts: one dead-letter store per warm instance and configuration: the log store without
 * REDIS_URL, the Redis store with one (not connected until used); the same configuration gets the same store, a new
 * one closes the previous.
 */
import { describe, expect, it, vi } from 'vitest';
import { sharedDeadLetterStore } from '../../../lib/dead-letter/create';
import { LogDeadLetterStore } from '../../../lib/dead-letter/log-store';
import { RedisDeadLetterStore } from '../../../lib/dead-letter/redis';

describe('sharedDeadLetterStore', () => {
  it('no URL, or a blank one: the log store, shared', () => {
    const first = sharedDeadLetterStore({});
    expect(first).toBeInstanceOf(LogDeadLetterStore);
    expect(sharedDeadLetterStore({ redisUrl: '  ' })).toBe(first);
  });

  it('a URL: the Redis store (kind redis, keeps), the same for the same URL however padded', () => {
    // Nothing listens on port 1: a store that connected when created would fail.
    const store = sharedDeadLetterStore({ redisUrl: 'redis://127.0.0.1:1/0' });
    expect(store).toBeInstanceOf(RedisDeadLetterStore);
    expect([store.kind, store.keeps]).toEqual(['redis', true]);
    expect(sharedDeadLetterStore({ redisUrl: ' redis://127.0.0.1:1/0 ' })).toBe(store);
  });

  it('another configuration replaces the store and closes the previous one', async () => {
    const previous = sharedDeadLetterStore({ redisUrl: 'redis://127.0.0.1:1/1' });
    const close = vi.spyOn(previous, 'close');
    const next = sharedDeadLetterStore({ redisUrl: 'redis://127.0.0.1:1/2' });
    expect(next).not.toBe(previous);
    expect(close).toHaveBeenCalledTimes(1);
    const log = sharedDeadLetterStore({});
    expect(log).toBeInstanceOf(LogDeadLetterStore);
    await log.close();
  });
});
