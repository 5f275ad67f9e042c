/**
 * One report's way from raw parameters to an outcome: validate, check the function may send it, then send it
 * (with retries inside the deadline). Nothing is sent upstream unless every check passed.
 */
import { forbiddenApp, invalidParameters, misconfigured } from './failures';
import { fingerprint, reportKey } from './idempotency/keys';
import { sendOnce, type SendLimits } from './send-once';
import { traceIdOfInvocation, type Invocation } from './invocation';
import { failed, type Outcome } from './outcome';
import { validateReport, type TroubleReport } from './report';
import { sendReport } from './trtc/send';

export type Checked = { ok: true; report: TroubleReport } | { ok: false; outcome: Outcome };

/** Validation and the function's own preconditions (the invocation's credentials among them); no I/O. */
export function checkReport(params: Readonly<Record<string, unknown>>, inv: Invocation): Checked {
  const validated = validateReport(params);
  if (!validated.ok) return { ok: false, outcome: failed(invalidParameters(validated.problems)) };
  const allowed = inv.config.allowedSdkAppIds;
  if (allowed && !allowed.has(validated.report.SdkAppId)) {
    return { ok: false, outcome: failed(forbiddenApp(validated.report.SdkAppId)) };
  }
  if (!inv.credentials.ok) return { ok: false, outcome: failed(misconfigured(inv.credentials.message)) };
  return { ok: true, report: validated.report };
}

/**
 * Sends a checked report (with retries inside the deadline), without idempotency, with the invocation's
 * credentials. TRTC's (or a proxy's) error message is masked like the logs, since it may echo a secret back,
 * before any caller sees it.
 */
async function deliver(report: TroubleReport, inv: Invocation, traceId: string, limits?: SendLimits): Promise<Outcome> {
  const outcome = await sendReport(inv.client, report, {
    deadline: inv.deadline,
    attemptTimeoutMs: inv.config.upstreamTimeoutMs,
    log: inv.log,
    traceId,
    ...(inv.credentials.ok ? { credentials: inv.credentials.credentials } : {}),
    ...(limits === undefined ? {} : { recordingAttempts: limits.recordingAttempts, patient: limits.patient }),
  });
  if (outcome.ok) return outcome;
  return { ...outcome, failure: { ...outcome.failure, message: inv.mask(outcome.failure.message) } };
}

/**
 * Sends a checked report at most once per key (the hash of its 8 parameters unless given), parking it in the
 * dead-letter store when it is not sent again (send-once.ts). `replay`: an operator's replay (dead-letter tool).
 */
export function deliverOnce(
  report: TroubleReport,
  inv: Invocation,
  key?: string,
  traceId: string = traceIdOfInvocation(inv),
  replay = false,
): Promise<Outcome> {
  const store = inv.idempotency;
  if (!store) return deliver(report, inv, traceId);
  // The report's hash, computed once: the default key and the record's fingerprint both use it.
  const print = fingerprint(report);
  return sendOnce(report, (limits) => deliver(report, inv, traceId, limits), {
    store,
    key: key ?? reportKey(report, print),
    fingerprint: print,
    ttlMs: inv.config.idempotencyTtlSeconds * 1000,
    inProgressTtlMs: inv.deadline.remaining() + inv.config.deadlineMarginMs,
    remaining: () => inv.deadline.remaining(),
    log: inv.log,
    deadLetters: inv.deadLetters,
    parkGraceMs: Math.floor(inv.config.deadlineMarginMs / 2),
    source: inv.source ?? 'unknown',
    ...(replay ? { replay } : {}),
  });
}

export interface SubmitOptions {
  /** The idempotency store key (caller's Idempotency-Key, message identity); default: the report's hash. */
  readonly key?: string;
}

/** Validate, check, send once: the one entry for a single report (HTTP, direct invocation). */
export async function submitReport(params: Readonly<Record<string, unknown>>, inv: Invocation, options: SubmitOptions = {}): Promise<Outcome> {
  const checked = checkReport(params, inv);
  if (!checked.ok) return checked.outcome;
  return deliverOnce(checked.report, inv, options.key);
}
