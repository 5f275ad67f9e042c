/**
 * Sends a report at most once per idempotency key: a replay of a completed key returns the original RequestId
 * without calling TRTC; a key in progress elsewhere is refused (409, retryable); a failed attempt releases its
 * key. When the store cannot be reached the report is NOT sent (it could be a duplicate) and the caller is told
 * to retry.
 */
import { failed, type Failure, type Outcome } from '../outcome';
import type { TroubleReport } from '../report';
import { fingerprint } from './keys';
import type { BeginResult, IdempotencyStore } from './store';

export interface OnceOptions {
  readonly store: IdempotencyStore;
  /** The full store key (from keys.ts). */
  readonly key: string;
  /** How long a completed record is remembered. */
  readonly ttlMs: number;
  /** How long the in-progress marker may live: the time left in the invocation, so a crash frees the key. */
  readonly inProgressTtlMs: number;
  readonly onStoreError?: (stage: 'begin' | 'complete' | 'release', error: unknown) => void;
}

export function storeUnavailable(kind: string): Failure {
  return {
    status: 503,
    code: 'ServiceUnavailable.IdempotencyStore',
    message: `the idempotency store (${kind}) could not be reached, so the report was not sent (it might be a duplicate); retry later`,
    retryable: true,
    retryAfterSeconds: 1,
  };
}

export function inProgress(): Failure {
  return {
    status: 409,
    code: 'ResourceInUse.IdempotencyKey',
    message: 'the same report (idempotency key) is being recorded by another request right now; retry later',
    retryable: true,
    retryAfterSeconds: 1,
  };
}

export function keyReused(): Failure {
  return {
    status: 422,
    code: 'InvalidParameter.IdempotencyKeyReused',
    message: 'this Idempotency-Key was already used for a different report',
    retryable: false,
  };
}

export async function sendOnce(report: TroubleReport, send: () => Promise<Outcome>, options: OnceOptions): Promise<Outcome> {
  const { store, key } = options;
  const print = fingerprint(report);
  let begun: BeginResult;
  try {
    begun = await store.begin(key, Math.max(1000, options.inProgressTtlMs));
  } catch (error) {
    options.onStoreError?.('begin', error);
    return failed(storeUnavailable(store.kind));
  }
  if (begun.state === 'in-progress') return failed(inProgress());
  if (begun.state === 'completed') {
    if (begun.record.fingerprint !== print) return failed(keyReused());
    return { ok: true, requestId: begun.record.requestId, attempts: 0, replayed: true };
  }
  const outcome = await send();
  try {
    if (outcome.ok) {
      await store.complete(key, begun.token, { requestId: outcome.requestId, fingerprint: print, completedAt: Date.now() }, options.ttlMs);
    } else {
      await store.release(key, begun.token);
    }
  } catch (error) {
    // The outcome stands: the record exists (or does not) whatever the store says; a lost marker expires on its own.
    options.onStoreError?.(outcome.ok ? 'complete' : 'release', error);
  }
  return outcome;
}
