/**
 * The Redis dead-letter store's core, in the artefact's separate file dist/redis.js next to ioredis. One entry per
 * idempotency key, in atomic Lua scripts:
 * - `<prefix>entries`: a hash, key → the entry's JSON (report, source, reason, attempts, deliveries, times);
 * - `<prefix>waiting` and `<prefix>given-up`: sorted sets of keys scored by the first parking time (oldest first);
 * - `<prefix>lease:<key>`: a drain's lease on a waiting entry (SET NX PX), so two drains never take the same one
 *   and a crashed drain's lease simply expires;
 * - `<prefix>failures:<key>`: a message's failed deliveries (INCR, expiring with the idempotency TTL).
 * lib/dead-letter/redis.ts (in dist/index.js) checks the options and loads this file on first use; every problem
 * rejects with a plain Error, which the facade turns into DeadLetterStoreError.
 */
import { randomUUID } from 'node:crypto';
import type { Redis as RedisClient } from 'ioredis';
import type { RedisTarget } from '../parse/redis-url';
import { newRedisClient } from '../redis/client';
import type { Lease, ParkedEntry, ParkedKind, ParkRequest } from './store';

// KEYS: entries, waiting, given-up. ARGV: key, entry JSON (first parking), now (ms).
// An entry parked again keeps its first time, counts one more delivery, keeps the most attempts; given-up wins.
const PARK_SCRIPT = `
local entry = cjson.decode(ARGV[2])
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local old = cjson.decode(current)
  entry.parkedAt = old.parkedAt
  entry.deliveries = (tonumber(old.deliveries) or 1) + 1
  if (tonumber(old.attempts) or 0) > entry.attempts then entry.attempts = old.attempts end
  if old.kind == 'given-up' and entry.kind ~= 'given-up' then
    entry.kind = 'given-up'
    entry.reason = old.reason
  end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
if entry.kind == 'given-up' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], entry.parkedAt, ARGV[1])
else
  redis.call('ZADD', KEYS[2], entry.parkedAt, ARGV[1])
end
return entry.deliveries`;

// KEYS: waiting, entries. ARGV: lease key prefix, token, lease ms, how many of the oldest to look at.
const LEASE_SCRIPT = `
local keys = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
for _, k in ipairs(keys) do
  if redis.call('SET', ARGV[1] .. k, ARGV[2], 'NX', 'PX', ARGV[3]) then
    local e = redis.call('HGET', KEYS[2], k)
    if e then return {k, e} end
    redis.call('ZREM', KEYS[1], k)
    redis.call('DEL', ARGV[1] .. k)
  end
end
return false`;

// KEYS: entries, waiting, the lease. ARGV: key, token, 'done' or 'keep'. 'done' removes the entry while it is
// still waiting (an entry given up meanwhile stays).
const SETTLE_SCRIPT = `
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[3])
if ARGV[3] == 'done' then
  local e = redis.call('HGET', KEYS[1], ARGV[1])
  if e and cjson.decode(e).kind == 'waiting' then
    redis.call('HDEL', KEYS[1], ARGV[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
  end
end
return 1`;

// KEYS: the counter. ARGV: ttl ms.
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** How many of the oldest waiting entries a lease looks at (entries leased by other drains are skipped). */
const LEASE_SCAN = 64;

/** Settings of {@link RedisParkedCore}, already checked by the facade. */
export interface RedisParkedSettings {
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

function decodeEntry(raw: unknown): ParkedEntry | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const value = JSON.parse(raw) as ParkedEntry;
    return typeof value === 'object' && value !== null && typeof value.key === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export class RedisParkedCore {
  private client: RedisClient | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly server: RedisTarget,
    private readonly settings: RedisParkedSettings,
  ) {}

  private get keys(): { entries: string; waiting: string; givenUp: string; lease: string; failures: string } {
    const p = this.settings.prefix;
    return { entries: `${p}entries`, waiting: `${p}waiting`, givenUp: `${p}given-up`, lease: `${p}lease:`, failures: `${p}failures:` };
  }

  async park(request: ParkRequest): Promise<void> {
    const now = Date.now();
    const entry: ParkedEntry = { ...request, deliveries: 1, parkedAt: now, updatedAt: now };
    const { entries, waiting, givenUp } = this.keys;
    await (await this.ready()).eval(PARK_SCRIPT, 3, entries, waiting, givenUp, request.key, JSON.stringify(entry), String(now));
  }

  async countFailure(key: string, ttlMs: number): Promise<number> {
    const n = await (await this.ready()).eval(COUNT_SCRIPT, 1, `${this.keys.failures}${key}`, String(Math.max(1, Math.ceil(ttlMs))));
    if (typeof n !== 'number') throw new Error(`unexpected answer from ${this.server.display}`);
    return n;
  }

  async list(kind: ParkedKind | undefined, limit: number): Promise<ParkedEntry[]> {
    const client = await this.ready();
    const { entries, waiting, givenUp } = this.keys;
    const out: ParkedEntry[] = [];
    for (const [k, set] of [
      ['waiting', waiting],
      ['given-up', givenUp],
    ] as const) {
      if (kind !== undefined && kind !== k) continue;
      const members = await client.zrange(set, 0, limit - 1);
      if (members.length === 0) continue;
      const values = await client.hmget(entries, ...members);
      for (const value of values) {
        const entry = decodeEntry(value);
        if (entry) out.push(entry);
      }
    }
    return out;
  }

  async get(key: string): Promise<ParkedEntry | undefined> {
    return decodeEntry(await (await this.ready()).hget(this.keys.entries, key));
  }

  async lease(leaseMs: number): Promise<Lease | undefined> {
    const token = randomUUID();
    const { waiting, entries, lease } = this.keys;
    const answer = await (
      await this.ready()
    ).eval(LEASE_SCRIPT, 2, waiting, entries, lease, token, String(Math.max(1, Math.ceil(leaseMs))), String(LEASE_SCAN));
    if (!Array.isArray(answer)) return undefined;
    const entry = decodeEntry(answer[1]);
    return entry ? { entry, token } : undefined;
  }

  async settle(held: Lease, result: 'done' | 'keep'): Promise<void> {
    const { entries, waiting, lease } = this.keys;
    await (await this.ready()).eval(SETTLE_SCRIPT, 3, entries, waiting, `${lease}${held.entry.key}`, held.entry.key, held.token, result);
  }

  async drop(key: string): Promise<boolean> {
    const client = await this.ready();
    const { entries, waiting, givenUp, lease } = this.keys;
    const [removed] = await Promise.all([client.hdel(entries, key), client.zrem(waiting, key), client.zrem(givenUp, key), client.del(`${lease}${key}`)]);
    return removed > 0;
  }

  close(): void {
    this.client?.disconnect();
  }

  private async ready(): Promise<RedisClient> {
    if (this.client === undefined) {
      this.client = newRedisClient(this.server, { connectTimeoutMs: this.settings.connectTimeoutMs, commandTimeoutMs: this.settings.commandTimeoutMs });
      // Failures reach the callers that meet them; this listener keeps ioredis from printing them.
      this.client.on('error', () => undefined);
    }
    const client = this.client;
    if (client.status === 'ready') return client;
    if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined);
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no connection to ${this.server.display} within ${this.settings.connectTimeoutMs} ms`)),
        this.settings.connectTimeoutMs,
      );
      const done = (error?: Error): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        this.connecting = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => done();
      const onError = (error: Error): void => done(new Error(`${this.server.display} is unreachable: ${error.message}`));
      client.once('ready', onReady);
      client.once('error', onError);
    });
    await this.connecting;
    return client;
  }
}
