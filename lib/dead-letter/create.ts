/**
 * Chooses the dead-letter store: Redis when a URL is configured (REDIS_URL), else one `error` log line per parked
 * report. One per warm instance and configuration (the Redis store keeps its connection); neither choice connects
 * or loads ioredis before the first parking.
 */
import { LogDeadLetterStore } from './log-store';
import { RedisDeadLetterStore } from './redis';
import type { DeadLetterStore } from './store';

let shared: { key: string; store: DeadLetterStore } | undefined;

/** The store for `redisUrl` (absent or blank: the log store). */
export function sharedDeadLetterStore(config: { readonly redisUrl?: string }): DeadLetterStore {
  const url = config.redisUrl?.trim();
  const key = url || 'log';
  if (shared?.key === key) return shared.store;
  const previous = shared?.store;
  shared = { key, store: url ? new RedisDeadLetterStore({ url }) : new LogDeadLetterStore() };
  void previous?.close().catch(() => undefined);
  return shared.store;
}
