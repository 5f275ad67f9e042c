/**
 * One quota for every instance: 8 processes running the built bundle (6 answering Function URL events,
 * 2 consuming CKafka batches), together offering 40 reports per second for 10 s, share one Redis rate limiter
 * (TRTC_RATE_PER_SECOND, default 19.2) in front of an upstream that enforces TRTC's 20 per one-second window.
 *
 * Judged by what the limiter allowed: every slot Redis granted is replayed from MONITOR (the script is
 * deterministic given Redis's clock), and no one-second span, whatever its phase, holds more than 20 of them.
 * End to end: every answer came before its limit, every accepted report was recorded, at most 20 were accepted
 * in each TRTC window, the excess was parked for the Timer trigger's drain (202 Accepted.Queued, nothing sent). No RequestLimitExceeded
 * from the upstream and at least 19 per second granted and recorded are judged when the measured scheduling
 * delay of every process (after its first, cold-start second) stayed inside the jitter margin the rate leaves ((20/rate − 1) s): on a machine
 * loaded beyond that, arrivals shift more than any limiter can absorb and the offered load itself stalls, and
 * the test prints the figures instead of failing on timing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BUNDLE, ROOT } from '../support/bundle';
import { FUNCTION_VARIABLES_UNSET } from '../support/emulated';
import { startRateLimitedUpstream, type RateLimitedUpstream } from '../../tools/bench/rate-limited-upstream';
import { startRedisServer, type RedisServer, describeWithRedis, redisServerBinary } from '../support/redis-server';

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
  ms: number;
}

interface Run {
  tag: string;
  answers: Answer[];
  logged: Record<string, number>;
  delayMaxMs: number;
}

const PROCESSES = 8;
const RATE = 19.2;
const PER_PROCESS_PER_SECOND = 5;
const SECONDS = 10;
const LIMIT_MS = 3000;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let upstream: RateLimitedUpstream;
let redis: RedisServer;

beforeAll(async () => {
  // Without redis-server the suites below are skipped (describeWithRedis; one notice for the run): nothing to start.
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
  upstream = await startRateLimitedUpstream(await emulator.start(), 20);
});
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await upstream.stop();
  await emulator.stop();
  await redis.stop();
});

function instance(mode: 'http' | 'batch', tag: string, startAt: number): Promise<Run> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
    TRTC_ENDPOINT: upstream.url,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    BATCH_CONCURRENCY: '5',
  };
  for (const name of Object.keys(FUNCTION_VARIABLES_UNSET)) if (!(name in env)) delete env[name];
  const script = path.join(ROOT, 'test', 'support', 'quota-instance.cjs');
  const args = [script, BUNDLE, mode, String(PER_PROCESS_PER_SECOND), String(SECONDS), String(LIMIT_MS), tag, String(startAt)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${tag} failed: ${error.message} ${stderr.slice(0, 500)}`));
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`${tag} printed no result: ${stderr.slice(0, 500)}`));
      resolve(JSON.parse(line.slice(7)) as Run);
    });
  });
}

describeWithRedis('one quota for every instance (REDIS_URL)', () => {
  it(
    `${PROCESSES} processes offering ${PROCESSES * PER_PROCESS_PER_SECOND}/s for ${SECONDS} s stay under 20 per window, ≥ 19/s recorded, all in time`,
    { timeout: 90_000 },
    async () => {
      // Every reservation Redis ran, with Redis's timestamp: replaying the script gives the slots it granted.
      const monitor = new Redis(redis.url);
      const evals: { atUs: number; intervalUs: number; maxWaitUs: number }[] = [];
      const feed = await monitor.monitor();
      feed.on('monitor', (time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'eval' && args[3] === 'trtc-quota:CreateTroubleInfo') {
          evals.push({ atUs: Math.round(Number(time) * 1e6), intervalUs: Number(args[4]), maxWaitUs: Number(args[5]) });
        }
      });
      // All start together, on a whole second, once every process had time to load the bundle. This process (the
      // upstream that stamps arrivals) measures its own scheduling delay over the same period.
      const startAt = Math.ceil(Date.now() / 1000) * 1000 + 2000;
      const here = monitorEventLoopDelay({ resolution: 5 });
      setTimeout(() => here.enable(), startAt + 1000 - Date.now());
      const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => instance(i < 6 ? 'http' : 'batch', `p${i}`, startAt)));
      here.disable();
      feed.disconnect();
      monitor.disconnect();

      let tat = 0;
      const granted: number[] = [];
      for (const e of evals) {
        tat = Math.max(tat, e.atUs);
        if (tat - e.atUs > e.maxWaitUs) continue;
        granted.push(tat / 1000);
        tat += e.intervalUs;
      }
      // The most granted slots in any one-second span (a sliding window: every phase of TRTC's windows).
      let most = 0;
      for (let i = 0, j = 0; j < granted.length; j += 1) {
        while (granted[j]! - granted[i]! >= 1000) i += 1;
        most = Math.max(most, j - i + 1);
      }
      const grantedPerSecond = ((granted.length - 1) / (granted.at(-1)! - granted[0]!)) * 1000;
      const marginMs = (20 / RATE - 1) * 1000;
      const delayMaxMs = Math.max(here.max / 1e6, ...runs.map((r) => r.delayMaxMs));
      process.stderr.write(
        `quota proof: worst scheduling delay per process (ms): upstream ${(here.max / 1e6).toFixed(0)}, ${runs.map((r) => `${r.tag} ${r.delayMaxMs.toFixed(0)}`).join(', ')}\n`,
      );
      const answers = runs.flatMap((r) => r.answers);
      const windows = [...upstream.accepted.entries()].sort((a, b) => a[0] - b[0]);
      const counts = windows.map(([, c]) => c);
      const arrivals = upstream.arrivals;
      const recordedPerSecond = ((arrivals.length - 1) / (arrivals.at(-1)! - arrivals[0]!)) * 1000;
      const recorded = emulator.calls.filter((c) => c.outcome === 'ok').length;
      const refusedByQuota = answers.filter((a) => a.status === 429);
      const parkedByQuota = answers.filter((a) => a.status === 202);
      const late = answers.filter((a) => a.ms >= LIMIT_MS);
      process.stderr.write(
        `quota proof: offered ${answers.length}; the limiter granted ${granted.length} slots, at most ${most} in any one-second span, ` +
          `${grantedPerSecond.toFixed(2)}/s; recorded ${recorded} (${recordedPerSecond.toFixed(2)}/s), accepted per TRTC window ${counts.join(' ')}; ` +
          `parked by the quota ${parkedByQuota.length}, 429 ${refusedByQuota.length}; RequestLimitExceeded from TRTC ${upstream.refused()}; ` +
          `slowest answer ${Math.max(...answers.map((a) => a.ms))} ms of ${LIMIT_MS}; worst scheduling delay ${delayMaxMs.toFixed(1)} ms (margin ${marginMs.toFixed(1)} ms)\n`,
      );
      expect(answers.length).toBeGreaterThanOrEqual(PROCESSES * PER_PROCESS_PER_SECOND * (SECONDS - 1));
      expect(granted.length).toBeGreaterThanOrEqual(recorded);
      expect(most).toBeLessThanOrEqual(20);
      expect(Math.max(...counts)).toBeLessThanOrEqual(20);
      if (delayMaxMs < marginMs) {
        expect(upstream.refused()).toBe(0);
        expect(grantedPerSecond).toBeGreaterThanOrEqual(19);
        expect(recordedPerSecond).toBeGreaterThanOrEqual(19);
      } else {
        // Processes stalled for longer than the margin: calls arrive late (crowding TRTC's windows) and the offered
        // load itself pauses (leaving slots unused). Figures printed above; the limiter's own bound is judged.
        process.stderr.write(`quota proof: scheduling delay ${delayMaxMs.toFixed(1)} ms exceeds the margin; RequestLimitExceeded and the rate not judged\n`);
      }
      expect(late).toEqual([]);
      const answeredOk = answers.filter((a) => a.status === 200).length;
      // Every 200 is a record. With stalls beyond the margin an attempt can be recorded after its answer was given up
      // on (no answer in time, maybe recorded) and the caller then told 429 to retry (docs/reliability.md "Guarantees"): more
      // records than 200s, never fewer.
      if (delayMaxMs < marginMs) expect(recorded).toBe(answeredOk);
      else expect(recorded).toBeGreaterThanOrEqual(answeredOk);
      for (const a of parkedByQuota) expect(a.code).toBe('Accepted.Queued');
      for (const a of refusedByQuota) {
        expect(a.code).toBe('RequestLimitExceeded');
        if (a.retryAfter !== undefined) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(answers.every((a) => a.status === 200 || a.status === 202 || a.status === 429)).toBe(true);
    },
  );
});
