/**
 * One quota for every instance: processes running the built bundle (HTTP Function URL events and CKafka batches)
 * offer about twice the rate the shared Redis rate limiter grants (TRTC_RATE_PER_SECOND, default 19.2), in front of
 * an upstream that counts every request in TRTC's fixed one-second windows and refuses those beyond its limit.
 *
 * Judged on what happened, not on a model of it:
 * - the limiter, by what Redis did: every slot Redis granted is the schedule value the script stored (seen on
 *   MONITOR as the script's SET, on Redis's own clock); no one-second span, whatever its phase, holds more slots
 *   than the upstream's limit;
 * - TRTC's side, by what arrived: every request the upstream saw (accepted or refused) is counted per window, and no
 *   window holds more than the limit; the upstream refused nothing;
 * - the callers: every answer in time, every 200 recorded, the excess parked (202 Accepted.Queued) or refused with
 *   429 (nothing sent either way), and at least
 *   19 per second granted and recorded.
 * Nothing is waived on a slow machine: the suite runs alone, after every other file (the `solo` project in
 * vitest.config.mts), and a check that fails fails the run. The second test runs the same judgement against a
 * limiter that is wrong for its upstream (19.2/s in front of a limit of 12) and shows that it fails.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_QUOTA_KEY } from '../../lib/quota/redis';
import { startRateLimitedUpstream } from '../../tools/bench/rate-limited-upstream';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BUNDLE, ROOT } from '../support/bundle';
import { FUNCTION_VARIABLES_UNSET } from '../support/emulated';
import { describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../support/redis-server';

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
  ms: number;
}

interface InstanceRun {
  tag: string;
  answers: Answer[];
  logged: Record<string, number>;
  delayMaxMs: number;
}

/** What one run of the proof observed. */
interface Observed {
  readonly upstreamLimit: number;
  /** The slots Redis granted (ms on Redis's clock), in order, and the reservations it was asked for. */
  readonly granted: readonly number[];
  readonly reservations: number;
  /** Every request that reached the upstream, per TRTC window (accepted or refused). */
  readonly offeredPerWindow: readonly number[];
  readonly refusedByUpstream: number;
  readonly recorded: number;
  readonly recordedArrivals: readonly number[];
  readonly answers: readonly Answer[];
  readonly expectedAnswers: number;
  readonly limitMs: number;
  readonly delayMaxMs: number;
}

const LIMIT_MS = 3000;
const PER_PROCESS_PER_SECOND = 5;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let redis: RedisServer;
let emulatorUrl = '';

beforeAll(async () => {
  // Without redis-server the suite below is skipped (describeWithRedis; one notice for the run): nothing to start.
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
  emulatorUrl = await emulator.start();
});
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await emulator.stop();
  await redis.stop();
});

