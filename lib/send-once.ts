/**
 * Sends a report at most once per idempotency key, and at most twice in all while its outcome is unknown, whatever
 * the number of deliveries (docs/reliability.md, "Guarantees"):
 * - a replay of a completed key returns the original RequestId without calling TRTC; a key in progress elsewhere
 *   is refused (409, retryable); a key reused for a different report is refused (422);
 * - a failed call that certainly recorded nothing releases its key; one that may have recorded the report (no
 *   answer, reset after sending, HTTP 5xx, InternalError) leaves the key "unconfirmed" with its count of such
 *   sends, and a later delivery sends it only while that count is under MAX_UNCONFIRMED_SENDS, waiting for TRTC's
 *   answer as long as the deadline allows; once the count is reached the report is parked in the dead-letter store
 *   (given up) and the delivery answered as handled (202 `Accepted.DeadLettered`), never sent again by itself;
 * - a report that got no call slot of the shared quota before the deadline is parked to wait for the Timer
 *   trigger's drain (202 `Accepted.Queued`) when the dead-letter store keeps entries (Redis);
 * - when TRTC recorded the report but the store refuses the result, the write is retried inside the deadline, and
 *   if it still fails the key is held (its marker's expiry extended) so that a redelivery is not sent again;
 * - every store call is bounded by the invocation's time left; when the store cannot be reached the report is NOT
 *   sent (it could be a duplicate) and the caller is told to retry.
 */
import { sleep } from './deadline';
import type { Logger } from './log';
import { deadLettered, inProgress, keyReused, queued, storeUnavailable } from './failures';
import { failed, type Outcome } from './outcome';
import type { TroubleReport } from './report';
import { MAX_UNCONFIRMED_SENDS } from './trtc/policy';
import { LogDeadLetterStore } from './dead-letter/log-store';
import type { DeadLetterStore, ParkRequest } from './dead-letter/store';
import { fingerprint } from './idempotency/keys';
import { IdempotencyStoreError, type BeginResult, type IdempotencyStore, type UnconfirmedRecord } from './idempotency/store';

export interface OnceOptions {
  readonly store: IdempotencyStore;
  /** The full store key (from keys.ts). */
  readonly key: string;
  /** The report's {@link fingerprint} when the caller already computed it. */
  readonly fingerprint?: string;
  /** How long a completed (or unconfirmed) record is remembered. */
  readonly ttlMs: number;
  /** How long the in-progress marker may live: the time left in the invocation, so a crash frees the key. */
  readonly inProgressTtlMs: number;
  /** Milliseconds left before the invocation's deadline: bounds every store call. */
  readonly remaining: () => number;
  readonly log: Logger;
  /** Where reports that are not sent again are parked; default: one `error` log line each. */
  readonly deadLetters?: DeadLetterStore;
  /** The event source, recorded with a parked report. */
  readonly source?: string;
  /**
   * An operator's replay of a report given up after MAX_UNCONFIRMED_SENDS unanswered sends: one more send is
   * allowed (it may add a record; the operator checked TRTC first).
   */
  readonly replay?: boolean;
  /**
   * Time beyond `remaining()` that parking may take (part of DEADLINE_MARGIN_MS), so a report that ran out of time
   * can still be parked rather than answered "retry"; default 0.
   */
  readonly parkGraceMs?: number;
}

/** How the send is asked to behave: its recording attempts, and whether an earlier send ended without an answer. */
export interface SendLimits {
  readonly recordingAttempts: number;
  readonly patient: boolean;
}

const sharedLogStore = new LogDeadLetterStore();

/** The longest a held key (recorded, result not stored) stays "in progress": one hour, or the TTL if shorter. */
export const MAX_HOLD_MS = 60 * 60 * 1000;

/** Waits between retries of a store write after TRTC recorded the report: 50 ms, doubling, capped. */
const STORE_RETRY_BASE_MS = 50;
const STORE_RETRY_CAP_MS = 400;
/** The longest the store write is retried (within the deadline), so the answer is not held back for long. */
export const STORE_RETRY_BUDGET_MS = 1000;

