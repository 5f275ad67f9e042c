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

export type BeginResult =
  /** The key was free: the caller owns it until complete() or release() with this token. */
  | { readonly state: 'claimed'; readonly token: string }
  /** Someone else is sending this report right now. */
  | { readonly state: 'in-progress' }
  /** The report was already recorded. */
  | { readonly state: 'completed'; readonly record: CompletedRecord };

export interface IdempotencyStore {
  /** Human-readable kind for logs: "memory" or "redis". */
  readonly kind: string;
  /**
   * Atomically claims `key` as in progress for `inProgressTtlMs` (the invocation's remaining time, so a crashed
   * attempt frees the key), or reports what is already there.
   */
  begin(key: string, inProgressTtlMs: number): Promise<BeginResult>;
  /** Stores the completed record for `ttlMs`, replacing the in-progress marker owned by `token`. */
  complete(key: string, token: string, record: CompletedRecord, ttlMs: number): Promise<void>;
  /** Frees the key after a failed attempt, if `token` still owns it. */
  release(key: string, token: string): Promise<void>;
  /** Closes connections (tests, server shutdown). */
  close(): Promise<void>;
}

/** The store could not be reached or answered nonsense. The report is not sent (fail safe). */
export class IdempotencyStoreError extends Error {
  override readonly name = 'IdempotencyStoreError';
}
