/**
 * The dead-letter store: reports the function will not send again by itself (two sends ended without TRTC's answer,
 * or a message failed more than DEAD_LETTER_AFTER_DELIVERIES times) and reports parked during a burst for the Timer
 * trigger's drain. One entry per idempotency key: parking a key again updates its entry (deliveries, reason), so a
 * redelivered message never adds a second one. See docs/reliability.md, "Parked reports".
 */
import type { ParkedKind } from '../failures';
import type { Logger } from '../log';
import type { TroubleReport } from '../report';

export type { ParkedKind };

/** What parking is told about a report. */
export interface ParkRequest {
  /** The idempotency store key: the same key sends it through the same idempotent path when it is replayed. */
  readonly key: string;
  readonly kind: ParkedKind;
  readonly report: TroubleReport;
  /** The event source (`http`, `direct`, `ckafka`, …) or `replay`. */
  readonly source: string;
  /** Why it was parked: the failure's code and message, or "two sends ended without an answer". */
  readonly reason: string;
  /** Sends so far that may have recorded it. */
  readonly attempts: number;
}

/** A parked report as stored. */
export interface ParkedEntry extends ParkRequest {
  /** How often it was parked (each delivery that found it unsendable parks it again). */
  readonly deliveries: number;
  /** Epoch ms of the first and the latest parking. */
  readonly parkedAt: number;
  readonly updatedAt: number;
}

/** A waiting entry leased to one drain: nobody else takes it until the lease is settled or expires. */
export interface Lease {
  readonly entry: ParkedEntry;
  readonly token: string;
}

export interface DeadLetterStore {
  /** `redis`, or `log` (no Redis: each parked report is one `error` log line). */
  readonly kind: 'redis' | 'log';
  /** True when parked reports can be listed, drained and replayed (Redis): only then is a burst parked. */
  readonly keeps: boolean;
  /** Parks a report (creates or updates its entry; `given-up` wins over `waiting`). */
  park(request: ParkRequest, log: Logger): Promise<void>;
  /** Counts one failed delivery of a message (per key, kept `ttlMs`) and returns the count so far. */
  countFailure(key: string, ttlMs: number): Promise<number>;
  /** Every entry of one kind, or of both, oldest first (at most `limit`). */
  list(kind?: ParkedKind, limit?: number): Promise<ParkedEntry[]>;
  /** One entry by key. */
  get(key: string): Promise<ParkedEntry | undefined>;
  /** Leases the oldest waiting entry not leased by another drain, for `leaseMs`. */
  lease(leaseMs: number): Promise<Lease | undefined>;
  /** Ends a lease: `done` removes the entry (recorded, or moved to given-up meanwhile), `keep` leaves it waiting. */
  settle(lease: Lease, result: 'done' | 'keep'): Promise<void>;
  /** Removes an entry; false when there was none. */
  drop(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The dead-letter store could not be reached or answered nonsense. */
export class DeadLetterStoreError extends Error {
  override readonly name = 'DeadLetterStoreError';
}