/**
 * The store call, or an IdempotencyStoreError once `ms` (the time left) have passed without an answer. A store
 * that answers inline (no I/O: it cannot outlive the time left) is asked without arming a timer.
 */
export function withinTime<T>(call: () => Promise<T>, ms: number, kind: string, inline = false): Promise<T> {
  if (ms <= 0) return Promise.reject(new IdempotencyStoreError(`the ${kind} idempotency store was not asked: no time was left`));
  const pending = call();
  if (inline) return pending;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new IdempotencyStoreError(`the ${kind} idempotency store did not answer within the ${ms} ms left`)), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Sends the report through `send(recordingAttempts)` at most as often as the key allows; see the module comment.
 */
export async function sendOnce(report: TroubleReport, send: (limits: SendLimits) => Promise<Outcome>, options: OnceOptions): Promise<Outcome> {
  const { store, key, log } = options;
  const print = options.fingerprint ?? fingerprint(report);
  const bounded = <T>(call: () => Promise<T>): Promise<T> => withinTime(call, options.remaining(), store.kind, store.inline);
  let begun: BeginResult;
  try {
    begun = await bounded(() => store.begin(key, Math.max(1000, options.inProgressTtlMs)));
  } catch (error) {
    log.warn('idempotency store error', { stage: 'begin', store: store.kind, error });
    return failed(storeUnavailable(store.kind));
  }
  if (begun.state === 'in-progress') return failed(inProgress());
  if (begun.state === 'completed') {
    if (begun.record.fingerprint !== print) return failed(keyReused());
    return { ok: true, requestId: begun.record.requestId, attempts: 0, replayed: true };
  }
  const { token, unconfirmed } = begun;
  if (unconfirmed !== undefined && unconfirmed.fingerprint !== print) {
    await settle(() => bounded(() => store.markUnconfirmed(key, token, unconfirmed, options.ttlMs)), 'unconfirmed', options);
    return failed(keyReused());
  }
  const earlier = unconfirmed?.sends ?? 0;
  const allowed = options.replay === true ? Math.max(1, MAX_UNCONFIRMED_SENDS - earlier) : MAX_UNCONFIRMED_SENDS - earlier;
  if (unconfirmed !== undefined && allowed <= 0) {
    // Not sent again: the key keeps its record, and the report is parked (again: its entry is updated).
    await settle(() => bounded(() => store.markUnconfirmed(key, token, unconfirmed, options.ttlMs)), 'unconfirmed', options);
    return giveUp(report, earlier, options, undefined);
  }
  if (unconfirmed !== undefined) {
    log.warn('resending a report that may already be recorded', { key, earlier_sends: unconfirmed.sends });
  }
  const outcome = await send({ recordingAttempts: allowed, patient: earlier > 0 });
  if (outcome.ok) {
    await remember(key, token, { requestId: outcome.requestId, fingerprint: print, completedAt: Date.now() }, options);
    return outcome;
  }
  const sends = earlier + (outcome.unconfirmedSends ?? 0);
  if (sends > 0) {
    const record: UnconfirmedRecord = {
      fingerprint: print,
      sends,
      lastSentAt: outcome.unconfirmedSends ? Date.now() : (unconfirmed?.lastSentAt ?? Date.now()),
    };
    const marked = await settle(() => bounded(() => store.markUnconfirmed(key, token, record, options.ttlMs)), 'unconfirmed', options);
    if (marked) log.warn('key left unconfirmed: the report may be recorded', { key, sends });
    if (sends >= MAX_UNCONFIRMED_SENDS && options.replay !== true) return giveUp(report, sends, options, outcome);
  } else {
    await settle(() => bounded(() => store.release(key, token)), 'release', options);
  }
  if (outcome.noCallSlot && options.deadLetters?.keeps === true) {
    const parked = await park(
      { key, kind: 'waiting', report, source: options.source ?? 'unknown', reason: `${outcome.failure.code}: ${outcome.failure.message}`, attempts: sends },
      options,
    );
    if (parked) return failed(queued(key), outcome.attempts);
  }
  return outcome;
}

