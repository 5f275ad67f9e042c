/**
 * The dead-letter store in Redis (see lib/dead-letter/redis-parked.ts for the layout). This facade lives in
 * dist/index.js: it checks the options, loads the core with ioredis from the artefact's separate file
 * (dist/redis.js) on first use, bounds nothing itself (the callers bound every call by the time they have) and turns
 * every failure into a {@link DeadLetterStoreError} whose message names the server without credentials.
 */
import type { Logger } from '../log';
import { parseRedisUrl, type RedisTarget } from '../parse/redis-url';
import type { RedisParkedCore, RedisParkedSettings } from './redis-parked';
import { DeadLetterStoreError, type DeadLetterStore, type Lease, type ParkedEntry, type ParkedKind, type ParkRequest } from './store';

/** Prefix of every dead-letter key in Redis. */
export const DEAD_LETTER_PREFIX = 'trtc-trouble:dead-letter:';

export interface RedisDeadLetterOptions {
  readonly url: string;
  readonly prefix?: string;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
}

export class RedisDeadLetterStore implements DeadLetterStore {
  readonly kind = 'redis';
  readonly keeps = true;
  /** The server, without credentials. */
  readonly target: string;
  private readonly server: RedisTarget;
  private readonly settings: RedisParkedSettings;
  private core: Promise<RedisParkedCore> | undefined;

  /** @throws TypeError for a malformed URL (the message never contains credentials). */
  constructor(options: RedisDeadLetterOptions) {
    this.server = parseRedisUrl(options.url);
    this.target = this.server.display;
    this.settings = {
      prefix: options.prefix ?? DEAD_LETTER_PREFIX,
      connectTimeoutMs: options.connectTimeoutMs ?? 1000,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
    };
  }

  park(request: ParkRequest, _log: Logger): Promise<void> {
    return this.run('park', (core) => core.park(request));
  }

  countFailure(key: string, ttlMs: number): Promise<number> {
    return this.run('count', (core) => core.countFailure(key, ttlMs));
  }

  list(kind?: ParkedKind, limit = 1000): Promise<ParkedEntry[]> {
    return this.run('list', (core) => core.list(kind, limit));
  }

  get(key: string): Promise<ParkedEntry | undefined> {
    return this.run('get', (core) => core.get(key));
  }

  lease(leaseMs: number): Promise<Lease | undefined> {
    return this.run('lease', (core) => core.lease(leaseMs));
  }

  settle(lease: Lease, result: 'done' | 'keep'): Promise<void> {
    return this.run('settle', (core) => core.settle(lease, result));
  }

  drop(key: string): Promise<boolean> {
    return this.run('drop', (core) => core.drop(key));
  }

  async close(): Promise<void> {
    const pending = this.core;
    this.core = undefined;
    if (pending === undefined) return;
    try {
      (await pending).close();
    } catch {
      // The Redis file never loaded: there is no connection to close.
    }
  }

  private async run<T>(what: string, call: (core: RedisParkedCore) => Promise<T>): Promise<T> {
    // In the bundle this import is `require("./redis.js")` (scripts/build.mjs): the core ships in dist/redis.js.
    this.core ??= import('./redis-parked').then(({ RedisParkedCore }) => new RedisParkedCore(this.server, this.settings));
    try {
      return await call(await this.core);
    } catch (error) {
      let message = `Redis dead-letter store at ${this.target} failed (${what}): ${error instanceof Error ? error.message : String(error)}`;
      const { password } = this.server;
      if (password !== undefined) for (const secret of [password, encodeURIComponent(password)]) message = message.split(secret).join('[REDACTED]');
      throw new DeadLetterStoreError(message);
    }
  }
}
