/**
 * A real Prometheus scrapes dist/server.js: Debian's `prometheus` on loopback (a temporary config and storage, a
 * 1 s scrape interval, the METRICS_TOKEN bearer), scraping during a short load of reports, read back through its
 * HTTP API (/api/v1/query): the report counter equals the reports the TRTC emulator recorded. Skipped with one
 * notice without prometheus (REQUIRE_PROMETHEUS=1: an error).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BASE } from '../support/fixtures';
import { describeWithTool, toolPath } from '../support/tools';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-child';

const METRICS_TOKEN = 'prometheus-token-0123456789';

/** A free loopback port (Prometheus does not report the port it picked for :0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Polls `probe` every 100 ms until it gives a value, for at most `ms`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeWithTool('prometheus')('Prometheus scraping dist/server.js', () => {
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  let server: ServerProcess;
  let prometheus: ChildProcess;
  let exited: Promise<void>;
  let dir: string;
  let api: string;
  let output = '';

  beforeAll(async () => {
    server = await startServerProcess(await emulator.start(), credential, { METRICS_TOKEN });
    dir = mkdtempSync(path.join(tmpdir(), 'prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: reporter',
      '    authorization:',
      `      credentials: ${METRICS_TOKEN}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${String(server.port)}']`,
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    api = `http://127.0.0.1:${String(port)}`;
    prometheus = spawn(
      toolPath('prometheus')!,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${String(port)}`],
      { cwd: dir, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exited = new Promise((resolve) => prometheus.once('exit', () => resolve()));
    prometheus.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    prometheus.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('Prometheus to be ready', async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined), 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${output.slice(-2000)}`);
    });
  }, 45_000);
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) prometheus.kill('SIGTERM');
    if (exited) await exited;
    await server?.stop();
    await emulator.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The value of a PromQL query's single sample, or undefined while it has none. */
  async function query(promql: string): Promise<number | undefined> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    if (body.status !== 'success' || body.data.result.length === 0) return undefined;
    return Number(body.data.result[0]!.value[1]);
  }

  it('the scraped report counter equals the reports TRTC recorded, after a short load', async () => {
    // The target is up (the bearer token accepted) before the load starts.
    await until('the first scrape', async () => ((await query('up{job="reporter"}')) === 1 ? true : undefined), 15_000);
    // About three seconds of load, in waves of concurrent reports, with one throttled attempt and one bad report.
    emulator.inject({ kind: 'api-error', code: 'RequestLimitExceeded' }, 1);
    let sequence = 0;
    const started = Date.now();
    while (Date.now() - started < 3000) {
      const wave = Array.from({ length: 10 }, () =>
        fetch(`${server.url}/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ...BASE, TroubleMsg: `prometheus ${String((sequence += 1))}` }),
        }).then((res) => res.status),
      );
      for (const status of await Promise.all(wave)) expect(status).toBe(200);
    }
    const bad = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...BASE, SdkAppId: 'x' }),
    });
    expect(bad.status).toBe(400);

    const recorded = emulator.created.length;
    expect(recorded).toBe(sequence);
    const sent = 'sum(trtc_reporter_reports_total{job="reporter",outcome="sent"})';
    // Prometheus catches up within a few scrapes; then its counter is exactly what TRTC recorded.
    const scraped = await until('Prometheus to see every report', async () => ((await query(sent)) === recorded ? recorded : undefined), 15_000).catch(
      async () => query(sent),
    );
    expect(scraped).toBe(recorded);
    expect(await query('sum(trtc_reporter_reports_total{job="reporter",outcome="rejected",status="400"})')).toBe(1);
    expect(await query('sum(trtc_reporter_upstream_attempts_total{job="reporter",outcome="throttled"})')).toBe(1);
    expect(await query('sum(trtc_reporter_upstream_attempts_total{job="reporter",outcome="ok"})')).toBe(recorded);
    expect(await query('trtc_reporter_upstream_latency_seconds_count{job="reporter"}')).toBe(recorded + 1);
  }, 45_000);
});
