/**
 * One report's way from raw parameters to an outcome: validate, check the function may send it, then send it
 * (with retries inside the deadline). Nothing is sent upstream unless every check passed.
 */
import type { Config } from './config';
import type { Deadline } from './deadline';
import { forbiddenApp, invalidParameters, misconfigured } from './failures';
import { reportKey } from './idempotency/keys';
import { sendOnce } from './idempotency/once';
import type { IdempotencyStore } from './idempotency/store';
import type { Logger } from './log';
import { failed, type Outcome } from './outcome';
import { validateReport, type TroubleReport } from './report';
import type { TroubleInfoClient } from './trtc/client';
import { readCredentials } from './trtc/credentials';
import { sendReport } from './trtc/send';

type Env = Readonly<Record<string, string | undefined>>;

/** Everything one invocation needs, built once per invocation by the handler (or the server, per request). */
export interface Invocation {
  /** The platform's request id (SCF `context.request_id`) or one of ours. */
  readonly id: string;
  readonly config: Config;
  readonly env: Env;
  readonly deadline: Deadline;
  readonly log: Logger;
  /** Masks the current secret values (credentials, AUTH_TOKEN, Redis password) in a text that leaves the function. */
  readonly mask: (text: string) => string;
  readonly client: TroubleInfoClient;
  /** Where sent reports are remembered; undefined when idempotency is off (IDEMPOTENCY_TTL_SECONDS=0). */
  readonly idempotency?: IdempotencyStore;
}

export type Checked = { ok: true; report: TroubleReport } | { ok: false; outcome: Outcome };

/** Validation and the function's own preconditions; no I/O. */
export function checkReport(params: Readonly<Record<string, unknown>>, inv: Invocation): Checked {
  const validated = validateReport(params);
  if (!validated.ok) return { ok: false, outcome: failed(invalidParameters(validated.problems)) };
  const allowed = inv.config.allowedSdkAppIds;
  if (allowed && !allowed.has(validated.report.SdkAppId)) {
    return { ok: false, outcome: failed(forbiddenApp(validated.report.SdkAppId)) };
  }
  const credentials = readCredentials(inv.env);
  if (!credentials.ok) return { ok: false, outcome: failed(misconfigured(credentials.message)) };
  return { ok: true, report: validated.report };
}

/**
 * Sends a checked report (with retries inside the deadline), without idempotency. TRTC's (or a proxy's) error
 * message is masked like the logs, since it may echo a secret back, before any caller sees it.
 */
export async function deliver(report: TroubleReport, inv: Invocation, traceId: string = inv.id, recordingAttempts?: number): Promise<Outcome> {
  const outcome = await sendReport(inv.client, report, {
    deadline: inv.deadline,
    attemptTimeoutMs: inv.config.upstreamTimeoutMs,
    log: inv.log,
    traceId,
    ...(recordingAttempts === undefined ? {} : { recordingAttempts }),
  });
  if (outcome.ok) return outcome;
  return { ...outcome, failure: { ...outcome.failure, message: inv.mask(outcome.failure.message) } };
}

/** Sends a checked report at most once per key (the hash of its 8 parameters unless given). */
export function deliverOnce(report: TroubleReport, inv: Invocation, key: string = reportKey(report), traceId: string = inv.id): Promise<Outcome> {
  const store = inv.idempotency;
  if (!store) return deliver(report, inv, traceId);
  return sendOnce(report, (recordingAttempts) => deliver(report, inv, traceId, recordingAttempts), {
    store,
    key,
    ttlMs: inv.config.idempotencyTtlSeconds * 1000,
    inProgressTtlMs: inv.deadline.remaining() + inv.config.deadlineMarginMs,
    remaining: () => inv.deadline.remaining(),
    log: inv.log,
  });
}

export interface SubmitOptions {
  /** The idempotency store key (caller's Idempotency-Key, message identity); default: the report's hash. */
  readonly key?: string;
}

/** Validate, check, send once. */
export async function submitReport(params: Readonly<Record<string, unknown>>, inv: Invocation, options: SubmitOptions = {}): Promise<Outcome> {
  const checked = checkReport(params, inv);
  if (!checked.ok) return checked.outcome;
  return deliverOnce(checked.report, inv, options.key);
}
