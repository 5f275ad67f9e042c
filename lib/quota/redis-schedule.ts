/**
 * The shared quota's core, in the artefact's separate file dist/redis.js next to ioredis: one TRTC call schedule
 * for every instance, in Redis: a GCRA-style virtual schedule (the theoretical arrival time of the next slot, TAT)
 * advanced by one interval per reserved slot, in one atomic Lua round trip that uses Redis's own clock (so
 * instances with skewed clocks still share one schedule). A caller gets a slot at most `maxWaitMs` away, or a
 * refusal saying how far the next free slot is (nothing is consumed then). lib/quota/redis.ts
 * (RedisRateLimiter, in dist/index.js) checks the options and loads this file on first use.
 *
 * Failure: every problem (no connection within the connect timeout, no answer within the command timeout or the
 * caller's wait, an error reply) rejects with a plain Error; FailoverLimiter then paces the instance alone.
 */
import type { Redis as RedisClient } from 'ioredis';
import type { RedisTarget } from '../parse/redis-url';
import { newRedisClient } from '../redis/client';
import type { Reservation } from './limiter';

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

/** Settings of {@link RedisScheduleCore}, already checked by the facade. */
export interface RedisScheduleSettings {
  /** Microseconds between two slots: 1 s / the rate. */
  readonly intervalUs: number;
  /** The schedule's key; every instance of the account uses the same. */
  readonly key: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

/** Reserves call slots from the schedule in Redis over one lazily made connection. */
export class RedisScheduleCore {
  private client: RedisClient | undefined;
  /** Why the last connection attempt failed, until the next 'ready'. */
  private connectError: string | undefined;
  /** The wait for the connection that concurrent callers share. */
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly server: RedisTarget,
    private readonly settings: RedisScheduleSettings,
  ) {}

  async reserve(maxWaitMs: number): Promise<Reservation> {
    const bound = Math.max(1, Math.min(this.settings.commandTimeoutMs, maxWaitMs));
    const client = await this.ready(Math.max(1, Math.min(this.settings.connectTimeoutMs, maxWaitMs)));
    const maxWaitUs = Number.isFinite(maxWaitMs) ? Math.min(MAX_WAIT_US, Math.max(0, Math.floor(maxWaitMs * 1000))) : MAX_WAIT_US;
    const reply = await within(
      bound,
      client.eval(RESERVE_SCRIPT, 1, this.settings.key, String(this.settings.intervalUs), String(maxWaitUs)),
      `no answer from ${this.server.display} within ${bound} ms`,
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') throw new Error(`unexpected answer from ${this.server.display}`);
    const waitMs = reply[1] / 1000;
    return reply[0] === 1 ? { ok: true, waitMs } : { ok: false, retryAfterMs: waitMs };
  }

  /** Closes the connection, if one was made. */
  close(): void {
    this.client?.disconnect();
  }

  /** The client (made on first use, not yet connected: lazyConnect). */
  private clientOf(): RedisClient {
    if (this.client !== undefined) return this.client;
    const client = newRedisClient(this.server, { connectTimeoutMs: this.settings.connectTimeoutMs });
    // Failures reach the callers that meet them (reserve rejects); this listener keeps ioredis from printing them.
    client.on('error', (error: Error) => {
      if (client.status !== 'ready') this.connectError = error.message;
    });
    client.on('ready', () => {
      this.connectError = undefined;
    });
    this.client = client;
    return client;
  }

  /**
   * The connected client, within `ms`. While a failed connection is being retried in the background, fails at
   * once: no caller waits for a server known to be down.
   */
  private async ready(ms: number): Promise<RedisClient> {
    const client = this.clientOf();
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