/**
 * Parks a report whose sends ended without an answer MAX_UNCONFIRMED_SENDS times and answers as handled; when it
 * cannot be parked, the delivery fails as retryable (the next one parks it: it is never sent again).
 */
async function giveUp(report: TroubleReport, sends: number, options: OnceOptions, outcome: Outcome | undefined): Promise<Outcome> {
  const why = `${sends} sends ended without TRTC's answer (it may hold the report)`;
  const attempts = outcome?.attempts ?? 0;
  const parked = await park({ key: options.key, kind: 'given-up', report, source: options.source ?? 'unknown', reason: why, attempts: sends }, options);
  if (parked) return failed(deadLettered(options.key, why), attempts);
  return outcome ?? failed(storeUnavailable(options.deadLetters?.kind ?? 'log'), attempts);
}

/** Parks `request` within the time left; false (logged) when the store refused. */
export async function park(request: ParkRequest, options: Pick<OnceOptions, 'deadLetters' | 'remaining' | 'log' | 'parkGraceMs'>): Promise<boolean> {
  const store = options.deadLetters ?? sharedLogStore;
  try {
    // The log store only writes a line: it needs no time left.
    if (store.kind === 'log') await store.park(request, options.log);
    else await withinTime(() => store.park(request, options.log), options.remaining() + (options.parkGraceMs ?? 0), `${store.kind} dead-letter`);
    options.log.warn('report parked in the dead-letter store', { key: request.key, kind: request.kind, store: store.kind, reason: request.reason });
    return true;
  } catch (error) {
    options.log.error('dead-letter store error', { stage: 'park', key: request.key, store: store.kind, error });
    return false;
  }
}

/** One store write after the call; a failure is logged (the marker then expires with the invocation). */
async function settle(write: () => Promise<void>, stage: string, options: OnceOptions): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    options.log.warn('idempotency store error', { stage, store: options.store.kind, error });
    return false;
  }
}

/**
 * Stores the completed record, retrying inside the deadline; if the store still refuses, holds the key so a
 * redelivery is not sent again, and says so at `error`.
 */
async function remember(
  key: string,
  token: string,
  record: { requestId: string; fingerprint: string; completedAt: number },
  options: OnceOptions,
): Promise<void> {
  const { store, log } = options;
  const giveUpAt = Date.now() + Math.min(STORE_RETRY_BUDGET_MS, options.remaining());
  let lastError: unknown;
  for (let retry = 0; ; retry += 1) {
    try {
      await withinTime(() => store.complete(key, token, record, options.ttlMs), options.remaining(), store.kind, store.inline);
      if (retry > 0) log.info('idempotency store write succeeded after retrying', { key, retries: retry });
      return;
    } catch (error) {
      lastError = error;
    }
    const wait = Math.min(STORE_RETRY_CAP_MS, STORE_RETRY_BASE_MS * 2 ** retry);
    if (options.remaining() < wait + STORE_RETRY_BASE_MS || Date.now() + wait > giveUpAt) break;
    await sleep(wait);
  }
  const held = await settle(
    () => withinTime(() => store.hold(key, token, Math.min(options.ttlMs, MAX_HOLD_MS)), options.remaining(), store.kind, store.inline),
    'hold',
    options,
  );
  log.error('report recorded but not remembered', {
    key,
    upstream_request_id: record.requestId,
    store: store.kind,
    error: lastError,
    held,
    consequence: held
      ? `the key stays "in progress" for up to ${Math.round(Math.min(options.ttlMs, MAX_HOLD_MS) / 1000)} s, so a redelivery is not sent again`
      : 'the store refused every write: a redelivery after this invocation may record the report a second time',
  });
}
