/**
 * The retry policy and the final answer for each kind of upstream failure (docs/reliability.md, "Retries inside the deadline").
 */
import { failure, noCallSlot } from '../failures';
import type { Failure } from '../outcome';
import type { UpstreamFailure, UpstreamKind } from './classify';

export interface KindPolicy {
  /** Attempts in all (including the first) while the latest failure is of this kind. */
  readonly maxAttempts: number;
  /** Backoff base and cap (full jitter: a random wait from 0 to min(cap, base·2^retry)). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

const NO_RETRY: KindPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

/**
 * Sends of one report that may record it (no answer, reset after sending, HTTP 5xx, InternalError*), across the
 * call and every redelivery: the first, and one more. A send after such a failure waits for TRTC's answer as long
 * as the deadline allows ({@link PATIENT_RESERVE_MS}), so a slow answer settles it; when both ended without an
 * answer the report is not sent again but parked in the dead-letter store (docs/reliability.md, "Guarantees").
 * An attempt that certainly recorded nothing (the connection refused, throttled, an API error envelope) does not
 * count, so it is retried as its kind allows.
 */
export const MAX_UNCONFIRMED_SENDS = 2;

/**
 * What a patient attempt (one after an unanswered send) leaves of the deadline for the store writes and the
 * parking that follow it, in ms.
 */
export const PATIENT_RESERVE_MS = 250;

export const RETRY_POLICY: Readonly<Record<UpstreamKind, KindPolicy>> = {
  // The limit is 20 requests per second: wait in the order of that window, until the deadline.
  throttled: { maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 200, maxDelayMs: 2000 },
  transport: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
  timeout: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
  unavailable: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000 },
  // Not idempotent upstream: one retry only.
  internal: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000 },
  // The SDK signs afresh on every attempt.
  'signature-expired': { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
  // The SDK re-reads the credentials from the environment on every attempt.
  token: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
  auth: NO_RETRY,
  credentials: NO_RETRY,
  'action-unavailable': NO_RETRY,
  parameter: NO_RETRY,
  rejected: NO_RETRY,
  // The limiter already looked as far as the deadline.
  quota: NO_RETRY,
};

const AUTH_HINTS: Readonly<Record<string, string>> = {
  'AuthFailure.UnauthorizedOperation': "the function's run role may not call trtc:CreateTroubleInfo: grant it in CAM",
  UnauthorizedOperation: "the function's run role may not call trtc:CreateTroubleInfo: grant it in CAM",
  'AuthFailure.SecretIdNotFound': 'the SecretId is unknown or disabled: check the run role or the keys',
  'AuthFailure.SignatureFailure': 'the SecretKey does not match the SecretId: check the keys',
  'AuthFailure.InvalidSecretId': 'the SecretId is not a cloud API key',
  'AuthFailure.TokenFailure': 'the session token is expired or wrong: check the run role (TENCENTCLOUD_SESSIONTOKEN)',
  'AuthFailure.InvalidAuthorization': 'the Authorization header was malformed',
};

/** The answer to give once no more attempts will be made. */
export function finalFailure(upstream: UpstreamFailure): Failure {
  const details = { code: upstream.code, upstreamRequestId: upstream.requestId };
  const code = upstream.code;
  const said = code ? `TRTC answered ${code}: ${upstream.message}` : upstream.message;
  switch (upstream.kind) {
    case 'throttled':
      return failure('throttled', `${said} (over TRTC's request rate limit; retry later)`, details);
    case 'transport':
      return failure('upstreamError', upstream.message, details);
    case 'timeout':
      return failure('outOfTime', upstream.message, { upstreamRequestId: upstream.requestId });
    case 'internal':
      return failure('upstreamInternal', said, details);
    case 'unavailable':
      return failure('upstreamUnavailable', said, details);
    case 'signature-expired':
      return failure('signatureExpired', `${said} (check the host clock)`, details);
    case 'token':
    case 'auth': {
      const hint = (code && AUTH_HINTS[code]) ?? 'the role or the keys are wrong';
      return failure('upstreamAuth', `${said} (${hint})`, details);
    }
    case 'credentials':
      return failure('misconfigured', upstream.message, { upstreamRequestId: upstream.requestId });
    case 'action-unavailable':
      return failure(
        'actionUnavailable',
        `CreateTroubleInfo (2019-07-22) is not available on this TRTC endpoint: ${said} (check TRTC_ENDPOINT and TENCENTCLOUD_REGION, or ask Tencent whether the action still exists)`,
        details,
      );
    case 'parameter':
      return failure('invalidParameter', said, details);
    case 'rejected':
      return failure('upstreamError', said, details);
    case 'quota':
      return noCallSlot(upstream.message, upstream.retryAfterMs ?? 1000);
  }
}
