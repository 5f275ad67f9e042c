/**
 * What became of one report, independent of how it arrived. Presenters turn it into an HTTP response, a cloud-API
 * envelope or a batch summary line.
 */

/** Why a report was not recorded. `status` is the HTTP status an HTTP caller gets. */
export interface Failure {
  readonly status: number;
  /** Error.Code in the envelope: the cloud API's own code where there is one. */
  readonly code: string;
  readonly message: string;
  /** TRTC's RequestId when the failure came from a call that TRTC answered. */
  readonly upstreamRequestId?: string;
  /** True when sending the same report again later may succeed (the caller or the platform should retry). */
  readonly retryable: boolean;
  /** For 429: how long the caller should wait. */
  readonly retryAfterSeconds?: number;
  /**
   * True when retrying cannot help until someone fixes the deployment (no credentials, the role or keys refused,
   * the action gone): the message names the fix, and a batch logs it once at `error`.
   */
  readonly needsFix?: boolean;
  /** The report is parked in the dead-letter store (HTTP 202): which kind, and its key in {@link Failure.key}. */
  readonly parked?: 'waiting' | 'given-up';
  /** The idempotency key of a parked report. */
  readonly key?: string;
}

/** Longest Error.Message any answer carries (envelope, HTTP body, batch summary line), in characters. */
export const MAX_ERROR_MESSAGE_CHARS = 512;

/** A message cut to `max` characters (whole code points), marked with "…" when cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = Array.from(text.slice(0, max)).slice(0, -1).join('');
  return `${cut}…`;
}

export type Outcome =
  | { readonly ok: true; readonly requestId: string; readonly attempts: number; readonly replayed?: boolean }
  | {
      readonly ok: false;
      readonly failure: Failure;
      readonly attempts: number;
      /** Attempts that may have recorded the report although it failed (no answer, reset, 5xx, InternalError). */
      readonly unconfirmedSends?: number;
      /** Nothing was sent: the rate limiter had no call slot, or no time was left to start an attempt (the report may be parked). */
      readonly noCallSlot?: true;
    };

/** The cloud API's response envelope, mirrored for our callers. */
export type Envelope =
  | { Response: { RequestId: string } }
  /** `Key`: a parked report's idempotency key (the dead-letter tool takes it). */
  | { Response: { Error: { Code: string; Message: string }; RequestId: string; Key?: string } };

export function failed(failure: Failure, attempts = 0): Outcome {
  return { ok: false, failure, attempts };
}

/**
 * The envelope for an outcome. On failure RequestId is TRTC's when TRTC answered, else the invocation's own id.
 */
export function toEnvelope(outcome: Outcome, invocationId: string): Envelope {
  if (outcome.ok) return { Response: { RequestId: outcome.requestId } };
  const { failure } = outcome;
  return {
    Response: {
      Error: { Code: failure.code, Message: capText(failure.message, MAX_ERROR_MESSAGE_CHARS) },
      RequestId: failure.upstreamRequestId || invocationId,
      ...(failure.key !== undefined ? { Key: failure.key } : {}),
    },
  };
}
