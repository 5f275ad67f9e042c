/**
 * The ioredis client both Redis cores use (the idempotency store, lib/idempotency/redis-store.ts, and the shared
 * quota, lib/quota/redis-schedule.ts): made lazily (nothing connects until asked), never queueing commands while
 * disconnected, one try per command, reconnecting in the background with a backoff of 50 ms doubling, capped at
 * MAX_RECONNECT_DELAY_MS. Lives in dist/redis.js with ioredis.
 */
import { Redis, type Redis as RedisClient, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../parse/redis-url';

/** Longest wait between background reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 1_000;

export interface RedisClientTimeouts {
  /** Longest wait for a connection (TCP, TLS, AUTH, SELECT, ready check), in ms. */
  readonly connectTimeoutMs: number;
  /** Longest wait for one command's answer, in ms; none when absent (the caller bounds it). */
  readonly commandTimeoutMs?: number;
}

/** A client for `server`, not yet connected (lazyConnect): the caller attaches its listeners and connects. */
export function newRedisClient(server: RedisTarget, timeouts: RedisClientTimeouts): RedisClient {
  const { host, port, db, tls, username, password } = server;
  const options: RedisOptions = {
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(tls ? { tls: {} } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    ...(timeouts.commandTimeoutMs === undefined ? {} : { commandTimeout: timeouts.commandTimeoutMs }),
    connectTimeout: timeouts.connectTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS),
  };
  return new Redis(options);
}
