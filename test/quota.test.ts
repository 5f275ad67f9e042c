/**
 * One quota for every instance (issue 9): 8 processes running the built bundle (6 answering Function URL events,
 * 2 consuming CKafka batches), together offering 40 reports per second for 10 s, share one Redis rate limiter
 * (TRTC_RATE_PER_SECOND, default 19.2) in front of an upstream that enforces TRTC's 20 per one-second window.
 * Proof: at most 20 accepted in every window, no RequestLimitExceeded from the upstream, at least 19 per second
 * recorded, every answer before its limit (the excess gets 429 with Retry-After from the limiter, nothing sent).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../lib/dev/emulator';
import { BUNDLE, ROOT } from './support/bundle';
import { FUNCTION_VARIABLES_UNSET } from './support/emulated';
import { startRateLimitedUpstream, type RateLimitedUpstream } from './support/rate-limited-upstream';
import { startRedisServer, type RedisServer } from './support/redis-server';

interface Answer {
  status: number;
  code?: string;
  retryAfter?: string;
  ms: number;
}

const PROCESSES = 8;
const PER_PROCESS_PER_SECOND = 5;
const SECONDS = 10;
const LIMIT_MS = 3000;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let upstream: RateLimitedUpstream;
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
  upstream = await startRateLimitedUpstream(await emulator.start(), 20);
});
afterAll(async () => {
  await upstream.stop();
  await emulator.stop();
  await redis.stop();
});

function instance(mode: 'http' | 'batch', tag: string, startAt: number): Promise<{ tag: string; answers: Answer[]; logged: Record<string, number> }> {
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
      resolve(JSON.parse(line.slice(7)) as { tag: string; answers: Answer[]; logged: Record<string, number> });
    });
  });
}

describe('one quota for every instance (REDIS_URL)', () => {
  it(`${PROCESSES} processes offering ${PROCESSES * PER_PROCESS_PER_SECOND}/s for ${SECONDS} s stay under 20 per window, ≥ 19/s recorded, all in time`, { timeout: 90_000 }, async () => {
    // All start together, on a whole second, once every process had time to load the bundle.
    const startAt = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => instance(i < 6 ? 'http' : 'batch', `p${i}`, startAt)));
    const answers = runs.flatMap((r) => r.answers);
    const windows = [...upstream.accepted.entries()].sort((a, b) => a[0] - b[0]);
    const counts = windows.map(([, c]) => c);
    // The full windows: all but the first and the last, which the run only partly covers.
    const full = counts.slice(1, -1);
    const perSecond = full.reduce((a, b) => a + b, 0) / full.length;
    const recorded = emulator.calls.filter((c) => c.outcome === 'ok').length;
    const refusedByQuota = answers.filter((a) => a.status === 429);
    const late = answers.filter((a) => a.ms >= LIMIT_MS);
    process.stderr.write(
      `quota proof: offered ${answers.length}, recorded ${recorded}, per window ${counts.join(' ')} (full windows: ${perSecond.toFixed(2)}/s), ` +
        `429 from the quota ${refusedByQuota.length}, RequestLimitExceeded from TRTC ${upstream.refused()}, slowest answer ${Math.max(...answers.map((a) => a.ms))} ms of ${LIMIT_MS}\n`,
    );
    process.stderr.write(`logged: ${JSON.stringify(runs.map((r) => r.logged))}\n`);
    const gaps = upstream.arrivals.slice(1).map((t, i) => t - upstream.arrivals[i]!).sort((a, b) => a - b);
    process.stderr.write(`arrival gaps ms: min ${gaps[0]} p1 ${gaps[Math.floor(gaps.length / 100)]} p50 ${gaps[Math.floor(gaps.length / 2)]}; first arrivals ${upstream.arrivals.slice(0, 8).map((t) => t - upstream.arrivals[0]!).join(' ')}\n`);
    expect(answers.length).toBeGreaterThanOrEqual(PROCESSES * PER_PROCESS_PER_SECOND * (SECONDS - 1));
    expect(Math.max(...counts)).toBeLessThanOrEqual(20);
    expect(upstream.refused()).toBe(0);
    expect(perSecond).toBeGreaterThanOrEqual(19);
    expect(late).toEqual([]);
    expect(recorded).toBe(answers.filter((a) => a.status === 200).length);
    for (const a of refusedByQuota) {
      expect(a.code).toBe('RequestLimitExceeded');
      if (a.retryAfter !== undefined) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  });
});
