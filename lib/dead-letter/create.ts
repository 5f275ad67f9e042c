/**
 * Chooses the dead-letter store: Redis when a URL is configured (REDIS_URL), else one `error` log line per parked
 * report. One per warm instance and configuration (the Redis store keeps its connection).
 */
import { LogDeadLetterStore } from './log-store';
import type { DeadLetterStore } from './store';

let shared: { key: string; store: DeadLetterStore } | undefined;

/** The store for `redisUrl` (absent or blank: the log store). */
export function sharedDeadLetterStore(config: { readonly redisUrl?: string }): DeadLetterStore {
  const key = config.redisUrl?.trim() || 'log';
  if (shared?.key === key) return shared.store;
  const previous = shared?.store;
  shared = { key, store: new LogDeadLetterStore() };
  void previous?.close().catch(() => undefined);
  return shared.store;
}
