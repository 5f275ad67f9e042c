/**
 * Sends a report at most once per idempotency key, and at most once more for every send that may have recorded
 * it without saying so (docs/reliability.md, "Guarantees"):
 * - a replay of a completed key returns the original RequestId without calling TRTC; a key in progress elsewhere
 *   is refused (409, retryable); a key reused for a different report is refused (422);
 * - a failed call that certainly recorded nothing releases its key; one that may have recorded the report (no
 *   answer, reset after sending, HTTP 5xx, InternalError) leaves the key "unconfirmed", and the next delivery sends
 *   it with one recording attempt only;
 * - when TRTC recorded the report but the store refuses the result, the write is retried inside the deadline, and
 *   if it still fails the key is held (its marker's expiry extended) so that a redelivery is not sent again;
 * - every store call is bounded by the invocation's time left; when the store cannot be reached the report is NOT
 *   sent (it could be a duplicate) and the caller is told to retry.
 */
import { sleep } from './deadline';
import type { Logger } from './log';
import { inProgress, keyReused, storeUnavailable } from './failures';
import { failed, type Outcome } from './outcome';
import type { TroubleReport } from './report';
import { RECORDING_ATTEMPTS_AFTER_UNCONFIRMED, RECORDING_ATTEMPTS_FIRST_DELIVERY } from './trtc/policy';
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
}

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
export async function sendOnce(report: TroubleReport, send: (recordingAttempts: number) => Promise<Outcome>, options: OnceOptions): Promise<Outcome> {
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
  if (unconfirmed !== undefined) {
    log.warn('resending a report that may already be recorded', { key, earlier_sends: unconfirmed.sends });
  }
  const outcome = await send(unconfirmed === undefined ? RECORDING_ATTEMPTS_FIRST_DELIVERY : RECORDING_ATTEMPTS_AFTER_UNCONFIRMED);
  if (outcome.ok) {
    await remember(key, token, { requestId: outcome.requestId, fingerprint: print, completedAt: Date.now() }, options);
    return outcome;
  }
  const sends = (unconfirmed?.sends ?? 0) + (outcome.unconfirmedSends ?? 0);
  if (sends > 0) {
    const record: UnconfirmedRecord = {
      fingerprint: print,
      sends,
      lastSentAt: outcome.unconfirmedSends ? Date.now() : (unconfirmed?.lastSentAt ?? Date.now()),
    };
    await settle(() => bounded(() => store.markUnconfirmed(key, token, record, options.ttlMs)), 'unconfirmed', options);
  } else {
    await settle(() => bounded(() => store.release(key, token)), 'release', options);
  }
  return outcome;
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
