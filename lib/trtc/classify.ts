/**
 * What an upstream failure was, decided from what the transport threw (errors.ts: ApiError with `code` for API
 * errors in HTTP 200 envelopes, HttpStatusError with `httpCode` for non-200 answers, NetworkError / AbortedError
 * tagged with `sent`). The SDK's TencentCloudSDKHttpException has the same `code` / `httpCode` / `requestId`
 * fields and classifies alike (message-only network errors included). Branch on codes, never on API message text.
 */
import { AbortedError, CredentialsUnavailableError, MalformedResponseError, NetworkError, NoCallSlotError } from './errors';

export type UpstreamKind =
  /** RequestLimitExceeded and its sub-codes. */
  | 'throttled'
  /** HTTP 5xx, connection reset or refused, an unreadable answer. */
  | 'transport'
  /** No answer within the attempt's time. */
  | 'timeout'
  /** InternalError and its sub-codes. */
  | 'internal'
  /** ServiceUnavailable, ResourceUnavailable, ResourceInUse. */
  | 'unavailable'
  /** AuthFailure.SignatureExpire: clock skew or a stale signature. */
  | 'signature-expired'
  /** AuthFailure.TokenFailure: the temporary keys expired or the token is wrong. */
  | 'token'
  /** Any other AuthFailure.* or UnauthorizedOperation: the role or the keys are wrong. */
  | 'auth'
  /** The credentials vanished from the environment. */
  | 'credentials'
  /** InvalidAction, ActionOffline, UnsupportedOperation, NoSuchVersion, NoSuchProduct. */
  | 'action-unavailable'
  /** MissingParameter, InvalidParameter, InvalidParameterValue, UnknownParameter. */
  | 'parameter'
  /** Anything else TRTC answered. */
  | 'rejected'
  /** The rate limiter had no call slot before the deadline: nothing was sent. */
  | 'quota';

export interface UpstreamFailure {
  readonly kind: UpstreamKind;
  /** The cloud API's Error.Code when TRTC answered with one. */
  readonly code?: string;
  readonly message: string;
  /** TRTC's RequestId when it answered. */
  readonly requestId?: string;
  /** The HTTP status of a non-200 answer. */
  readonly httpStatus?: number;
  /**
   * False when TRTC certainly did not record the report (never sent, an API error other than InternalError*,
   * throttled); true when it may have (no answer or a reset after sending, HTTP 5xx, InternalError*, an unreadable
   * answer).
   */
  readonly mayHaveRecorded: boolean;
  /** For `quota`: when the limiter expects a slot to be free, ms from now. */
  readonly retryAfterMs?: number;
}

const PARAMETER_CODES = new Set(['MissingParameter', 'InvalidParameter', 'InvalidParameterValue', 'UnknownParameter']);
const ACTION_CODES = new Set(['InvalidAction', 'ActionOffline', 'NoSuchVersion', 'NoSuchProduct']);

function family(code: string): string {
  return code.split('.', 1)[0]!;
}

export function kindOfCode(code: string): UpstreamKind {
  const head = family(code);
  if (head === 'RequestLimitExceeded') return 'throttled';
  if (head === 'InternalError') return 'internal';
  if (head === 'ServiceUnavailable' || head === 'ResourceUnavailable' || head === 'ResourceInUse') return 'unavailable';
  if (code === 'AuthFailure.SignatureExpire') return 'signature-expired';
  if (code === 'AuthFailure.TokenFailure') return 'token';
  if (head === 'AuthFailure' || head === 'UnauthorizedOperation') return 'auth';
  if (ACTION_CODES.has(code) || head === 'UnsupportedOperation') return 'action-unavailable';
  if (PARAMETER_CODES.has(head)) return 'parameter';
  return 'rejected';
}

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

const NETWORK_ERRNO = /\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED)\b|socket hang up/;

/** Classifies what the client threw. `timedOut` says whether the attempt's own timeout fired. */
export function classifyUpstream(error: unknown, timedOut: boolean): UpstreamFailure {
  if (error instanceof NoCallSlotError) return { kind: 'quota', message: error.message, mayHaveRecorded: false, retryAfterMs: error.retryAfterMs };
  // A timeout counts as sent unless the transport knows the request never left.
  if (timedOut) return { kind: 'timeout', message: 'TRTC did not answer in time', mayHaveRecorded: !(error instanceof AbortedError) || error.sent };
  if (typeof error !== 'object' || error === null) return { kind: 'transport', message: 'the call to TRTC failed', mayHaveRecorded: true };
  if (error instanceof MalformedResponseError) return { kind: 'transport', message: error.message, mayHaveRecorded: true };
  if (error instanceof CredentialsUnavailableError) return { kind: 'credentials', message: error.message, mayHaveRecorded: false };
  if (error instanceof NetworkError) return { kind: 'transport', message: error.message, mayHaveRecorded: error.sent };
  if (error instanceof AbortedError) return { kind: 'timeout', message: error.message, mayHaveRecorded: error.sent };
  const code = field(error, 'code');
  const message = typeof field(error, 'message') === 'string' ? (field(error, 'message') as string) : '';
  const requestId = field(error, 'requestId');
  const rid = typeof requestId === 'string' && requestId !== '' ? { requestId } : {};
  if (typeof code === 'string' && code !== '' && /^[A-Za-z][A-Za-z0-9.]*$/.test(code)) {
    const kind = kindOfCode(code);
    return { kind, code, message: message || code, ...rid, mayHaveRecorded: kind === 'internal' };
  }
  const httpCode = field(error, 'httpCode');
  if (typeof httpCode === 'number') {
    if (httpCode === 429) return { kind: 'throttled', message: `TRTC answered HTTP 429`, httpStatus: httpCode, mayHaveRecorded: false };
    if (httpCode >= 500) return { kind: 'transport', message: `TRTC answered HTTP ${httpCode}`, httpStatus: httpCode, mayHaveRecorded: true };
    return { kind: 'rejected', message: `TRTC answered HTTP ${httpCode}`, httpStatus: httpCode, mayHaveRecorded: false };
  }
  // Message-only shapes (the SDK's network errors) say nothing about whether the request left: assume it did.
  const errno = NETWORK_ERRNO.exec(message)?.[0];
  if (errno) return { kind: 'transport', message: `the connection to TRTC failed (${errno})`, mayHaveRecorded: true };
  if (/network timeout|body-timeout|\baborted\b/i.test(message)) return { kind: 'timeout', message: 'TRTC did not answer in time', mayHaveRecorded: true };
  if (field(error, 'type') === 'invalid-json' || error instanceof SyntaxError || error instanceof TypeError) {
    return { kind: 'transport', message: 'TRTC answered with something that is not a cloud API response', mayHaveRecorded: true };
  }
  return { kind: 'transport', message: 'the call to TRTC failed', mayHaveRecorded: true };
}
