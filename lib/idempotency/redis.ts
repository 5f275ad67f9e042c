/**
 * The shared idempotency store: Redis (e.g. TencentDB for Redis in the function's VPC), so every instance sees the
 * same keys. The protocol (Lua scripts, stored values) and the connection are in lib/idempotency/redis-store.ts,
 * which ships in the artefact's separate file dist/redis.js with ioredis; this facade, in dist/index.js, checks
 * the options and TTLs, loads that file on the first call (a cold start that never touches Redis does not read
 * it) and makes every error the core throws, so they are this bundle's {@link IdempotencyStoreError}.
 *
 * Failure is fail-safe and quick: every problem (the Redis file not loading, no connection within
 * `connectTimeoutMs`, a command without an answer within `commandTimeoutMs`, an error reply, an undecodable value)
 * rejects with {@link IdempotencyStoreError}, whose message names the server without credentials.
 */
import { parseRedisUrl, type RedisTarget } from '../parse/redis-url';
import type { RedisStoreCore, RedisStoreSettings, StoreErrors } from './redis-store';
import { IdempotencyStoreError, type BeginResult, type CompletedRecord, type IdempotencyStore, type UnconfirmedRecord } from './store';

/** Default {@link RedisIdempotencyStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
/** Default {@link RedisIdempotencyStoreOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;

/** Options of {@link RedisIdempotencyStore}. */
export interface RedisIdempotencyStoreOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS. User and password are percent-decoded;
   * the port defaults to 6379 and the db to 0. No query string.
   */
  readonly url: string;
  /** Longest wait for one command's answer, in ms; default 1000. */
  readonly commandTimeoutMs?: number;
  /** Longest wait for a connection (TCP, TLS, AUTH, SELECT, ready check), in ms; default 1000. */
  readonly connectTimeoutMs?: number;
  /** Prepended to every key, e.g. to share one database between deployments; default none. */
  readonly keyPrefix?: string;
}

function checkedTtl(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
  return Math.ceil(ms);
}

function checkedTimeout(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 1) throw new RangeError(`${name} must be a whole number of milliseconds ≥ 1, got ${ms}`);
  return ms;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Redis-backed {@link IdempotencyStore}; see lib/idempotency/redis-store.ts for the protocol and the failure
 * behaviour. Constructing it only parses the URL: the Redis file is loaded and the connection made on first use.
 *
 * @example
 * const store = new RedisIdempotencyStore({ url: process.env.REDIS_URL });
 * const begun = await store.begin(key, 5_000); // rejects with IdempotencyStoreError when Redis is unreachable
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  /** Always `"redis"`. */
  readonly kind = 'redis';
  /** The server, without credentials, e.g. `redis://10.0.0.5:6379/0`. */
  readonly target: string;
  private readonly server: RedisTarget;
  private readonly settings: RedisStoreSettings;
  private readonly errors: StoreErrors = {
    failed: (what) => this.error(what),
    closed: () => new IdempotencyStoreError(`Redis idempotency store at ${this.target} is closed`),
  };
  private core: Promise<RedisStoreCore> | undefined;
  private closed = false;

  /** @throws TypeError for a malformed URL, RangeError for a bad timeout; neither message contains credentials. */
  constructor(options: RedisIdempotencyStoreOptions) {
    this.server = parseRedisUrl(options.url);
    this.target = this.server.display;
    this.settings = {
      commandTimeoutMs: checkedTimeout('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
      connectTimeoutMs: checkedTimeout('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
      keyPrefix: options.keyPrefix ?? '',
    };
  }

  /** {@inheritDoc IdempotencyStore.begin} */
  async begin(key: string, inProgressTtlMs: number): Promise<BeginResult> {
    const ttl = checkedTtl('inProgressTtlMs', inProgressTtlMs);
    return (await this.loaded()).begin(key, ttl);
  }

  /** {@inheritDoc IdempotencyStore.complete} Leaves a newer owner's marker or an existing record alone. */
  async complete(key: string, token: string, record: CompletedRecord, ttlMs: number): Promise<void> {
    const ttl = checkedTtl('ttlMs', ttlMs);
    await (await this.loaded()).complete(key, token, record, ttl);
  }

  /** {@inheritDoc IdempotencyStore.markUnconfirmed} Leaves a newer owner's marker or an existing record alone. */
  async markUnconfirmed(key: string, token: string, record: UnconfirmedRecord, ttlMs: number): Promise<void> {
    const ttl = checkedTtl('ttlMs', ttlMs);
    await (await this.loaded()).markUnconfirmed(key, token, record, ttl);
  }

  /** {@inheritDoc IdempotencyStore.hold} Does nothing unless `token` still owns the key. */
  async hold(key: string, token: string, ttlMs: number): Promise<void> {
    const ttl = checkedTtl('ttlMs', ttlMs);
    await (await this.loaded()).hold(key, token, ttl);
  }

  /** {@inheritDoc IdempotencyStore.release} Does nothing unless `token` still owns the key. */
  async release(key: string, token: string): Promise<void> {
    await (await this.loaded()).release(key, token);
  }

  /** Quits the connection (if one was ever made); later calls reject with {@link IdempotencyStoreError}. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.core;
    if (pending === undefined) return;
    let core: RedisStoreCore;
    try {
      core = await pending;
    } catch {
      return; // The Redis file never loaded: there is no connection to close.
    }
    await core.close();
  }

  /** An IdempotencyStoreError naming the server (never its credentials). */
  private error(what: string): IdempotencyStoreError {
    let message = `Redis idempotency store at ${this.target} ${what}`;
    const { password } = this.server;
    if (password !== undefined) {
      for (const secret of [password, encodeURIComponent(password)]) message = message.split(secret).join('[REDACTED]');
    }
    return new IdempotencyStoreError(message);
  }

  /** The core, from the Redis file loaded on first use; rejects once closed or when the file does not load. */
  private async loaded(): Promise<RedisStoreCore> {
    if (this.closed) throw this.errors.closed();
    // In the bundle this import is `require("./redis.js")` (scripts/build.mjs): the core ships in dist/redis.js.
    this.core ??= import('./redis-store').then(({ RedisStoreCore }) => new RedisStoreCore(this.server, this.settings, this.errors));
    try {
      return await this.core;
    } catch (error) {
      throw this.error(`could not be set up: ${messageOf(error)}`);
    }
  }
}
