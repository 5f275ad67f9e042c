/**
 * The failures the function itself decides (as opposed to the ones TRTC answers), with their HTTP status and code.
 * The README's status-code table lists these.
 */
import type { Failure } from './outcome';
import { describeProblems, type ParameterProblem } from './report';

/** Bad parameters: 400 with the first problem's cloud-API code and every problem in the message. */
export function invalidParameters(problems: readonly ParameterProblem[]): Failure {
  return { status: 400, code: problems[0]?.code ?? 'InvalidParameter', message: describeProblems(problems), retryable: false };
}

/** A request that cannot be read at all (malformed JSON, bad Base64, not UTF-8...). */
export function badRequest(message: string): Failure {
  return { status: 400, code: 'InvalidParameter', message, retryable: false };
}

export function methodNotAllowed(method: string): Failure {
  return {
    status: 405,
    code: 'UnsupportedProtocol',
    message: `HTTP method ${method.slice(0, 16)} is not supported: use POST (JSON or form body) or GET (query string)`,
    retryable: false,
  };
}

export function payloadTooLarge(limitBytes: number): Failure {
  return {
    status: 413,
    code: 'RequestSizeLimitExceeded',
    message: `the request body exceeds ${limitBytes} bytes`,
    retryable: false,
  };
}

/** The standalone server did not receive the whole request in time (a slow or stalled client). */
export function requestTimeout(limitMs: number): Failure {
  return { status: 408, code: 'RequestTimeout', message: `the request was not received within ${Math.round(limitMs / 1000)} s`, retryable: true };
}

export function unsupportedMediaType(contentType: string): Failure {
  return {
    status: 415,
    code: 'UnsupportedMediaType',
    message: `Content-Type ${contentType.slice(0, 64)} is not supported: send application/json or application/x-www-form-urlencoded`,
    retryable: false,
  };
}

export function unrecognisedEvent(description: string): Failure {
  return { status: 400, code: 'UnsupportedEvent', message: description, retryable: false };
}

/**
 * The function's own configuration is wrong (missing credentials, a bad variable): 500, fix the deployment. It is
 * retryable: the report is fine and will be recorded once the deployment is fixed, so a batch throws (the platform
 * keeps the messages) and a direct invocation throws (an asynchronous one is retried).
 */
export function misconfigured(message: string): Failure {
  return { status: 500, code: 'InternalError.Configuration', message, retryable: true, needsFix: true };
}

export function unauthorized(): Failure {
  return { status: 401, code: 'AuthFailure.Unauthorized', message: 'a valid Authorization: Bearer token is required', retryable: false };
}

export function forbiddenApp(sdkAppId: string): Failure {
  return {
    status: 403,
    code: 'UnauthorizedOperation.SdkAppId',
    message: `SdkAppId ${sdkAppId} is not in this function's allow-list (ALLOWED_SDK_APP_IDS)`,
    retryable: false,
  };
}

/** The function ran out of time before the report could be sent (or before a retry could be made). */
export function outOfTime(message: string): Failure {
  return { status: 504, code: 'UpstreamTimeout', message, retryable: true };
}

/** The shared TRTC call quota had no slot before the deadline: nothing was sent; retry after the limiter's estimate. */
export function noCallSlot(message: string, retryAfterMs: number): Failure {
  return { status: 429, code: 'RequestLimitExceeded', message, retryable: true, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
}
