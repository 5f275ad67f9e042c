/**
 * A burst is parked, not refused (about 2 minutes; `npm run test:slow`): 2,000 distinct reports offered in 10 s to
 * 8 processes running the built bundle (6 answering Function URL events, 2 consuming CKafka batches), sharing one
 * redis-server and one upstream that enforces TRTC's 20 per one-second window. Each report either gets a slot in
 * time (200) or is parked (202 Accepted.Queued / batch record `parked`); none is refused. Then Timer invocations of
 * the bundle drain the parked reports at the quota's pace: every report is recorded exactly once, none is lost (the
 * dead-letter store is empty), and the figures are printed.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { startRateLimitedUpstream, type RateLimitedUpstream } from '../../tools/bench/rate-limited-upstream';
import { deadLetters } from '../../tools/cli/dead-letters';
import { BUNDLE, loadBundle, ROOT } from '../support/bundle';
import { FUNCTION_VARIABLES_UNSET } from '../support/emulated';
import { withEnv } from '../support/env';
import { describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../support/redis-server';

interface Answer {
  status: number;
  code?: string;
  ms: number;
}

const PROCESSES = 8;
const PER_PROCESS_PER_SECOND = 25;
const SECONDS = 10;
const LIMIT_MS = 3000;
/** One Timer invocation's time limit (SCF allows up to 900 s for an event function). */
const TIMER_LIMIT_MS = 180_000;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let upstream: RateLimitedUpstream;
let redis: RedisServer;

beforeAll(async () => {
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

function functionEnv(): Record<string, string> {
  return {
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
    TRTC_ENDPOINT: upstream.url,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'error',
    BATCH_CONCURRENCY: '5',
  };
}

function instance(mode: 'http' | 'batch', tag: string, startAt: number): Promise<Answer[]> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ...functionEnv() };
  for (const name of Object.keys(FUNCTION_VARIABLES_UNSET)) if (!(name in env)) delete env[name];
  const script = path.join(ROOT, 'test', 'support', 'quota-instance.cjs');
  const args = [script, BUNDLE, mode, String(PER_PROCESS_PER_SECOND), String(SECONDS), String(LIMIT_MS), tag, String(startAt)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${tag} failed: ${error.message} ${stderr.slice(0, 500)}`));
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`${tag} printed no result: ${stderr.slice(0, 500)}`));
      resolve((JSON.parse(line.slice(7)) as { answers: Answer[] }).answers);
    });
  });
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[item] = (out[item] ?? 0) + 1;
  return out;
}

describeWithRedis('a burst of 2,000 reports is parked, not refused, and drained: each recorded exactly once', () => {
  it('8 processes, 2,000 reports in 10 s, one Redis, one 20/s upstream', async () => {
    const startAt = Math.ceil(Date.now() / 1000) * 1000 + 2000;
    const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => instance(i < 6 ? 'http' : 'batch', `burst${i}-`, startAt)));
    const answers = runs.flat();
    const ok = answers.filter((a) => a.status === 200).length;
    const parked = answers.filter((a) => a.status === 202).length;
    const refused = answers.filter((a) => a.status !== 200 && a.status !== 202);
    const recordedDuringBurst = emulator.created.length;

    const restore = withEnv({ ...FUNCTION_VARIABLES_UNSET, ...functionEnv(), BATCH_CONCURRENCY: '4' });
    const drainStarted = Date.now();
    const drains: unknown[] = [];
    try {
      const { main_handler } = loadBundle({ fresh: true });
      // Timer invocations until nothing waits (one is enough when its time limit covers the drain).
      for (let i = 0; i < 5; i += 1) {
        const result = (await main_handler(
          { Type: 'Timer', TriggerName: 'drain', Time: new Date().toISOString(), Message: '' },
          { request_id: `drain-${i}`, time_limit_in_ms: TIMER_LIMIT_MS },
        )) as { Drain?: { stopped: string } };
        drains.push(result.Drain);
        if (result.Drain?.stopped === 'empty') break;
      }
    } finally {
      restore();
    }
    const drainMs = Date.now() - drainStarted;
    let listed = '';
    await deadLetters(['list', '--json'], { ...process.env, REDIS_URL: redis.url }, (t) => (listed += t));
    const left = JSON.parse(listed) as { waiting: unknown[]; givenUp: unknown[] };

    const messages = emulator.created.map((c) => c.TroubleMsg);
    const distinct = new Set(messages);
    process.stderr.write(
      `burst: offered ${answers.length} in ${SECONDS} s to ${PROCESSES} processes; 200 at once ${ok}, parked ${parked}, refused ${refused.length} ${JSON.stringify(countBy(refused.map((a) => `${a.status} ${a.code ?? ''}`)))}; ` +
        `recorded during the burst ${recordedDuringBurst}; drained in ${(drainMs / 1000).toFixed(1)} s (${((messages.length - recordedDuringBurst) / (drainMs / 1000)).toFixed(2)}/s) by ${drains.length} Timer invocation(s) ${JSON.stringify(drains)}; ` +
        `recorded ${messages.length} (distinct ${distinct.size}); RequestLimitExceeded from TRTC ${upstream.refused()}; left waiting ${left.waiting.length}, given up ${left.givenUp.length}; ` +
        `slowest answer ${Math.max(...answers.map((a) => a.ms))} ms of ${LIMIT_MS}\n`,
    );
    expect(answers.length).toBe(PROCESSES * PER_PROCESS_PER_SECOND * SECONDS);
    expect(refused).toEqual([]);
    expect(parked).toBeGreaterThan(0);
    expect(messages.length, 'every report recorded').toBe(answers.length);
    expect(distinct.size, 'each exactly once').toBe(messages.length);
    expect(left).toEqual({ waiting: [], givenUp: [] });
    expect(Math.max(...Array.from(upstream.accepted.values()))).toBeLessThanOrEqual(20);
  });
});
