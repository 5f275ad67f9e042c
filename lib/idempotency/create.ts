/**
 * Chooses the idempotency store: Redis when a URL is configured (REDIS_URL), else this instance's memory.
 * Neither choice connects or loads ioredis; the Redis store does both on first use.
 */
import { MemoryIdempotencyStore } from './memory';
import { RedisIdempotencyStore } from './redis';
import type { IdempotencyStore } from './store';

/** How long a completed record is kept when IDEMPOTENCY_TTL_SECONDS is not set: 24 hours, in ms. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Options of {@link createIdempotencyStore}. */
export interface CreateIdempotencyStoreOptions {
  /** REDIS_URL: a `redis://` or `rediss://` URL selects Redis; absent or blank selects memory. */
  readonly redisUrl?: string;
  /** Memory store: most entries kept, default 10,000. */
  readonly maxEntries?: number;
  /** Memory store: the clock, for tests. */
  readonly now?: () => number;
  /** Redis store: longest wait for a command's answer, ms, default 1000. */
  readonly commandTimeoutMs?: number;
  /** Redis store: longest wait for a connection, ms, default 1000. */
  readonly connectTimeoutMs?: number;
  /** Redis store: prefix for every key, default none. */
  readonly keyPrefix?: string;
}

/**
 * The store for these options: {@link RedisIdempotencyStore} when `redisUrl` is given (not blank), else
 * {@link MemoryIdempotencyStore}.
 *
 * @throws TypeError for a malformed Redis URL (the message never contains its credentials), RangeError for a
 *   bad size or timeout.
 */
export function createIdempotencyStore(options: CreateIdempotencyStoreOptions = {}): IdempotencyStore {
  const url = options.redisUrl?.trim();
  if (url !== undefined && url !== '') {
    return new RedisIdempotencyStore({
      url,
      ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    });
  }
  return new MemoryIdempotencyStore({
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
