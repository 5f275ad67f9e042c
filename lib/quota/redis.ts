/**
 * One TRTC call schedule for every instance, in Redis (see lib/quota/redis-schedule.ts for the schedule). This
 * facade lives in dist/index.js: it checks the options and describes the limit at once, and loads the core with
 * ioredis from the artefact's separate file (dist/redis.js) on the first reservation.
 *
 * Even spacing (no burst) keeps every fixed one-second window at TRTC at or under the limit even when network
 * jitter shifts arrivals by a few tens of milliseconds; see docs/reliability.md, "One quota for every instance".
 *
 * Failure: every problem (the Redis file not loading, no connection within the connect timeout, no answer within
 * the command timeout or the caller's wait, an error reply) rejects; FailoverLimiter then paces the instance alone.
 */
import { parseRedisUrl, type RedisTarget } from '../parse/redis-url';
import type { RateLimiter, Reservation } from './limiter';
import type { RedisScheduleCore, RedisScheduleSettings } from './redis-schedule';

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
  private readonly settings: RedisScheduleSettings;
  private core: Promise<RedisScheduleCore> | undefined;

  constructor(options: RedisRateLimiterOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    this.server = parseRedisUrl(options.url);
    this.settings = {
      intervalUs: Math.round(1_000_000 / options.ratePerSecond),
      key: options.key ?? DEFAULT_QUOTA_KEY,
      connectTimeoutMs: options.connectTimeoutMs ?? 1000,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    };
    this.describe = `${options.ratePerSecond} calls per second for every instance together (TRTC_RATE_PER_SECOND)`;
  }

  async reserve(maxWaitMs: number): Promise<Reservation> {
    // In the bundle this import is `require("./redis.js")` (scripts/build.mjs): the core ships in dist/redis.js.
    this.core ??= import('./redis-schedule').then(({ RedisScheduleCore }) => new RedisScheduleCore(this.server, this.settings));
    return (await this.core).reserve(maxWaitMs);
  }

  /** Closes the connection; a later reservation opens a new one. */
  async close(): Promise<void> {
    const pending = this.core;
    this.core = undefined;
    if (pending) (await pending).close();
  }
}
