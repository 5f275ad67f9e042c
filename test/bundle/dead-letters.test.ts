/**
 * Nothing lost when the platform's retries would run out: a CKafka batch whose calls fail with a permanent error
 * (the run role lacks the CAM grant) is delivered past DEAD_LETTER_AFTER_DELIVERIES through the BUILT bundle; it
 * then resolves with its records parked, `npm run dead-letters -- list` shows them, and after the fix `replay`
 * records each exactly once (a second replay and a redelivery add nothing). Against the TRTC emulator and a real
 * redis-server. Also: without Redis, the parked report is one `error` log line that `replay --from` sends.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deadLetters } from '../../tools/cli/dead-letters';
import { loadBundle } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { distinctReport } from '../support/fixtures';
import { captureStdout } from '../support/logs';
import { describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../support/redis-server';

const AFTER = 3;
const { emulator } = useEmulator({ LOG_LEVEL: 'warn', DEAD_LETTER_AFTER_DELIVERIES: String(AFTER), UPSTREAM_TIMEOUT_MS: '500' });
let redis: RedisServer;

beforeAll(async () => {
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
}, 20_000);
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await redis.stop();
});

async function cli(argv: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await deadLetters(argv, process.env, (t) => (text += t));
  return { code, text };
}

describeWithRedis('CKafka permanent error → parked → list → replay exactly once', () => {
  it('parks the records after DEAD_LETTER_AFTER_DELIVERIES failed deliveries, lists them, replays each once', async () => {
    const undo = withEnv({ REDIS_URL: redis.url });
    try {
      const reports = [1, 2, 3].map((n) => distinctReport(`permanent ${n}`, { RoomId: `dl-${n}` }));
      const event = {
        Records: reports.map((r, i) => ({ Ckafka: { topic: 'trouble', partition: 0, offset: 500 + i, msgKey: 'None', msgBody: JSON.stringify(r) } })),
      };
      emulator.inject({ kind: 'api-error', code: 'AuthFailure.UnauthorizedOperation' }, 1000);
      const { main_handler } = loadBundle({ fresh: true });
      for (let delivery = 1; delivery <= AFTER; delivery += 1) {
        const run = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 5000 }));
        expect((run.error as Error | undefined)?.name, `delivery ${delivery} is redelivered`).toBe('BatchIncompleteError');
      }
      const last = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 5000 }));
      expect(last.error).toBeUndefined();
      expect(last.value).toMatchObject({ total: 3, failed: 0, deadLettered: 3 });
      expect(emulator.created).toHaveLength(0);

      const listed = await cli(['list', '--json']);
      const { waiting, givenUp } = JSON.parse(listed.text) as { waiting: unknown[]; givenUp: { report: { TroubleMsg: string }; reason: string }[] };
      expect(waiting).toEqual([]);
      expect(givenUp.map((e) => e.report.TroubleMsg).sort()).toEqual(reports.map((r) => r.TroubleMsg).sort());
      expect(givenUp[0]!.reason).toMatch(/DEAD_LETTER_AFTER_DELIVERIES=3.*AuthFailure.UnauthorizedOperation/);
      const human = await cli(['list']);
      expect(human.text).toMatch(/waiting to drain \(0\)[\s\S]*given up \(3\)/);

      // The grant is fixed.
      emulator.clearFaults();
      const replayed = await cli(['replay', '--json']);
      expect(replayed.code).toBe(0);
      expect((JSON.parse(replayed.text) as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'recorded']);
      for (const r of reports) expect(emulator.created.filter((c) => c.TroubleMsg === r.TroubleMsg)).toHaveLength(1);
      expect(JSON.parse((await cli(['list', '--json'])).text)).toEqual({ waiting: [], givenUp: [] });

      // A late redelivery of the batch is answered from the idempotency store.
      const redelivered = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 5000 }));
      expect(redelivered.value).toMatchObject({ sent: 3, failed: 0 });
      expect(emulator.created).toHaveLength(3);
    } finally {
      undo();
    }
  }, 60_000);

  it('drop removes one entry; replay --key names one', async () => {
    const undo = withEnv({ REDIS_URL: redis.url, IDEMPOTENCY_TTL_SECONDS: '60' });
    try {
      emulator.inject({ kind: 'http-status', status: 502, afterRecording: true }, 2);
      const report = distinctReport('drop me');
      const { main_handler } = loadBundle({ fresh: true });
      const answer = (await main_handler({ ...report }, { request_id: randomUUID(), time_limit_in_ms: 5000 })) as {
        Response: { Error?: { Code: string }; Key?: string };
      };
      expect(answer.Response.Error?.Code).toBe('Accepted.DeadLettered');
      const key = answer.Response.Key!;
      expect((await cli(['replay', '--key', 'no-such-key']).catch((e: unknown) => e)) as Error).toMatchObject({ name: 'UsageError' });
      expect(await cli(['drop', '--key', key])).toMatchObject({ code: 0 });
      expect(await cli(['drop', '--key', key])).toMatchObject({ code: 1 });
    } finally {
      undo();
    }
  }, 30_000);
});

it('without Redis, a parked report is one error log line that replay --from sends', async () => {
  emulator.inject({ kind: 'no-answer', afterRecording: false }, 2);
  const report = distinctReport('log only', { TroubleMsg: `${'long message '.repeat(150)}${randomUUID()}` });
  const { main_handler } = loadBundle({ fresh: true });
  const run = await captureStdout(() => main_handler({ ...report }, { request_id: randomUUID(), time_limit_in_ms: 3000 }));
  expect(run.value).toMatchObject({ Response: { Error: { Code: 'Accepted.DeadLettered' } } });
  const parkedLines = run.lines.filter((l) => l.includes('"msg":"report parked"'));
  expect(parkedLines).toHaveLength(1);
  expect(JSON.parse(parkedLines[0]!)).toMatchObject({ level: 'error' });
  const file = path.join(tmpdir(), `parked-${randomUUID()}.log`);
  writeFileSync(file, `${run.lines.join('\n')}\n`);
  const replayed = await cli(['replay', '--from', file, '--json']);
  expect(replayed.code).toBe(0);
  expect(emulator.created.filter((c) => c.TroubleMsg === report.TroubleMsg)).toHaveLength(1);
}, 30_000);
