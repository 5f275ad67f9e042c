/**
 * Sends one report to TRTC with retries inside the invocation's deadline: each attempt gets its own timeout no
 * longer than the time left, backoff is exponential with full jitter, and the policy per failure kind is in
 * policy.ts. Every attempt is logged with its outcome.
 */
import { sleep, type Deadline } from '../deadline';
import { outOfTime } from '../failures';
import type { Logger } from '../log';
import type { Failure, Outcome } from '../outcome';
import type { TroubleReport } from '../report';
import { classifyUpstream, type UpstreamFailure } from './classify';
import type { TroubleInfoClient } from './client';
import type { Credentials } from './credentials';
import { finalFailure, MAX_UNCONFIRMED_SENDS, PATIENT_RESERVE_MS, RETRY_POLICY } from './policy';

export interface SendOptions {
  readonly deadline: Deadline;
  /** The longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  readonly log: Logger;
  readonly traceId?: string;
  /** Below this many milliseconds left, no attempt is started. */
  readonly minAttemptMs?: number;
  /**
   * Attempts that may record the report (successful or failing with mayHaveRecorded); default
   * MAX_UNCONFIRMED_SENDS. Attempts that certainly recorded nothing do not count.
   */
  readonly recordingAttempts?: number;
  /**
   * An earlier send of this report ended without an answer (a previous delivery): every attempt waits for TRTC's
   * answer as long as the deadline allows, as the attempts after an unanswered one of this call do.
   */
  readonly patient?: boolean;
  /** The invocation's credentials, handed to every attempt (the client reads them itself when absent). */
  readonly credentials?: Credentials;
  readonly random?: () => number;
  readonly wait?: (ms: number) => Promise<void>;
}

/** Full jitter: a random wait from 0 to min(cap, base·2^(retry-1)). */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export async function sendReport(client: TroubleInfoClient, report: TroubleReport, options: SendOptions): Promise<Outcome> {
  const minAttemptMs = options.minAttemptMs ?? 100;
  const random = options.random ?? Math.random;
  const wait = options.wait ?? sleep;
  const recordingAttempts = options.recordingAttempts ?? MAX_UNCONFIRMED_SENDS;
  let attempts = 0;
  /** Failed attempts that may have recorded the report. */
  let unconfirmed = 0;
  let last: UpstreamFailure | undefined;
  const failedOutcome = (failure: Failure): Outcome => ({
    ok: false,
    failure,
    attempts,
    ...(unconfirmed > 0 ? { unconfirmedSends: unconfirmed } : {}),
    // Nothing was sent for lack of a call slot, or of time before any attempt could start: the report may be parked.
    ...(last?.kind === 'quota' || (last === undefined && unconfirmed === 0) ? { noCallSlot: true as const } : {}),
  });
  for (;;) {
    const left = options.deadline.remaining();
    if (left < minAttemptMs) {
      return failedOutcome(last ? finalFailure(last) : outOfTime('no time was left to call TRTC before the function’s deadline'));
    }
    attempts += 1;
    // After a send that ended without an answer, waiting longer is what may settle it (a slow TRTC answers).
    const patient = options.patient === true || unconfirmed > 0;
    const timeoutMs = patient ? Math.max(minAttemptMs, left - PATIENT_RESERVE_MS) : Math.min(options.attemptTimeoutMs, left);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = Date.now();
    try {
      const { requestId } = await client.create(report, {
        signal: controller.signal,
        notAfter: options.deadline.at - minAttemptMs,
        log: options.log,
        ...(options.traceId ? { traceId: options.traceId } : {}),
        // After a token failure the run role's keys are read afresh: SCF may have rotated them meanwhile.
        ...(options.credentials && last?.kind !== 'token' ? { credentials: options.credentials } : {}),
      });
      options.log.debug('trtc attempt', { attempt: attempts, outcome: 'ok', upstream_request_id: requestId, ms: Date.now() - started });
      return { ok: true, requestId, attempts };
    } catch (error) {
      last = classifyUpstream(error, controller.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
    if (last.mayHaveRecorded) unconfirmed += 1;
    const policy = RETRY_POLICY[last.kind];
    // An attempt that may have recorded the report uses up one of the call's recording attempts.
    const retry = attempts < policy.maxAttempts && unconfirmed < recordingAttempts;
    // The wait is cut short where one more attempt would no longer fit before the deadline, so a long jitter draw
    // does not end the retries early. Kinds retried until the deadline wait at least 1 ms, so they always progress.
    const unbounded = policy.maxAttempts === Number.POSITIVE_INFINITY;
    const room = options.deadline.remaining() - minAttemptMs;
    const canWait = unbounded ? room >= 1 : room >= 0;
    const drawn = backoffDelay(attempts, policy.baseDelayMs, policy.maxDelayMs, random);
    const delay = retry && canWait ? Math.max(unbounded ? 1 : 0, Math.min(drawn, room)) : 0;
    options.log.warn('trtc attempt failed', {
      attempt: attempts,
      outcome: last.kind,
      code: last.code,
      http_status: last.httpStatus,
      upstream_request_id: last.requestId,
      ms: Date.now() - started,
      may_have_recorded: last.mayHaveRecorded,
      retry: retry && canWait,
      ...(retry && canWait ? { retry_in_ms: delay } : {}),
    });
    if (!retry || !canWait) return failedOutcome(finalFailure(last));
    if (delay > 0) await wait(delay);
  }
}
