/**
 * `GET /healthz?deep=1`: the health probe (lib/probe.ts) of the standalone server. It spends a TRTC call (and a slot
 * of the shared quota), so it is guarded like a report: with AUTH_TOKEN set it needs the bearer token (401 otherwise,
 * nothing called). And it calls TRTC at most once per {@link DEEP_PROBE_INTERVAL_MS} per server: a deep probe in
 * that interval gets the last result (`cached: true`, `ageMs` since it was taken), one that arrives while a call
 * runs waits for that call.
 */
import type http from 'node:http';
import { unauthorized } from '../failures';
import { isAuthorised } from '../http/guard';
import { jsonResponse, outcomeResponse, type HttpResponse } from '../http/response';
import type { OpenedInvocation } from '../invocation';
import { failed } from '../outcome';
import { probeUpstream, type ProbeReport } from '../probe';
import { DEEP_PROBE_INTERVAL_MS } from './limits';

interface Taken {
  readonly report: ProbeReport;
  /** When the call started (the interval counts from here) and when its answer came (the age counts from here). */
  readonly startedAt: number;
  readonly finishedAt: number;
}

interface ProbeState {
  last?: Taken;
  running?: Promise<Taken>;
}

/** One state per server: one probe call per interval per instance. */
const states = new WeakMap<http.Server, ProbeState>();

function answer(report: ProbeReport, cache: { cached: false } | { cached: true; ageMs: number }): HttpResponse {
  return jsonResponse(report.healthy ? 200 : 503, { status: report.healthy ? 'ok' : 'unhealthy', probe: report, ...cache });
}

/**
 * The answer to a deep health probe: 401 without the token AUTH_TOKEN asks for, else 200 when TRTC's answer proves
 * signature, permission and action, 503 otherwise (with the verdict), fresh or from the last call.
 */
export async function deepHealthResponse(
  server: http.Server,
  authorization: string | undefined,
  open: () => OpenedInvocation,
  requestId: string,
  now: () => number = Date.now,
): Promise<HttpResponse> {
  const opened = open();
  if (!opened.ok) {
    return jsonResponse(503, { status: 'unhealthy', probe: { healthy: false, verdict: 'configuration', detail: opened.inv.mask(opened.errors.join('; ')) } });
  }
  const { inv } = opened;
  if (!isAuthorised(inv.config, authorization)) {
    inv.log.warn('health probe refused: no valid bearer token', { http_request_id: requestId });
    return outcomeResponse(failed(unauthorized()), requestId, { 'WWW-Authenticate': 'Bearer' });
  }
  const state = states.get(server) ?? {};
  states.set(server, state);
  const last = state.last;
  if (last !== undefined && now() - last.startedAt < DEEP_PROBE_INTERVAL_MS) {
    return answer(last.report, { cached: true, ageMs: Math.max(0, now() - last.finishedAt) });
  }
  if (state.running !== undefined) {
    const joined = await state.running;
    return answer(joined.report, { cached: true, ageMs: Math.max(0, now() - joined.finishedAt) });
  }
  const startedAt = now();
  const running = probeUpstream(inv).then((report): Taken => ({ report, startedAt, finishedAt: now() }));
  state.running = running;
  try {
    const taken = await running;
    state.last = taken;
    inv.log[taken.report.healthy ? 'info' : 'error']('health probe', {
      verdict: taken.report.verdict,
      code: taken.report.upstreamCode,
      ...(taken.report.healthy ? {} : { message: taken.report.detail }),
    });
    return answer(taken.report, { cached: false });
  } finally {
    state.running = undefined;
  }
}
