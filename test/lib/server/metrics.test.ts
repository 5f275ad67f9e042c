/**
 * lib/server/metrics.ts: the metrics counted from log lines, through a real logger whose tap sees every line
 * (debug ones included, whatever the level), with labels kept to bounded values.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/log';
import { createServerMetrics } from '../../../lib/server/metrics';

function setup(): { metrics: ReturnType<typeof createServerMetrics>; log: ReturnType<typeof createLogger>; written: string[] } {
  const metrics = createServerMetrics();
  const written: string[] = [];
  const log = createLogger({ level: 'error', tap: metrics.tap, write: (line) => written.push(line) });
  return { metrics, log, written };
}

async function value(metrics: ReturnType<typeof createServerMetrics>, series: string): Promise<number> {
  const { body } = await metrics.render();
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('server metrics from log lines', () => {
  it('counts lines the level filters out of the output (a debug attempt at LOG_LEVEL=error)', async () => {
    const { metrics, log, written } = setup();
    log.debug('trtc attempt', { attempt: 1, outcome: 'ok', ms: 42 });
    log.debug('trtc call slot', { wait_ms: 120 });
    expect(written).toEqual([]);
    expect(await value(metrics, 'trtc_reporter_upstream_attempts_total{outcome="ok",may_have_recorded="false"}')).toBe(1);
    expect(await value(metrics, 'trtc_reporter_upstream_latency_seconds_sum')).toBeCloseTo(0.042);
    expect(await value(metrics, 'trtc_reporter_quota_wait_seconds_bucket{le="0.25"}')).toBe(1);
    expect(await value(metrics, 'trtc_reporter_quota_wait_seconds_bucket{le="0.1"}')).toBe(0);
  });

  it('counts held and unconfirmed keys, and replays', async () => {
    const { metrics, log } = setup();
    log.error('report recorded but not remembered', { held: true });
    log.error('report recorded but not remembered', { held: false });
    log.warn('key left unconfirmed: the report may be recorded', { sends: 1 });
    log.info('invocation', { source: 'http-server', outcome: 'replayed', status: 200 });
    expect(await value(metrics, 'trtc_reporter_idempotency_held_total')).toBe(1);
    expect(await value(metrics, 'trtc_reporter_idempotency_unconfirmed_total')).toBe(1);
    expect(await value(metrics, 'trtc_reporter_idempotency_replays_total')).toBe(1);
    expect(await value(metrics, 'trtc_reporter_reports_total{source="http-server",outcome="replayed",status="200"}')).toBe(1);
  });

  it('keeps labels bounded: unknown values become "other" or "none", a preflight (outcome none) is no report', async () => {
    const { metrics, log } = setup();
    log.info('invocation', { source: 'Some Source With Spaces', outcome: 'failed', status: 'x' });
    log.info('invocation', { source: 'http-server', outcome: 'none' });
    log.warn('trtc attempt failed', { outcome: `kind-${'x'.repeat(100)}`, may_have_recorded: true, ms: 5 });
    log.warn('trtc attempt failed', { outcome: 'quota', may_have_recorded: false, ms: 900 });
    const { body } = await metrics.render();
    expect(body).toContain('trtc_reporter_reports_total{source="other",outcome="failed",status="none"} 1');
    expect(body).not.toContain('outcome="none"');
    expect(body).toContain('trtc_reporter_upstream_attempts_total{outcome="other",may_have_recorded="true"} 1');
    // A quota refusal sent nothing: it is not an upstream latency.
    expect(await value(metrics, 'trtc_reporter_upstream_latency_seconds_count')).toBe(1);
  });
});
