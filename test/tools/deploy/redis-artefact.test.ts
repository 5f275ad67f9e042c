/**
 * The artefact's two files with Redis: copied alone into a folder (no node_modules, no sources), dist/index.js
 * loads the Redis code from dist/redis.js next to it and keeps working as before the split. Each run is a new
 * Node process (a cold start) against a real redis-server and the TRTC emulator over loopback:
 * - idempotency across instances: the second cold start replays the first's RequestId without calling TRTC;
 * - the shared quota: when a schedule that another instance filled in Redis leaves no slot before the deadline, the
 *   report is parked for the Timer trigger's drain (202 Accepted.Queued with its key, the entry waiting in Redis,
 *   nothing sent), and a free schedule is advanced by the call;
 * - Redis down: the core's failure reaches dist/index.js as before: 503 ServiceUnavailable.IdempotencyStore,
 *   nothing sent, the password in no answer and no log line.
 * (That the two files share no module, so no class exists twice, is checked in test/deploy/bundle.test.ts.)
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEAD_LETTER_PREFIX } from '../../../lib/dead-letter/redis';
import { FAILURES } from '../../../lib/failures';
import { reportKey } from '../../../lib/idempotency/keys';
import type { TroubleReport } from '../../../lib/report';
import { ROOT } from '../../support/bundle';
import { useEmulator } from '../../support/emulated';
import { clearProxyEnv, describeWithRedis, freePort, startRedisServer, type RedisServer } from '../../support/redis-server';

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const QUOTA_KEY = 'trtc-quota:CreateTroubleInfo';
const { emulator } = useEmulator();
let dir: string;

beforeAll(() => {
  clearProxyEnv();
  dir = mkdtempSync(path.join(tmpdir(), 'redis-artefact-'));
  const { artifact } = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'meta.json'), 'utf8')) as { artifact: string[] };
  for (const file of artifact) copyFileSync(path.join(ROOT, file), path.join(dir, path.basename(file)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One cold start in the artefact folder: a new process sends `report` as a Function URL POST and answers. */
function coldStart(
  env: Record<string, string>,
  report: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ answer: Answer; output: string }> {
  const script = `
    const event = { httpMethod: 'POST', headers: { 'content-type': 'application/json', ...${JSON.stringify(headers)} }, body: ${JSON.stringify(JSON.stringify(report))} };
    require('./index.js').main_handler(event, { request_id: 'artefact', time_limit_in_ms: 3000 })
      .then((r) => { process.stdout.write('RESULT ' + JSON.stringify(r) + '\\n'); process.exit(0); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { cwd: dir, env: { ...process.env, NODE_PATH: '', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`the artefact failed: ${error.message} ${stderr.slice(0, 500)}`));
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line === undefined) return reject(new Error(`the artefact printed no result: ${stderr.slice(0, 500)}`));
      resolve({ answer: JSON.parse(line.slice(7)) as Answer, output: stdout + stderr });
    });
  });
}

const responseOf = (answer: Answer): { RequestId: string; Error?: { Code: string }; Key?: string } =>
  (JSON.parse(answer.body) as { Response: { RequestId: string; Error?: { Code: string }; Key?: string } }).Response;

/** A distinct valid report, as the benchmark's peers make them. */
const { report: distinct } = createRequire(import.meta.url)(path.join(ROOT, 'tools', 'bench', 'peers', 'raw-post.cjs')) as {
  report: (tag: string) => Record<string, unknown>;
};
const report = (tag: string): Record<string, unknown> => distinct(`artefact-${tag}`);

describeWithRedis('the artefact files with REDIS_URL', () => {
  let redis: RedisServer;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it('idempotency across cold starts: the second replays the first RequestId from Redis, one TRTC call', async () => {
    const sent = report('replay');
    const key = { 'Idempotency-Key': `artefact-${Date.now()}` };
    const { answer: first } = await coldStart({ REDIS_URL: redis.url, TRTC_RATE_PER_SECOND: '0' }, sent, key);
    const { answer: second } = await coldStart({ REDIS_URL: redis.url, TRTC_RATE_PER_SECOND: '0' }, sent, key);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.headers['Idempotent-Replayed']).toBe('true');
    expect(responseOf(second).RequestId).toBe(responseOf(first).RequestId);
    expect(emulator.calls).toHaveLength(1);
  });

  it('the shared quota: a schedule filled by other instances parks the report for the drain (202 Accepted.Queued, nothing sent); a free one is advanced', async () => {
    // Another instance reserved the next 60 s of slots: the theoretical arrival time of the next free slot, in µs
    // on Redis's clock.
    const [seconds, micros] = (await admin.time()) as [number | string, number | string];
    await admin.set(QUOTA_KEY, String((Number(seconds) + 60) * 1_000_000 + Number(micros)), 'PX', 120_000);
    const full = report('quota-full');
    const { answer: parked } = await coldStart({ REDIS_URL: redis.url, TRTC_RATE_PER_SECOND: '10' }, full);
    expect(parked.statusCode).toBe(FAILURES.queued.status);
    expect(parked.headers['Retry-After']).toBeUndefined();
    const key = reportKey(full as unknown as TroubleReport);
    expect(responseOf(parked)).toMatchObject({ Error: { Code: FAILURES.queued.code }, RequestId: 'artefact', Key: key });
    expect(emulator.calls).toHaveLength(0);
    // Nothing lost: the report waits in Redis for the Timer trigger's drain, whole, under its key.
    expect(await admin.zrange(`${DEAD_LETTER_PREFIX}waiting`, 0, -1)).toEqual([key]);
    expect(await admin.zcard(`${DEAD_LETTER_PREFIX}given-up`)).toBe(0);
    const entry = JSON.parse((await admin.hget(`${DEAD_LETTER_PREFIX}entries`, key)) ?? 'null') as { kind: string; report: unknown } | null;
    expect(entry).toMatchObject({ kind: 'waiting', report: full });

    await admin.del(QUOTA_KEY);
    const { answer: accepted } = await coldStart({ REDIS_URL: redis.url, TRTC_RATE_PER_SECOND: '10' }, report('quota-free'));
    expect(accepted.statusCode).toBe(200);
    expect(emulator.calls).toHaveLength(1);
    expect(await admin.exists(QUOTA_KEY)).toBe(1);
  });

  it('Redis down: 503 ServiceUnavailable.IdempotencyStore, nothing sent, the password nowhere', async () => {
    const run = await coldStart({ REDIS_URL: `redis://:s3cret-pass-word@127.0.0.1:${await freePort()}/0`, LOG_LEVEL: 'info' }, report('down'));
    expect(run.answer.statusCode).toBe(503);
    expect(responseOf(run.answer).Error?.Code).toBe('ServiceUnavailable.IdempotencyStore');
    expect(run.answer.headers['Retry-After']).toBe('1');
    expect(run.output).toContain('"msg":"idempotency store error"');
    expect(run.output).toContain('"name":"IdempotencyStoreError"');
    expect(run.output).toContain('is unreachable: connect ECONNREFUSED');
    expect(run.output + run.answer.body).not.toContain('s3cret-pass-word');
    expect(emulator.calls).toHaveLength(0);
  });
});
