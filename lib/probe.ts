/**
 * The Timer trigger is not a report: it runs the health probe, which proves what it can without creating a record.
 *
 * The probe calls CreateTroubleInfo with a deliberately incomplete parameter set ({@link PROBE_PARAMETERS}: none of
 * the eight required parameters), so TRTC cannot create a record. Tencent Cloud API 3.0 checks a request in this
 * order (docs/reliability.md, "Health probe"): the signature (and the token of temporary keys), CAM's
 * permission for the action, the action and version, and only then the parameters. So:
 * - `MissingParameter` / `InvalidParameter*` / `UnknownParameter`: the signature, the role's permission and the
 *   action all passed: healthy;
 * - `AuthFailure.*` / `UnauthorizedOperation`: the keys or the role (the message names which);
 * - `InvalidAction` / `ActionOffline` / `NoSuchVersion` / `UnsupportedOperation`: CreateTroubleInfo is gone;
 * - no answer, a reset, HTTP 5xx: the network or TRTC itself.
 * `GET /healthz?deep=1` on the standalone server runs the same probe.
 */
import { drainParked, type DrainReport } from './drain';
import { ProbeFailedError } from './errors';
import { startFields, type Invocation } from './invocation';
import type { TroubleReport } from './report';
import { classifyUpstream, type UpstreamKind } from './trtc/classify';
import type { CallOptions } from './trtc/client';
import { finalFailure } from './trtc/policy';

/** What the probe sends: none of the required parameters, so no record can be created. */
export const PROBE_PARAMETERS: Readonly<Partial<TroubleReport>> = Object.freeze({});

/**
 * The port the probe needs: one call with any subset of the parameters. Every TroubleInfoClient is one (the
 * transport sends the parameters it is given).
 */
export interface ProbeClient {
  create(params: Readonly<Partial<TroubleReport>>, options: CallOptions): Promise<{ requestId: string }>;
}

export type ProbeVerdict =
  /** TRTC rejected the parameters: signature, permission and action proved. */
  | 'ok'
  /** No credentials in the environment. */
  | 'no-keys'
  /** The keys or the role were refused. */
  | 'auth'
  /** CreateTroubleInfo is not available. */
  | 'action-unavailable'
  /** No usable answer from TRTC (no answer, reset, 5xx, garbage). */
  | 'network'
  /** TRTC answered something that proves nothing (throttled, unavailable, internal error, other codes). */
  | 'inconclusive'
  /** TRTC accepted an incomplete request: never expected. */
  | 'unexpected-success';

export interface ProbeReport {
  readonly healthy: boolean;
  readonly verdict: ProbeVerdict;
  /** What a healthy answer proves, or what is wrong and how to fix it. */
  readonly detail: string;
  /** The run role's keys in the environment (named so the logger does not redact the word "credentials"). */
  readonly keys: 'present' | 'missing';
  /** TRTC's Error.Code and RequestId, when it answered. */
  readonly upstreamCode?: string;
  readonly upstreamRequestId?: string;
  readonly latencyMs: number;
}

export interface ProbeResult {
  readonly Timer: { readonly TriggerName: string };
  readonly Probe: ProbeReport;
  /** With Redis: what the drain of parked reports did (docs/reliability.md, "A burst is parked, not refused"). */
  readonly Drain?: DrainReport;
}

/** Verdicts after which parked reports are drained: TRTC took the probe, or answered something passing. */
const DRAIN_AFTER: ReadonlySet<ProbeVerdict> = new Set(['ok', 'inconclusive']);

const PROVES =
  "TRTC answered a parameter error to an incomplete CreateTroubleInfo: the signature, the run role's permission and the action (2019-07-22) are all in order";

const VERDICT_OF: Readonly<Record<UpstreamKind, ProbeVerdict>> = {
  parameter: 'ok',
  auth: 'auth',
  token: 'auth',
  'signature-expired': 'auth',
  credentials: 'no-keys',
  'action-unavailable': 'action-unavailable',
  transport: 'network',
  timeout: 'network',
  throttled: 'inconclusive',
  unavailable: 'inconclusive',
  internal: 'inconclusive',
  rejected: 'inconclusive',
  // No call slot was free in time (the shared quota): nothing was asked of TRTC.
  quota: 'inconclusive',
};

/** One probe call (no retry), bounded by UPSTREAM_TIMEOUT_MS and the deadline. Never throws. */
export async function probeUpstream(inv: Invocation): Promise<ProbeReport> {
  const started = Date.now();
  const latency = (): number => Date.now() - started;
  const { credentials } = inv;
  if (!credentials.ok) return { healthy: false, verdict: 'no-keys', detail: credentials.message, keys: 'missing', latencyMs: latency() };
  const client: ProbeClient = inv.client;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(1, Math.min(inv.config.upstreamTimeoutMs, inv.deadline.remaining())));
  try {
    const { requestId } = await client.create(PROBE_PARAMETERS, {
      signal: controller.signal,
      traceId: `${inv.id}:probe`,
      credentials: credentials.credentials,
    });
    return {
      healthy: false,
      verdict: 'unexpected-success',
      detail: 'TRTC accepted a CreateTroubleInfo without parameters: the endpoint does not behave like TRTC (check TRTC_ENDPOINT)',
      keys: 'present',
      upstreamRequestId: requestId,
      latencyMs: latency(),
    };
  } catch (error) {
    const upstream = classifyUpstream(error, controller.signal.aborted);
    const verdict = VERDICT_OF[upstream.kind];
    const detail = verdict === 'ok' ? PROVES : inv.mask(finalFailure(upstream).message);
    return {
      healthy: verdict === 'ok',
      verdict,
      detail,
      keys: 'present',
      ...(upstream.code ? { upstreamCode: upstream.code } : {}),
      ...(upstream.requestId ? { upstreamRequestId: upstream.requestId } : {}),
      latencyMs: latency(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Timer invocation: runs the probe, then (with Redis, unless the probe proved TRTC unreachable or refusing) drains
 * parked reports for the rest of the invocation, logs the invocation line, returns the result or throws
 * ProbeFailedError.
 */
export async function runProbe(trigger: string, inv: Invocation, startedAt: number): Promise<ProbeResult> {
  const report = await probeUpstream(inv);
  const drain = inv.deadLetters.keeps && DRAIN_AFTER.has(report.verdict) ? await drainParked(inv) : undefined;
  const fields = {
    source: 'timer',
    outcome: report.healthy ? 'probe-ok' : 'probe-failed',
    trigger,
    verdict: report.verdict,
    keys: report.keys,
    code: report.upstreamCode,
    upstream_request_id: report.upstreamRequestId,
    ...(report.healthy ? {} : { message: report.detail }),
    ...(drain
      ? {
          drained: drain.recorded,
          drain_already_recorded: drain.alreadyRecorded,
          drain_given_up: drain.givenUp,
          drain_left: drain.leftWaiting,
          drain_stopped: drain.stopped,
        }
      : {}),
    latency_ms: Date.now() - startedAt,
    ...startFields(inv),
  };
  if (!report.healthy) {
    inv.log.error('invocation', fields);
    throw new ProbeFailedError(inv.mask(`health probe failed (${report.verdict}): ${report.detail}`));
  }
  inv.log.info('invocation', fields);
  return { Timer: { TriggerName: trigger }, Probe: report, ...(drain ? { Drain: drain } : {}) };
}
