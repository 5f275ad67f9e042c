/**
 * The default idempotency store: two Maps in this warm instance's memory. It sees only the reports this instance
 * handles, so it stops duplicates from retries that land on the same instance (the common case for a caller's
 * quick retry); use the Redis store to share keys between instances.
 *
 * Entries expire: an in-progress marker after the `inProgressTtlMs` given to begin(), a completed record after the
 * `ttlMs` given to complete(). Expired entries are dropped when they are next looked at, and when room is needed.
 *
 * Size bound and eviction: at most `maxEntries` entries. When a new entry needs room, expired in-progress markers
 * are dropped first, then the least recently used completed record is evicted (a replay of that report would be
 * sent to TRTC again: the store forgets before it lies). In-progress markers are never evicted, because evicting
 * one would let a concurrent duplicate through while the first attempt is still sending; if every entry is a live
 * in-progress marker (more concurrent reports than `maxEntries`, which one instance does not reach), begin() and
 * complete() reject with {@link IdempotencyStoreError}, the same fail-safe answer as an unreachable Redis.
 *
 * Tokens: only the token returned by begin() can complete or release its marker. A stale token (its marker
 * expired and the key was claimed again, or completed) is ignored: release() does nothing, and complete() does not
 * overwrite the newer owner's marker or an existing record. complete() does store its record when the key is free
 * (its own marker expired and nobody claimed the key since): the report was recorded, and remembering that is
 * right.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '../config';
import { IdempotencyStoreError, type BeginResult, type CompletedRecord, type IdempotencyStore, type UnconfirmedRecord } from './store';

/** Default {@link MemoryIdempotencyStoreOptions.maxEntries}: IDEMPOTENCY_CACHE_SIZE's default (lib/config.ts). */
export const DEFAULT_MAX_ENTRIES = DEFAULTS.idempotencyCacheSize;

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Most entries kept (in-progress markers plus completed records), a whole number ≥ 1; default 10,000. */
  readonly maxEntries?: number;
  /** Clock in epoch ms, for tests; default `Date.now`. */
  readonly now?: () => number;
}

interface InProgressEntry {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * What is kept per completed key: what a replay needs (the RequestId, the fingerprint that spots a reused key, the
 * time it completed) and the expiry, in one object of one shape.
 */
interface CompletedEntry {
  readonly requestId: string;
  readonly fingerprint: string;
  readonly completedAt: number;
  readonly expiresAt: number;
}

/** What is kept per unconfirmed key (sends that may have recorded the report), in one object. */
interface UnconfirmedEntry {
  readonly fingerprint: string;
  readonly sends: number;
  readonly lastSentAt: number;
  readonly expiresAt: number;
}

type KeptEntry = CompletedEntry | UnconfirmedEntry;

function isUnconfirmed(entry: KeptEntry): entry is UnconfirmedEntry {
  return 'sends' in entry;
}

/** A TTL as a whole number of ms ≥ 1; a non-finite or non-positive TTL is a programming error. */
function checkedTtl(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
  return Math.ceil(ms);
}

/** The record handed out: a frozen copy, so a caller can never change what the store keeps. */
function completedRecord(entry: CompletedEntry): CompletedRecord {
  return Object.freeze({ requestId: entry.requestId, fingerprint: entry.fingerprint, completedAt: entry.completedAt });
}

function unconfirmedRecord(entry: UnconfirmedEntry): UnconfirmedRecord {
  return Object.freeze({ fingerprint: entry.fingerprint, sends: entry.sends, lastSentAt: entry.lastSentAt });
}

/**
 * In-memory {@link IdempotencyStore} with per-entry TTLs and a size bound; see the module comment for eviction
 * and stale-token rules. Operations are atomic: each runs to completion without awaiting.
 *
 * @example
 * const store = new MemoryIdempotencyStore({ maxEntries: 1000 });
 * const begun = await store.begin(key, 5_000);
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Always `"memory"`. */
  readonly kind = 'memory';
  /** Every call runs to completion without I/O: it needs no timer to be bounded by the time left. */
  readonly inline = true;
  /** The size bound in force. */
  readonly maxEntries: number;
  private readonly now: () => number;
  private readonly inProgress = new Map<string, InProgressEntry>();
  /** Least recently used first: a lookup moves a record to the end. */
  private readonly completed = new Map<string, KeptEntry>();
  private closed = false;

