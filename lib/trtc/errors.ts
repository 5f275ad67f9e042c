/**
 * What the TRTC transport throws, one class per situation, so classify.ts can tell "never sent" from "maybe
 * recorded" without reading message text. The field names (`code`, `requestId`, `httpCode`) are the ones the SDK's
 * TencentCloudSDKHttpException uses, so both shapes classify alike.
 */

/** The family: everything one attempt at CreateTroubleInfo can fail with (classify.ts reads the subclass). */
export abstract class TrtcCallError extends Error {}

/** The cloud API answered HTTP 200 with `Response.Error`: TRTC's verdict. */
export class ApiError extends TrtcCallError {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string,
  ) {
    super(message);
  }
}

/** TRTC (or a gateway in front of it) answered with a status other than 200; the body is not read. */
export class HttpStatusError extends TrtcCallError {
  override readonly name = 'HttpStatusError';
  constructor(readonly httpCode: number) {
    super(`TRTC answered HTTP ${httpCode}`);
  }
}

/**
 * The connection failed. `sent` is false when the request certainly did not reach TRTC whole (refused, DNS, the
 * socket closed before the request was fully written), true once it was (a reset or close while waiting for the
 * answer: TRTC may have recorded it).
 */
export class NetworkError extends TrtcCallError {
  override readonly name = 'NetworkError';
  constructor(
    readonly sent: boolean,
    /** The errno (`ECONNRESET`, `ECONNREFUSED`, …) or `socket hang up`. */
    readonly errno: string,
  ) {
    super(`the connection to TRTC failed (${errno})`);
  }
}

/** The attempt's AbortSignal fired; `sent` as for NetworkError. */
export class AbortedError extends TrtcCallError {
  override readonly name = 'AbortedError';
  constructor(readonly sent: boolean) {
    super('TRTC did not answer in time');
  }
}

/** An HTTP 200 whose body is not a cloud API response (not JSON, no `Response`, no RequestId). */
export class MalformedResponseError extends TrtcCallError {
  override readonly name = 'MalformedResponseError';
}

/** The credentials vanished from the environment between the check and the call. Nothing was sent. */
export class CredentialsUnavailableError extends TrtcCallError {
  override readonly name = 'CredentialsUnavailableError';
}

/** A rate limiter found no call slot before the attempt's latest start. Nothing was sent. */
export class NoCallSlotError extends TrtcCallError {
  override readonly name = 'NoCallSlotError';
  constructor(
    message: string,
    /** When a slot is expected to be free, ms from now. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}
