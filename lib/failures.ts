/**
 * Every failure the function can answer, in one catalogue: its HTTP status, Error.Code (the fallback when TRTC names
 * its own code), whether a retry may succeed, and whether someone must fix the deployment first. The builders below
 * give each one its message; the retry policy (lib/trtc/policy.ts), the idempotency layer and the entries only choose
 * which failure to answer. The status-code table of docs/http-api.md lists these (test/lib/failures.test.ts checks it).
 */
import type { Failure } from './outcome';
import { describeProblems, type ParameterProblem } from './report';

/** One kind of failure, independent of its message. */
export interface FailureKind {
  readonly status: number;
  /** Error.Code, or the fallback when the failure carries TRTC's own code. */
  readonly code: string;
  readonly retryable: boolean;
  /** Retrying cannot help until the deployment is fixed (see {@link Failure.needsFix}). */
  readonly needsFix?: true;
  /** The Retry-After the caller gets, in seconds, when it is fixed. */
  readonly retryAfterSeconds?: number;
  /**
   * The report was not recorded (yet) but is kept in the dead-letter store (docs/reliability.md, "Parked reports"):
   * `waiting` to be drained by the Timer trigger, or `given-up` until an operator replays it. The delivery is
   * answered as handled, so the platform stops redelivering it.
   */
  readonly parked?: ParkedKind;
}

/** The two kinds of parked report: waiting to be drained at the quota's pace, or given up (an operator replays it). */
export type ParkedKind = 'waiting' | 'given-up';

export const FAILURES = {
  /** The report is parked for the Timer trigger's drain (no call slot of the shared quota before the deadline). */
  queued: { status: 202, code: 'Accepted.Queued', retryable: false, parked: 'waiting' },
  /**
   * Two sends ended without TRTC's answer (it may hold the report once or twice): not sent again, parked for an
   * operator; or the message failed more than DEAD_LETTER_AFTER_DELIVERIES times.
   */
  deadLettered: { status: 202, code: 'Accepted.DeadLettered', retryable: false, parked: 'given-up' },
  /** Bad parameters, an unreadable request (malformed JSON, bad Base64, not UTF-8...), or TRTC rejected one. */
  invalidParameter: { status: 400, code: 'InvalidParameter', retryable: false },
  unrecognisedEvent: { status: 400, code: 'UnsupportedEvent', retryable: false },
  unauthorized: { status: 401, code: 'AuthFailure.Unauthorized', retryable: false },
  forbiddenApp: { status: 403, code: 'UnauthorizedOperation.SdkAppId', retryable: false },
  /** The standalone server only: a path it does not serve. */
  notFound: { status: 404, code: 'ResourceNotFound', retryable: false },
  methodNotAllowed: { status: 405, code: 'UnsupportedProtocol', retryable: false },
  /** The standalone server did not receive the whole request in time (a slow or stalled client). */
  requestTimeout: { status: 408, code: 'RequestTimeout', retryable: true },
  /** The same idempotency key is being recorded by another request right now. */
  inProgress: { status: 409, code: 'ResourceInUse.IdempotencyKey', retryable: true, retryAfterSeconds: 1 },
  payloadTooLarge: { status: 413, code: 'RequestSizeLimitExceeded', retryable: false },
  unsupportedMediaType: { status: 415, code: 'UnsupportedMediaType', retryable: false },
  keyReused: { status: 422, code: 'InvalidParameter.IdempotencyKeyReused', retryable: false },
  /** TRTC's rate limit persisted until the deadline. */
  throttled: { status: 429, code: 'RequestLimitExceeded', retryable: true, retryAfterSeconds: 1 },
  /** The shared call quota had no slot before the deadline (nothing was sent); Retry-After from the limiter. */
  noCallSlot: { status: 429, code: 'RequestLimitExceeded', retryable: true },
  /**
   * The function's own configuration is wrong (missing credentials, a bad variable): fix the deployment. It is
   * retryable: the report is fine and will be recorded once the deployment is fixed, so a batch throws (the platform
   * keeps the messages) and a direct invocation throws (an asynchronous one is retried).
   */
  misconfigured: { status: 500, code: 'InternalError.Configuration', retryable: true, needsFix: true },
  /** A defect in the function itself (never expected). */
  unexpected: { status: 500, code: 'InternalError', retryable: true },
  /** TRTC refused the keys, the token or the role. */
  upstreamAuth: { status: 500, code: 'AuthFailure', retryable: true, needsFix: true },
  /** CreateTroubleInfo is not available on the endpoint. */
  actionUnavailable: { status: 502, code: 'InvalidAction', retryable: true, needsFix: true },
  /** No usable answer (reset, refused, HTTP 5xx, garbage) or an error code the function does not know. */
  upstreamError: { status: 502, code: 'UpstreamError', retryable: true },
  upstreamInternal: { status: 502, code: 'InternalError', retryable: true },
  signatureExpired: { status: 502, code: 'AuthFailure.SignatureExpire', retryable: true },
  upstreamUnavailable: { status: 503, code: 'ServiceUnavailable', retryable: true },
  /** The idempotency store could not be reached, so the report was not sent. */
  storeUnavailable: { status: 503, code: 'ServiceUnavailable.IdempotencyStore', retryable: true, retryAfterSeconds: 1 },
  /** The function ran out of time before the report could be sent (or before a retry could be made). */
  outOfTime: { status: 504, code: 'UpstreamTimeout', retryable: true },
} as const satisfies Readonly<Record<string, FailureKind>>;

