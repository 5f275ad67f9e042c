/**
 * The Redis idempotency store's core, in the artefact's separate file dist/redis.js next to ioredis: the Lua
 * scripts, the stored values and the connection. lib/idempotency/redis.ts (RedisIdempotencyStore, in
 * dist/index.js) checks the options and the TTLs, loads this file on first use and builds every error: the core
 * throws only what `errors` makes, so they are the main bundle's IdempotencyStoreError (one class, one file).
 *
 * Protocol, one Redis string per key, its value JSON:
 * - begin(): a Lua script: when the key is absent, or holds an unconfirmed record, it is claimed with
 *   `{"state":"in-progress","token":…}` PX inProgressTtlMs (the unconfirmed record is handed back); otherwise the
 *   value is returned: a completed record is a replay, anyone else's marker is "in progress".
 * - markUnconfirmed(): like complete(), with `{"state":"unconfirmed",…}`.
 * - hold(): a Lua script that only `PEXPIRE`s our marker (allowed when Redis is out of memory).
 * - complete(): a Lua script replaces the value with `{"state":"completed",…}` PX ttlMs only when it is still our
 *   marker or the key is gone; a newer owner's marker or an existing record is left alone.
 * - release(): a Lua script deletes the key only when it is still our marker.
 * All three are safe to repeat, so a command that reached Redis but whose answer was lost does no harm. A value
 * this store did not write makes begin() reject; complete() and release() leave such a value alone.
 *
 * Failure is fail-safe and quick: every problem (no connection within `connectTimeoutMs`, a command without an
 * answer within `commandTimeoutMs`, an error reply, an undecodable value) rejects with `errors.failed(…)`.
 * Commands are never queued while disconnected (`enableOfflineQueue: false`): a call waits for the connection at
 * most `connectTimeoutMs`, then each command at most `commandTimeoutMs` (begin() sends at most three). After a
 * failed connection attempt the client reconnects in the background with a backoff (lib/redis/client.ts); until
 * it succeeds, calls fail at once with the last connection error instead of waiting.
 */
import { randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import { newRedisClient } from '../redis/client';
import type { RedisTarget } from '../parse/redis-url';
import type { BeginResult, CompletedRecord, UnconfirmedRecord } from './store';

// KEYS[1] the key; ARGV[1] our in-progress marker, ARGV[2] the completed value, ARGV[3] its TTL in ms.
const COMPLETE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

// KEYS[1] the key; ARGV[1] our in-progress marker, ARGV[2] its TTL in ms. Claims an absent key or one holding an
// unconfirmed record; answers {'claimed'} / {'claimed', previous value} / {'found', current value}.
const BEGIN_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'claimed'}
end
local ok, value = pcall(cjson.decode, current)
if ok and type(value) == 'table' and value.state == 'unconfirmed' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'claimed', current}
end
return {'found', current}`;

// KEYS[1] the key; ARGV[1] our in-progress marker, ARGV[2] the new TTL in ms.
const HOLD_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// KEYS[1] the key; ARGV[1] our in-progress marker.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type StoredValue =
  | { readonly state: 'in-progress'; readonly token: string }
  | { readonly state: 'completed'; readonly record: CompletedRecord }
  | { readonly state: 'unconfirmed'; readonly record: UnconfirmedRecord };

/** The exact in-progress marker for `token` (compared byte for byte by the scripts). */
function markerOf(token: string): string {
  return JSON.stringify({ state: 'in-progress', token });
}

function completedOf(record: CompletedRecord): string {
  return JSON.stringify({
    state: 'completed',
    requestId: record.requestId,
    fingerprint: record.fingerprint,
    completedAt: record.completedAt,
  });
}

function unconfirmedOf(record: UnconfirmedRecord): string {
  return JSON.stringify({ state: 'unconfirmed', fingerprint: record.fingerprint, sends: record.sends, lastSentAt: record.lastSentAt });
}

function decode(raw: string): StoredValue | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v['state'] === 'in-progress' && typeof v['token'] === 'string') return { state: 'in-progress', token: v['token'] };
  const { requestId, fingerprint, completedAt } = v;
  if (v['state'] === 'completed' && typeof requestId === 'string' && typeof fingerprint === 'string' && typeof completedAt === 'number') {
    return { state: 'completed', record: { requestId, fingerprint, completedAt } };
  }
  const { sends, lastSentAt } = v;
  if (v['state'] === 'unconfirmed' && typeof fingerprint === 'string' && typeof sends === 'number' && typeof lastSentAt === 'number') {
    return { state: 'unconfirmed', record: { fingerprint, sends, lastSentAt } };
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The errors the core throws, made by the facade (so they are the main bundle's IdempotencyStoreError). */
export interface StoreErrors {
  /** A failure naming the server (never its credentials): `what` says what failed. */
  failed(what: string): Error;
  /** A call after close(). */
  closed(): Error;
}

/** Settings of {@link RedisStoreCore}, already checked by the facade. */
export interface RedisStoreSettings {
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly keyPrefix: string;
}

/**
 * The store's operations on one lazily made connection. Constructing it connects nothing; TTLs arrive checked
 * (whole milliseconds ≥ 1).
 */
export class RedisStoreCore {
  private client: RedisClient | undefined;
  /** The wait for a connection that calls arriving meanwhile share. */
  private connecting: Promise<void> | undefined;
  /** Why the last connection attempt failed, until the next 'ready'. */
  private connectError: Error | undefined;
  private closed = false;

  constructor(
    private readonly server: RedisTarget,
    private readonly settings: RedisStoreSettings,
    private readonly errors: StoreErrors,
  ) {}

  /** See IdempotencyStore.begin. */
  async begin(key: string, ttl: number): Promise<BeginResult> {
    const client = await this.ready();
    const stored = this.settings.keyPrefix + key;
    const token = randomUUID();
    const marker = markerOf(token);
    try {
      const answer = await this.command('EVAL', client.eval(BEGIN_SCRIPT, 1, stored, marker, String(ttl)));
      if (!Array.isArray(answer) || (answer[0] !== 'claimed' && answer[0] !== 'found')) throw this.errors.failed('answered begin with something unexpected');
      const raw: unknown = answer[1];
      if (answer[0] === 'claimed') {
        if (typeof raw !== 'string') return { state: 'claimed', token };
        const previous = decode(raw);
        return previous?.state === 'unconfirmed' ? { state: 'claimed', token, unconfirmed: previous.record } : { state: 'claimed', token };
      }
      const value = typeof raw === 'string' ? decode(raw) : undefined;
      if (value === undefined) throw this.errors.failed(`found a value it did not write under key ${stored.slice(0, 200)}`);
      if (value.state === 'completed') return { state: 'completed', record: value.record };
      // An unconfirmed record is always claimed by the script; anyone else's marker means in progress.
      return value.state === 'in-progress' && value.token === token ? { state: 'claimed', token } : { state: 'in-progress' };
    } catch (error) {
      // A SET may have reached Redis although we saw no answer: free the key if it holds our marker, so a retry
      // is not told "in progress" until the marker expires. Best effort, in the background, on the same connection
      // (so after that SET).
      client.eval(RELEASE_SCRIPT, 1, stored, marker).catch(() => undefined);
      throw error;
    }
  }

  /** See IdempotencyStore.complete. Leaves a newer owner's marker or an existing record alone. */
  async complete(key: string, token: string, record: CompletedRecord, ttl: number): Promise<void> {
    const client = await this.ready();
    await this.command('EVAL', client.eval(COMPLETE_SCRIPT, 1, this.settings.keyPrefix + key, markerOf(token), completedOf(record), String(ttl)));
  }

  /** See IdempotencyStore.markUnconfirmed. Leaves a newer owner's marker or an existing record alone. */
  async markUnconfirmed(key: string, token: string, record: UnconfirmedRecord, ttl: number): Promise<void> {
    const client = await this.ready();
    await this.command('EVAL', client.eval(COMPLETE_SCRIPT, 1, this.settings.keyPrefix + key, markerOf(token), unconfirmedOf(record), String(ttl)));
  }

  /** See IdempotencyStore.hold. Does nothing unless `token` still owns the key. */
  async hold(key: string, token: string, ttl: number): Promise<void> {
    const client = await this.ready();
    await this.command('EVAL', client.eval(HOLD_SCRIPT, 1, this.settings.keyPrefix + key, markerOf(token), String(ttl)));
  }

  /** See IdempotencyStore.release. Does nothing unless `token` still owns the key. */
  async release(key: string, token: string): Promise<void> {
    const client = await this.ready();
    await this.command('EVAL', client.eval(RELEASE_SCRIPT, 1, this.settings.keyPrefix + key, markerOf(token)));
  }

  /** Quits the connection (if one was ever made); later calls reject with `errors.closed()`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (client === undefined) return;
    try {
      if (client.status === 'ready') await client.quit();
    } catch {
      // Quitting is a courtesy; disconnect below closes the socket regardless.
    } finally {
      client.disconnect();
    }
  }

  private async command<T>(name: string, pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (error) {
      throw this.errors.failed(`failed (${name}): ${messageOf(error)}`);
    }
  }

  /** The client (made on first use, not yet connected: lazyConnect). */
  private clientOf(): RedisClient {
    if (this.client !== undefined) return this.client;
    const client = newRedisClient(this.server, { connectTimeoutMs: this.settings.connectTimeoutMs, commandTimeoutMs: this.settings.commandTimeoutMs });
    // Errors are reported by the calls that meet them; this listener also keeps ioredis from printing them.
    client.on('error', (error: Error) => {
      // An error while not ready is a failed connection attempt; a ready connection breaking is not (it is
      // simply reconnected, and calls wait for that).
      if (client.status !== 'ready') this.connectError = error;
    });
    client.on('ready', () => {
      this.connectError = undefined;
    });
    this.client = client;
    return client;
  }

  /**
   * The client, connected and ready, within connectTimeoutMs. After a failed connection attempt, and until the
   * background reconnection succeeds, fails at once with that failure: no call waits for a server known to be
   * down.
   */
  private async ready(): Promise<RedisClient> {
    if (this.closed) throw this.errors.closed();
    let client: RedisClient;
    try {
      client = this.clientOf();
    } catch (error) {
      throw this.errors.failed(`could not be set up: ${messageOf(error)}`);
    }
    if (client.status === 'ready') return client;
    if (this.connectError !== undefined && client.status !== 'wait' && client.status !== 'end') {
      throw this.errors.failed(`is unreachable: ${this.connectError.message}`);
    }
    // One wait shared by every call that arrives while connecting.
    this.connecting ??= this.waitUntilReady(client).finally(() => {
      this.connecting = undefined;
    });
    await this.connecting;
    if (this.closed) throw this.errors.closed();
    return client;
  }

  private waitUntilReady(client: RedisClient): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('end', onEnd);
        if (error === undefined) resolve();
        else reject(this.errors.failed(`is unreachable: ${error.message}`));
      };
      const onReady = (): void => finish();
      const onError = (error: Error): void => finish(error);
      const onEnd = (): void => finish(new Error('connection closed'));
      const timer = setTimeout(() => finish(new Error(`no connection within ${this.settings.connectTimeoutMs} ms`)), this.settings.connectTimeoutMs);
      client.once('ready', onReady);
      client.once('error', onError);
      client.once('end', onEnd);
      // 'wait': never connected (lazyConnect); 'end': closed for good. Otherwise it is connecting or will reconnect.
      if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined);
    });
  }
}