  /** @throws RangeError when `maxEntries` is not a whole number ≥ 1. */
  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a whole number of at least 1, got ${maxEntries}`);
    }
    this.maxEntries = maxEntries;
    this.now = options.now ?? Date.now;
  }

  /** Entries held now, expired ones included until they are dropped. */
  get size(): number {
    return this.inProgress.size + this.completed.size;
  }

  /** {@inheritDoc IdempotencyStore.begin} An expired entry counts as absent: the key is claimed afresh. */
  async begin(key: string, inProgressTtlMs: number): Promise<BeginResult> {
    this.checkOpen();
    const ttl = checkedTtl('inProgressTtlMs', inProgressTtlMs);
    const now = this.now();
    const marker = this.inProgress.get(key);
    if (marker !== undefined) {
      if (marker.expiresAt > now) return { state: 'in-progress' };
      this.inProgress.delete(key);
    }
    const done = this.completed.get(key);
    let unconfirmed: UnconfirmedRecord | undefined;
    if (done !== undefined) {
      this.completed.delete(key);
      if (done.expiresAt > now) {
        if (!isUnconfirmed(done)) {
          this.completed.set(key, done); // most recently used
          return { state: 'completed', record: completedRecord(done) };
        }
        unconfirmed = unconfirmedRecord(done);
      }
    }
    this.makeRoom(now);
    const token = randomUUID();
    this.inProgress.set(key, { token, expiresAt: now + ttl });
    return unconfirmed === undefined ? { state: 'claimed', token } : { state: 'claimed', token, unconfirmed };
  }

  /**
   * {@inheritDoc IdempotencyStore.complete} Stores the record when `token` owns the key or the key is free;
   * otherwise (a newer owner's marker, or a record already there) does nothing.
   */
  async complete(key: string, token: string, record: CompletedRecord, ttlMs: number): Promise<void> {
    this.checkOpen();
    const ttl = checkedTtl('ttlMs', ttlMs);
    const now = this.now();
    const marker = this.inProgress.get(key);
    if (marker !== undefined) {
      if (marker.token !== token && marker.expiresAt > now) return;
      this.inProgress.delete(key);
    }
    const done = this.completed.get(key);
    if (done !== undefined) {
      if (done.expiresAt > now) return;
      this.completed.delete(key);
    }
    this.makeRoom(now);
    this.completed.set(key, { requestId: record.requestId, fingerprint: record.fingerprint, completedAt: record.completedAt, expiresAt: now + ttl });
  }

  /** {@inheritDoc IdempotencyStore.markUnconfirmed} Does nothing unless `token` owns the key's in-progress marker. */
  async markUnconfirmed(key: string, token: string, record: UnconfirmedRecord, ttlMs: number): Promise<void> {
    this.checkOpen();
    const ttl = checkedTtl('ttlMs', ttlMs);
    if (this.inProgress.get(key)?.token !== token) return;
    this.inProgress.delete(key);
    const now = this.now();
    this.makeRoom(now);
    this.completed.set(key, { fingerprint: record.fingerprint, sends: record.sends, lastSentAt: record.lastSentAt, expiresAt: now + ttl });
  }

  /** {@inheritDoc IdempotencyStore.hold} Does nothing unless `token` owns the key's in-progress marker. */
  async hold(key: string, token: string, ttlMs: number): Promise<void> {
    this.checkOpen();
    const ttl = checkedTtl('ttlMs', ttlMs);
    const marker = this.inProgress.get(key);
    if (marker?.token === token) this.inProgress.set(key, { token, expiresAt: this.now() + ttl });
  }

  /** {@inheritDoc IdempotencyStore.release} Does nothing unless `token` owns the key's in-progress marker. */
  async release(key: string, token: string): Promise<void> {
    this.checkOpen();
    if (this.inProgress.get(key)?.token === token) this.inProgress.delete(key);
  }

  /** Forgets every entry; later calls reject with {@link IdempotencyStoreError}. */
  async close(): Promise<void> {
    this.closed = true;
    this.inProgress.clear();
    this.completed.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new IdempotencyStoreError('the in-memory idempotency store is closed');
  }

  /** Makes room for one more entry, or throws when every entry is a live in-progress marker. */
  private makeRoom(now: number): void {
    if (this.size < this.maxEntries) return;
    for (const [key, marker] of this.inProgress) {
      if (marker.expiresAt <= now) this.inProgress.delete(key);
    }
    while (this.size >= this.maxEntries) {
      const oldest = this.completed.keys().next();
      if (oldest.done === true) {
        throw new IdempotencyStoreError(
          `the in-memory idempotency store is full: ${this.inProgress.size} reports are in progress (maxEntries ${this.maxEntries})`,
        );
      }
      this.completed.delete(oldest.value);
    }
  }
}
