/**
 * `GET /metrics` on dist/server.js as deployed (a child process against the TRTC emulator): the Prometheus text
 * format with the function's counters moving as reports are recorded, replayed, refused and retried; the bearer
 * protection of METRICS_TOKEN; and prom-client only in dist/server.js, never in the event function's dist/index.js.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { ROOT } from '../support/bundle';
import { BASE } from '../support/fixtures';
import { startServerProcess, type ServerProcess } from '../support/server-child';

interface Meta {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}
const meta = (): Meta => JSON.parse(readFileSync(path.join(ROOT, 'dist', 'meta.json'), 'utf8')) as Meta;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
const METRICS_TOKEN = 'scrape-token-0123456789';
let server: ServerProcess;

/** The value of one sample line (`name{labels} value`) of an exposition, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(token = METRICS_TOKEN): Promise<string> {
  const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

function post(report: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(report) });
}

beforeAll(async () => {
  server = await startServerProcess(await emulator.start(), credential, { METRICS_TOKEN });
});
afterAll(async () => {
  await server.stop();
  await emulator.stop();
});

describe('the bundles', () => {
  it('prom-client is in dist/server.js and nowhere in dist/index.js (the event function)', () => {
    const index = Object.keys(meta().outputs['dist/index.js']!.inputs);
    expect(index.filter((f) => f.includes('node_modules/prom-client/') || f.startsWith('lib/server/'))).toEqual([]);
    expect(readFileSync(path.join(ROOT, 'dist', 'index.js'), 'utf8')).not.toContain('prom-client');
    const server = Object.keys(meta().outputs['dist/server.js']!.inputs);
    expect(server.some((f) => f.includes('node_modules/prom-client/'))).toBe(true);
    expect(server).toContain('lib/server/metrics.ts');
  });
});

describe('GET /metrics on dist/server.js', () => {
  it('refuses a scrape without the METRICS_TOKEN bearer (401, WWW-Authenticate) and other methods (405)', async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await scrape().catch(() => '')) !== '').toBe(true);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { Authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('counts reports by source, outcome and status, attempts by outcome, replays, latency, in flight and the process', async () => {
    const before = await scrape();
    const reports = (outcome: string, status: string, text: string): number =>
      sample(text, `trtc_reporter_reports_total{source="http-server",outcome="${outcome}",status="${status}"}`);

    const report = { ...BASE, TroubleMsg: `metrics ${String(Date.now())}` };
    expect((await post(report)).status).toBe(200);
    expect((await post(report)).headers.get('idempotent-replayed')).toBe('true');
    expect((await post({ ...BASE, SdkAppId: 'x' })).status).toBe(400);
    // One throttled attempt, then the retry records the report.
    emulator.inject({ kind: 'api-error', code: 'RequestLimitExceeded' }, 1);
    expect((await post({ ...report, TroubleMsg: `${report.TroubleMsg} again` })).status).toBe(200);

    const after = await scrape();
    expect(reports('sent', '200', after) - reports('sent', '200', before)).toBe(2);
    expect(reports('replayed', '200', after) - reports('replayed', '200', before)).toBe(1);
    expect(reports('rejected', '400', after) - reports('rejected', '400', before)).toBe(1);
    const attempts = (outcome: string, may: string, text: string): number =>
      sample(text, `trtc_reporter_upstream_attempts_total{outcome="${outcome}",may_have_recorded="${may}"}`);
    expect(attempts('ok', 'false', after) - attempts('ok', 'false', before)).toBe(2);
    expect(attempts('throttled', 'false', after) - attempts('throttled', 'false', before)).toBe(1);
    expect(sample(after, 'trtc_reporter_idempotency_replays_total') - sample(before, 'trtc_reporter_idempotency_replays_total')).toBe(1);
    expect(sample(after, 'trtc_reporter_upstream_latency_seconds_count') - sample(before, 'trtc_reporter_upstream_latency_seconds_count')).toBe(3);
    expect(emulator.created.length).toBe(2);
    // The scrape itself is the one request in flight.
    expect(sample(after, 'trtc_reporter_http_requests_in_flight')).toBe(1);
    expect(after).toMatch(/^# TYPE trtc_reporter_upstream_latency_seconds histogram$/m);
    expect(after).toMatch(/^# TYPE trtc_reporter_quota_wait_seconds histogram$/m);
    expect(after).toMatch(/^process_cpu_seconds_total \d/m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts an attempt that may have recorded the report, and the key it leaves unconfirmed', async () => {
    const before = await scrape();
    // Every attempt is answered 502 after TRTC recorded the report: each may have recorded it.
    emulator.inject({ kind: 'http-status', status: 502, afterRecording: true }, 5);
    const res = await post({ ...BASE, TroubleMsg: `unconfirmed ${String(Date.now())}` });
    // Two sends that may have recorded it: parked (202 Accepted.DeadLettered), never sent a third time.
    expect(res.status).toBe(202);
    emulator.clearFaults();
    const after = await scrape();
    const may = (text: string): number => sample(text, 'trtc_reporter_upstream_attempts_total{outcome="transport",may_have_recorded="true"}');
    expect(may(after) - may(before)).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'trtc_reporter_idempotency_unconfirmed_total') - sample(before, 'trtc_reporter_idempotency_unconfirmed_total')).toBe(1);
  });
});
