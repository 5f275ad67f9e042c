/**
 * Idempotency: one TRTC record per report. A store remembers, per key, that a report is being sent (an
 * in-progress marker with a short expiry) and then what TRTC answered (the RequestId, kept for the TTL).
 */

/** What is remembered about a completed report. */
export interface CompletedRecord {
  /** TRTC's RequestId of the call that created the record. */
  readonly requestId: string;
  /** Hash of the 8 parameters, to spot a key reused for a different report. */
  readonly fingerprint: string;
  /** Epoch ms when it completed. */
  readonly completedAt: number;
}

/**
 * What is remembered about a report whose sends all failed in a way that may have recorded it (no answer, a
 * reset after sending, HTTP 5xx, InternalError): it is sent again at most once per delivery, never released.
 */
export interface UnconfirmedRecord {
  /** Hash of the 8 parameters. */
  readonly fingerprint: string;
  /** Sends so far that may have recorded it. */
  readonly sends: number;
  /** Epoch ms of the latest such send. */
  readonly lastSentAt: number;
}

export type BeginResult =
  /**
   * The key was free, or held an unconfirmed record (then `unconfirmed` says what is known): the caller owns it
   * until complete(), release() or unconfirmed() with this token.
   */
  | { readonly state: 'claimed'; readonly token: string; readonly unconfirmed?: UnconfirmedRecord }
  /** Someone else is sending this report right now. */
  | { readonly state: 'in-progress' }
  /** The report was already recorded. */
  | { readonly state: 'completed'; readonly record: CompletedRecord };

export interface IdempotencyStore {
  /** Human-readable kind for logs: "memory" or "redis". */
  readonly kind: string;
  /**
   * True when every call settles without waiting for I/O (the in-memory store): such a call cannot outlive the
   * invocation's time left, so no timer is armed to bound it. Absent or false: every call is bounded by a timer.
   */
  readonly inline?: boolean;
  /**
   * Atomically claims `key` as in progress for `inProgressTtlMs` (the invocation's remaining time, so a crashed
   * attempt frees the key), or reports what is already there.
   */
  begin(key: string, inProgressTtlMs: number): Promise<BeginResult>;
  /** Stores the completed record for `ttlMs`, replacing the in-progress marker owned by `token`. */
  complete(key: string, token: string, record: CompletedRecord, ttlMs: number): Promise<void>;
  /** Frees the key after a failed attempt that certainly recorded nothing, if `token` still owns it. */
  release(key: string, token: string): Promise<void>;
  /**
   * Replaces the marker owned by `token` with an unconfirmed record kept for `ttlMs`: the report may have been
   * recorded, so the key is never simply freed. A later begin() claims it again and says so.
   */
  markUnconfirmed(key: string, token: string, record: UnconfirmedRecord, ttlMs: number): Promise<void>;
  /**
   * Keeps the marker owned by `token` for `ttlMs` more: TRTC recorded the report but complete() failed. Only
   * extends an expiry (PEXPIRE), which a Redis that is out of memory still allows, so the key stays "in progress"
   * instead of freeing itself for a second send.
   */
  hold(key: string, token: string, ttlMs: number): Promise<void>;
  /** Closes connections (tests, server shutdown). */
  close(): Promise<void>;
}

/** The store could not be reached or answered nonsense. The report is not sent (fail safe). */
export class IdempotencyStoreError extends Error {
  override readonly name = 'IdempotencyStoreError';
}
