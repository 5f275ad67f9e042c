/**
 * One TRTC call schedule for every instance, in Redis: a GCRA-style virtual schedule (the theoretical arrival
 * time of the next slot, TAT) advanced by one interval per reserved slot, in one atomic Lua round trip that uses
 * Redis's own clock (so instances with skewed clocks still share one schedule). A caller gets a slot at most
 * `maxWaitMs` away, or a refusal saying how far the next free slot is (nothing is consumed then).
 *
 * Even spacing (no burst) keeps every fixed one-second window at TRTC at or under the limit even when network
 * jitter shifts arrivals by a few tens of milliseconds; see README "One quota for every instance".
 *
 * Failure: every problem (no connection within the connect timeout, no answer within the command timeout or the
 * caller's wait, an error reply) rejects; FailoverLimiter then paces the instance alone. ioredis comes from the
 * artefact's separate file (dist/redis.js), loaded on first use.
 */
import type { Redis as RedisClient } from 'ioredis';
import { MAX_RECONNECT_DELAY_MS } from '../idempotency/redis';
import { parseRedisUrl, type RedisTarget } from '../idempotency/redis-url';
import type { RateLimiter, Reservation } from './limiter';

// KEYS[1] the schedule; ARGV[1] the interval in µs; ARGV[2] the longest wait the caller accepts, in µs.
// Returns {1, wait µs} for a reserved slot, {0, wait µs} for a refusal.
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return {0, wait} end
local nexttat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nexttat), 'PX', math.ceil((nexttat - now) / 1000) + 1000)
return {1, wait}`;

/** The longest wait asked of Redis (a caller without a deadline): one hour. */
const MAX_WAIT_US = 3_600_000_000;

export interface RedisRateLimiterOptions {
  readonly url: string;
  readonly ratePerSecond: number;
  /** The schedule's key; every instance of the account must use the same. */
  readonly key?: string;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
}

export const DEFAULT_QUOTA_KEY = 'trtc-quota:CreateTroubleInfo';

export class RedisRateLimiter implements RateLimiter {
  readonly describe: string;
  private readonly server: RedisTarget;
  private readonly intervalUs: number;
  private readonly key: string;
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private clientPromise: Promise<RedisClient> | undefined;
  /** Why the last connection attempt failed, until the next 'ready'. */
  private connectError: string | undefined;
  /** The wait for the connection that concurrent callers share. */
  private connecting: Promise<void> | undefined;

  constructor(options: RedisRateLimiterOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    this.server = parseRedisUrl(options.url);
    this.intervalUs = Math.round(1_000_000 / options.ratePerSecond);
    this.key = options.key ?? DEFAULT_QUOTA_KEY;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.describe = `${options.ratePerSecond} calls per second for every instance together (TRTC_RATE_PER_SECOND)`;
  }

  async reserve(maxWaitMs: number): Promise<Reservation> {
    const bound = Math.max(1, Math.min(this.commandTimeoutMs, maxWaitMs));
    const client = await this.ready(Math.max(1, Math.min(this.connectTimeoutMs, maxWaitMs)));
    const maxWaitUs = Number.isFinite(maxWaitMs) ? Math.min(MAX_WAIT_US, Math.max(0, Math.floor(maxWaitMs * 1000))) : MAX_WAIT_US;
    const reply = await within(bound, client.eval(RESERVE_SCRIPT, 1, this.key, String(this.intervalUs), String(maxWaitUs)), `no answer from ${this.server.display} within ${bound} ms`);
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') throw new Error(`unexpected answer from ${this.server.display}`);
    const waitMs = reply[1] / 1000;
    return reply[0] === 1 ? { ok: true, waitMs } : { ok: false, retryAfterMs: waitMs };
  }

  async close(): Promise<void> {
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    if (pending) (await pending).disconnect();
  }

  private client(): Promise<RedisClient> {
    this.clientPromise ??= import('ioredis').then(({ Redis }) => {
      const { host, port, db, tls, username, password } = this.server;
      const client = new Redis({
        host,
        port,
        db,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...(tls ? { tls: {} } : {}),
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        autoResendUnfulfilledCommands: false,
        connectTimeout: this.connectTimeoutMs,
        // The idempotency store's reconnection backoff.
        retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS),
      });
      // Failures reach the callers that meet them (reserve rejects); this listener keeps ioredis from printing them.
      client.on('error', (error: Error) => {
        if (client.status !== 'ready') this.connectError = error.message;
      });
      client.on('ready', () => {
        this.connectError = undefined;
      });
      return client;
    });
    return this.clientPromise;
  }

  /**
   * The connected client, within `ms`. While a failed connection is being retried in the background, fails at
   * once: no caller waits for a server known to be down.
   */
  private async ready(ms: number): Promise<RedisClient> {
    const client = await this.client();
    if (client.status === 'ready') return client;
    if (this.connectError !== undefined && client.status !== 'wait' && client.status !== 'end') {
      throw new Error(`${this.server.display} is unreachable: ${this.connectError}`);
    }
    if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined);
    this.connecting ??= new Promise<void>((resolve) => {
      const done = (): void => {
        client.off('ready', done);
        client.off('error', done);
        this.connecting = undefined;
        resolve();
      };
      client.once('ready', done);
      client.once('error', done);
    });
    await within(ms, this.connecting, `no connection to ${this.server.display} within ${ms} ms`);
    // TypeScript narrowed status before the await; read it afresh.
    if ((client.status as string) !== 'ready') throw new Error(`${this.server.display} is unreachable: ${this.connectError ?? 'not connected'}`);
    return client;
  }
}

/** `pending`, or a rejection with `message` after `ms`. */
function within<T>(ms: number, pending: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}