function instance(endpoint: string, mode: 'http' | 'batch', tag: string, seconds: number, startAt: number): Promise<InstanceRun> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
    TRTC_ENDPOINT: endpoint,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    BATCH_CONCURRENCY: '5',
  };
  for (const name of Object.keys(FUNCTION_VARIABLES_UNSET)) if (!(name in env)) delete env[name];
  const script = path.join(ROOT, 'test', 'support', 'quota-instance.cjs');
  const args = [script, BUNDLE, mode, String(PER_PROCESS_PER_SECOND), String(seconds), String(LIMIT_MS), tag, String(startAt)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${tag} failed: ${error.message} ${stderr.slice(0, 500)}`));
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`${tag} printed no result: ${stderr.slice(0, 500)}`));
      resolve(JSON.parse(line.slice(7)) as InstanceRun);
    });
  });
}

/** Runs `processes` instances (the last quarter consuming CKafka batches) for `seconds` against an upstream enforcing `upstreamLimit`. */
let runs = 0;

async function prove(processes: number, seconds: number, upstreamLimit: number): Promise<Observed> {
  emulator.reset();
  // Distinct tags per run: the reports (and CKafka offsets) of one run are never replays of another's.
  runs += 1;
  const run = `r${runs}`;
  const upstream = await startRateLimitedUpstream(emulatorUrl, upstreamLimit);
  const monitor = new Redis(redis.url);
  const cleaner = new Redis(redis.url);
  try {
    // A fresh schedule for this run.
    await cleaner.del(DEFAULT_QUOTA_KEY);
    // What Redis did: each reservation (EVAL on the quota key) and, right after it on the same single thread, the
    // script's SET of the next slot when it granted one. The granted slot is the stored value less the interval.
    let reservations = 0;
    let intervalUs = Number.NaN;
    const granted: number[] = [];
    const feed = await monitor.monitor();
    feed.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'eval' && args[3] === DEFAULT_QUOTA_KEY) {
        reservations += 1;
        intervalUs = Number(args[4]);
      } else if (source === 'lua' && args[0]?.toLowerCase() === 'set' && args[1] === DEFAULT_QUOTA_KEY) {
        granted.push((Number(args[2]) - intervalUs) / 1000);
      }
    });
    // All start together, on a whole second, once every process had time to load the bundle. This process (the
    // upstream that stamps arrivals) measures its own scheduling delay over the same period, for the failure message.
    const startAt = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const here = monitorEventLoopDelay({ resolution: 5 });
    here.enable();
    const batchers = Math.max(1, Math.floor(processes / 4));
    const instances = await Promise.all(
      Array.from({ length: processes }, (_, i) => instance(upstream.url, i < processes - batchers ? 'http' : 'batch', `${run}p${i}`, seconds, startAt)),
    );
    here.disable();
    feed.disconnect();
    return {
      upstreamLimit,
      granted,
      reservations,
      offeredPerWindow: [...upstream.offered.entries()].sort((a, b) => a[0] - b[0]).map(([, count]) => count),
      refusedByUpstream: upstream.refused(),
      recorded: emulator.calls.filter((c) => c.outcome === 'ok').length,
      recordedArrivals: upstream.arrivals,
      answers: instances.flatMap((r) => r.answers),
      expectedAnswers: processes * PER_PROCESS_PER_SECOND * (seconds - 1),
      limitMs: LIMIT_MS,
      delayMaxMs: Math.max(here.max / 1e6, ...instances.map((r) => r.delayMaxMs)),
    };
  } finally {
    monitor.disconnect();
    cleaner.disconnect();
    await upstream.stop();
  }
}

/** The most values in any span shorter than one second (a sliding window: every phase of TRTC's windows). */
function mostInOneSecond(times: readonly number[]): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j += 1) {
    while (times[j]! - times[i]! >= 1000) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

const perSecond = (times: readonly number[]): number => (times.length < 2 ? 0 : ((times.length - 1) / (times.at(-1)! - times[0]!)) * 1000);

/** Every check of the proof that failed, in words (empty: the quota held). */
function violations(o: Observed): string[] {
  const out: string[] = [];
  const limit = o.upstreamLimit;
  const most = mostInOneSecond(o.granted);
  if (o.granted.length === 0) out.push('Redis granted no slot');
  if (most > limit) out.push(`the limiter granted ${most} slots within one second (limit ${limit})`);
  const busiest = Math.max(0, ...o.offeredPerWindow);
  if (busiest > limit) out.push(`TRTC saw ${busiest} requests in one window (limit ${limit}): ${o.offeredPerWindow.join(' ')}`);
  if (o.refusedByUpstream > 0) out.push(`TRTC refused ${o.refusedByUpstream} requests with RequestLimitExceeded`);
  if (o.granted.length < o.recorded) out.push(`${o.recorded} records but only ${o.granted.length} slots granted`);
  if (perSecond(o.granted) < 19) out.push(`the limiter granted ${perSecond(o.granted).toFixed(2)}/s (< 19)`);
  if (perSecond(o.recordedArrivals) < 19) out.push(`TRTC recorded ${perSecond(o.recordedArrivals).toFixed(2)}/s (< 19)`);
  if (o.answers.length < o.expectedAnswers) out.push(`${o.answers.length} answers, expected at least ${o.expectedAnswers}`);
  const late = o.answers.filter((a) => a.ms >= o.limitMs).length;
  if (late > 0) out.push(`${late} answers came after ${o.limitMs} ms`);
  const answeredOk = o.answers.filter((a) => a.status === 200).length;
  if (o.recorded !== answeredOk) out.push(`${o.recorded} records for ${answeredOk} answers 200`);
  // The excess is parked for the Timer's drain (202 Accepted.Queued, nothing sent) where Redis holds the dead-letter
  // store; a 429 remains the answer when parking is not possible.
  const odd = o.answers.filter((a) => a.status !== 200 && a.status !== 429 && !(a.status === 202 && a.code === 'Accepted.Queued')).length;
  if (odd > 0) out.push(`${odd} answers neither 200, 202 Accepted.Queued nor 429`);
  const badRefusals = o.answers.filter(
    (a) => a.status === 429 && (a.code !== 'RequestLimitExceeded' || (a.retryAfter !== undefined && !(Number(a.retryAfter) >= 1))),
  );
  if (badRefusals.length > 0) out.push(`${badRefusals.length} refusals without RequestLimitExceeded and a Retry-After of at least 1 s`);
  return out;
}

function describeRun(o: Observed): string {
  return (
    `offered ${o.answers.length}; Redis granted ${o.granted.length} of ${o.reservations} reservations, at most ${mostInOneSecond(o.granted)} in one second, ` +
    `${perSecond(o.granted).toFixed(2)}/s; recorded ${o.recorded} (${perSecond(o.recordedArrivals).toFixed(2)}/s); per TRTC window ${o.offeredPerWindow.join(' ')} ` +
    `(limit ${o.upstreamLimit}); refused by TRTC ${o.refusedByUpstream}; parked ${o.answers.filter((a) => a.status === 202).length}; 429 ${o.answers.filter((a) => a.status === 429).length}; ` +
    `slowest answer ${Math.max(0, ...o.answers.map((a) => a.ms))} ms of ${o.limitMs}; worst scheduling delay ${o.delayMaxMs.toFixed(1)} ms`
  );
}

describeWithRedis('one quota for every instance (REDIS_URL)', () => {
  it(
    '8 processes offering 40/s for 10 s: at most 20 per window at TRTC, nothing refused there, ≥ 19/s recorded, all in time',
    { timeout: 90_000 },
    async () => {
      const observed = await prove(8, 10, 20);
      process.stderr.write(`quota proof: ${describeRun(observed)}\n`);
      expect(violations(observed), describeRun(observed)).toEqual([]);
    },
  );

  it('the same judgement fails a limiter that is wrong for its upstream (19.2/s in front of a limit of 12 per window)', { timeout: 60_000 }, async () => {
    const observed = await prove(4, 4, 12);
    const found = violations(observed).join('\n');
    expect(found, describeRun(observed)).toMatch(/the limiter granted (1[3-9]|[2-9]\d) slots within one second \(limit 12\)/);
    expect(found).toMatch(/TRTC saw \d+ requests in one window \(limit 12\)/);
    expect(found).toMatch(/TRTC refused \d+ requests/);
  });
});