export type FailureName = keyof typeof FAILURES;

/** What a failure may carry besides its kind and message. */
export interface FailureDetails {
  /** TRTC's (or the first problem's) code, in place of the kind's own. */
  readonly code?: string | undefined;
  /** TRTC's RequestId; ignored when empty. */
  readonly upstreamRequestId?: string | undefined;
  readonly retryAfterSeconds?: number;
  /** For a parked report: its idempotency key, which the answer carries and the dead-letter tool takes. */
  readonly key?: string;
}

/** The failure `name` with `message`: the one place a {@link Failure} is built. */
export function failure(name: FailureName, message: string, details: FailureDetails = {}): Failure {
  const kind: FailureKind = FAILURES[name];
  const retryAfterSeconds = details.retryAfterSeconds ?? kind.retryAfterSeconds;
  return {
    status: kind.status,
    code: details.code ?? kind.code,
    message,
    retryable: kind.retryable,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(kind.needsFix ? { needsFix: true } : {}),
    ...(kind.parked !== undefined ? { parked: kind.parked } : {}),
    ...(details.key !== undefined ? { key: details.key } : {}),
    ...(details.upstreamRequestId ? { upstreamRequestId: details.upstreamRequestId } : {}),
  };
}

/** Bad parameters: 400 with the first problem's cloud-API code and every problem in the message. */
export function invalidParameters(problems: readonly ParameterProblem[]): Failure {
  return failure('invalidParameter', describeProblems(problems), { code: problems[0]?.code });
}

/** A request that cannot be read at all (malformed JSON, bad Base64, not UTF-8...). */
export function badRequest(message: string): Failure {
  return failure('invalidParameter', message);
}

export function methodNotAllowed(method: string): Failure {
  return failure('methodNotAllowed', `HTTP method ${method.slice(0, 16)} is not supported: use POST (JSON or form body) or GET (query string)`);
}

export function payloadTooLarge(limitBytes: number): Failure {
  return failure('payloadTooLarge', `the request body exceeds ${limitBytes} bytes`);
}

export function requestTimeout(limitMs: number): Failure {
  return failure('requestTimeout', `the request was not received within ${Math.round(limitMs / 1000)} s`);
}

export function unsupportedMediaType(contentType: string): Failure {
  return failure(
    'unsupportedMediaType',
    `Content-Type ${contentType.slice(0, 64)} is not supported: send application/json or application/x-www-form-urlencoded`,
  );
}

export function unrecognisedEvent(description: string): Failure {
  return failure('unrecognisedEvent', description);
}

export function misconfigured(message: string): Failure {
  return failure('misconfigured', message);
}

export function unauthorized(): Failure {
  return failure('unauthorized', 'a valid Authorization: Bearer token is required');
}

export function forbiddenApp(sdkAppId: string): Failure {
  return failure('forbiddenApp', `SdkAppId ${sdkAppId} is not in this function's allow-list (ALLOWED_SDK_APP_IDS)`);
}

export function outOfTime(message: string): Failure {
  return failure('outOfTime', message);
}

/** The shared TRTC call quota had no slot before the deadline: nothing was sent; retry after the limiter's estimate. */
export function noCallSlot(message: string, retryAfterMs: number): Failure {
  return failure('noCallSlot', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
}

/** A defect in the function: `message` says what failed, never where in the code. */
export function unexpected(message: string): Failure {
  return failure('unexpected', message);
}

export function storeUnavailable(kind: string): Failure {
  return failure('storeUnavailable', `the idempotency store (${kind}) could not be reached, so the report was not sent (it might be a duplicate); retry later`);
}

export function inProgress(): Failure {
  return failure('inProgress', 'the same report (idempotency key) is being recorded by another request right now; retry later');
}

export function keyReused(): Failure {
  return failure('keyReused', 'this Idempotency-Key was already used for a different report');
}

/** Parked for the Timer trigger's drain: no call slot was free before the deadline. */
export function queued(key: string): Failure {
  return failure('queued', 'no call slot of the TRTC quota was free in time: the report is parked and will be recorded by the next drain; do not retry', {
    key,
  });
}

/** Parked for an operator: `why` says why the report is not sent again. */
export function deadLettered(key: string, why: string): Failure {
  return failure('deadLettered', `${why}: the report is parked in the dead-letter store for an operator; do not retry`, { key });
}
