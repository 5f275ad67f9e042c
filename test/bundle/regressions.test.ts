/**
 * One regression test per item of the reliability review (the item number is in each name), through the BUILT bundle against the
 * emulator over loopback, with a real redis-server where the item is about Redis (those items alone are skipped
 * without redis-server). Items 4 and 14 and the probe
 * have their own files (fault-matrix, server-limits, probe); item 7 (the pacer) belongs to another branch.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, ROOT } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { NO_CREDENTIALS, withEnv } from '../support/env';
import { captureStdout } from '../support/logs';
import { rawCommand, startRedisServer, type RedisServer, describeWithRedis, redisServerBinary } from '../support/redis-server';
import type { TroubleReport } from '../../lib/report';
import { distinctReport } from '../support/fixtures';

const { emulator, credential } = useEmulator({ LOG_LEVEL: 'info' });
let redis: RedisServer;
beforeAll(async () => {
  // Without redis-server the suites below are skipped (describeWithRedis; one notice for the run): nothing to start.
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
}, 20_000);
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await redis.stop();
});

const TEMPLATE = JSON.parse(readFileSync(path.join(ROOT, 'events', 'function-url-post-json.json'), 'utf8')) as Record<string, unknown>;

const report = (label: string): TroubleReport => distinctReport(label);

const http = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Record<string, unknown> => ({
  ...TEMPLATE,
  headers,
  body,
});
const ckafka = (messages: readonly unknown[]): unknown => ({ Records: messages });
const kafkaMessage = (body: unknown, offset: number, topic = 'trouble'): unknown => ({
  Ckafka: { topic, partition: 0, offset, msgKey: 'None', msgBody: typeof body === 'string' ? body : JSON.stringify(body) },
});

interface Run {
  readonly value?: unknown;
  readonly error?: unknown;
  readonly lines: Record<string, unknown>[];
  readonly raw: string[];
  readonly ms: number;
}

async function invoke(event: unknown, env: Record<string, string | undefined> = {}, timeLimitMs = 5000): Promise<Run> {
  const restore = withEnv(env);
  try {
    const { main_handler } = loadBundle();
    const started = performance.now();
    const run = await captureStdout(() => main_handler(event, { request_id: `reg-${randomUUID()}`, time_limit_in_ms: timeLimitMs }));
    const ms = performance.now() - started;
    return { ...run, raw: run.lines, lines: run.lines.map((l) => JSON.parse(l) as Record<string, unknown>), ms };
  } finally {
    restore();
  }
}

type Summary = {
  sent: number;
  skipped: number;
  failed: number;
  total: number;
  omitted?: number;
  records: { index: number; status: string; error?: { code: string; message: string } }[];
};

function summaryOf(run: Run): Summary {
  if (run.error !== undefined) return (run.error as { summary: Summary }).summary;
  return run.value as Summary;
}

function body(run: Run): { statusCode: number; envelope: { Response: { RequestId: string; Error?: { Code: string; Message: string } } } } {
  const response = run.value as { statusCode: number; body: string };
  return {
    statusCode: response.statusCode,
    envelope: JSON.parse(response.body) as { Response: { RequestId: string; Error?: { Code: string; Message: string } } },
  };
}

describe('reliability: reports that were lost', () => {
  it('1. no credentials in a batch: every record retryable, the batch throws, one error line names the variable', async () => {
    const event = ckafka([kafkaMessage(report('no creds a'), 1), kafkaMessage(report('no creds b'), 2)]);
    const run = await invoke(event, { ...NO_CREDENTIALS });
    expect((run.error as Error).name).toBe('BatchIncompleteError');
    expect((run.error as Error).message).toMatch(/TENCENTCLOUD_SECRETID/);
    expect(summaryOf(run)).toMatchObject({ total: 2, sent: 0, skipped: 0, failed: 2 });
    const errors = run.lines.filter((l) => l['level'] === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: 'invocation', code: 'InternalError.Configuration' });
    expect(String(errors[0]?.['fix'])).toMatch(/TENCENTCLOUD_SECRETID/);
    expect(emulator.calls).toHaveLength(0);
  });

  it('1. half-set credentials in a batch: the same, naming the missing half', async () => {
    const run = await invoke(ckafka([kafkaMessage(report('half'), 1)]), { TENCENTCLOUD_SECRETKEY: undefined });
    expect((run.error as Error).message).toMatch(/TENCENTCLOUD_SECRETKEY is not set/);
    expect(summaryOf(run).failed).toBe(1);
  });

  it('1. a direct invocation without credentials throws (the platform retries an asynchronous one)', async () => {
    const run = await invoke({ ...report('direct no creds') }, { ...NO_CREDENTIALS });
    expect(run.error).toBeInstanceOf(Error);
    expect(JSON.parse((run.error as Error).message)).toMatchObject({ Response: { Error: { Code: 'InternalError.Configuration' } } });
  });

  it("3. null, a string and another service's record in Records are poison; the valid records are sent", async () => {
    const cos = { cos: { cosBucket: { name: 'b' } }, event: { eventName: 'cos:ObjectCreated:Put' } };
    const run = await invoke(ckafka([kafkaMessage(report('valid 0'), 10), null, 'text', cos, kafkaMessage(report('valid 4'), 14)]));
    expect(run.error).toBeUndefined();
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ total: 5, sent: 2, skipped: 3, failed: 0 });
    expect(summary.records.map((r) => r.status)).toEqual(['sent', 'skipped', 'skipped', 'skipped', 'sent']);
    expect(summary.records[1]?.error?.message).toMatch(/Records\[1\] is not a CKafka message/);
    expect(emulator.created).toHaveLength(2);
  });
});

describe('reliability: answers too late, too big or wrong', () => {
  it.each([
    ['requestContext a string', (b: string) => ({ ...TEMPLATE, requestContext: 'ctx', body: b })],
    ['requestContext {}', (b: string) => ({ ...TEMPLATE, requestContext: {}, body: b })],
    ["another platform's requestContext", (b: string) => ({ ...TEMPLATE, requestContext: { platform: 'knative' }, body: b })],
    ['resource without AWS context', (b: string) => ({ ...TEMPLATE, resource: '/r', body: b })],
    [
      'requestContext.http.method without version',
      (b: string) => ({ headers: { 'content-type': 'application/json' }, requestContext: { http: { method: 'POST' } }, body: b }),
    ],
  ])('8. an HTTP-shaped event (%s) gets an HTTP answer', async (_name, make) => {
    const run = await invoke(make(JSON.stringify(report('http shaped'))));
    expect(run.error).toBeUndefined();
    expect(body(run).statusCode).toBe(200);
    expect(emulator.created).toHaveLength(1);
  });

  it.each(['redis://127.0.0.1:99999', 'redis://:%zz@127.0.0.1:6379', 'redis://127.0.0.1/notanumber'])(
    '9. a malformed REDIS_URL (%s) is a configuration error naming it, for HTTP too',
    async (url) => {
      const run = await invoke(http(JSON.stringify(report('bad redis url'))), { REDIS_URL: url });
      expect(run.error).toBeUndefined();
      const { statusCode, envelope } = body(run);
      expect(statusCode).toBe(500);
      expect(envelope.Response.Error?.Code).toBe('InternalError.Configuration');
      expect(envelope.Response.Error?.Message).toMatch(/REDIS_URL/);
      expect(JSON.stringify(run.value)).not.toMatch(/\n\s+at /);
      expect(emulator.calls).toHaveLength(0);
    },
  );

  it('10. an upstream message that echoes the session token is masked in the HTTP answer and the batch summary', async () => {
    const token = credential.token ?? '';
    expect(token.length).toBeGreaterThan(8);
    emulator.inject({ kind: 'api-error', code: 'FailedOperation', message: `proxy says: your token ${token} is odd` }, 1);
    const run = await invoke(http(JSON.stringify(report('echo'))));
    expect(body(run).envelope.Response.Error?.Message).toContain('[REDACTED]');
    expect(run.value === undefined ? '' : JSON.stringify(run.value)).not.toContain(token);
    emulator.inject({ kind: 'api-error', code: 'FailedOperation', message: `proxy says: your token ${token} is odd` }, 1);
    const batch = await invoke(ckafka([kafkaMessage(report('echo batch'), 5)]));
    expect(JSON.stringify(summaryOf(batch))).not.toContain(token);
    expect(String((batch.error as Error | undefined)?.message ?? '')).not.toContain(token);
  });

  it('11. a 64 KiB form of unknown parameters gets an error answer of bounded size', async () => {
    const form = Array.from({ length: 4000 }, (_, i) => `Unknown${i}=x`)
      .join('&')
      .slice(0, 64 * 1024 - 1);
    const run = await invoke(http(form, { 'content-type': 'application/x-www-form-urlencoded' }));
    const { statusCode } = body(run);
    expect(statusCode).toBe(400);
    expect(JSON.stringify(run.value).length).toBeLessThan(2048);
  });

  it('11. a summary of 10,000 records with two 1 MB poison messages stays under 1 MB; every log line is capped', async () => {
    const huge = `{"TroubleMsg":"${'x'.repeat(1024 * 1024)}"`; // not JSON: poison, with a 1 MB body
    const messages = Array.from({ length: 10_000 }, (_, i) =>
      kafkaMessage(i === 3 || i === 9000 ? huge : `not json ${'y'.repeat(200)} ${i}`, i, `t-${'z'.repeat(300)}`),
    );
    const run = await invoke(ckafka(messages), { LOG_LEVEL: 'warn' }, 30_000);
    expect(run.error).toBeUndefined();
    const summary = summaryOf(run);
    expect(summary).toMatchObject({ total: 10_000, skipped: 10_000, sent: 0, failed: 0 });
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(1024 * 1024);
    expect((summary.omitted ?? 0) + summary.records.length).toBe(10_000);
    for (const line of run.raw) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(16 * 1024);
  }, 60_000);

  it('12. AUTH_TOKEN with white space is refused at configuration (500 naming it), not a 401 for everyone', async () => {
    const run = await invoke(http(JSON.stringify(report('auth token'))), { AUTH_TOKEN: 'a token with spaces inside' });
    expect(body(run).statusCode).toBe(500);
    expect(body(run).envelope.Response.Error?.Message).toMatch(/AUTH_TOKEN/);
  });

  it('13. a repeated JSON key is an error naming the field, as in a form', async () => {
    const text = JSON.stringify(report('repeated')).replace('"RoomId":"1587879309"', '"RoomId":"1","RoomId":"2"');
    const run = await invoke(http(text));
    const { statusCode, envelope } = body(run);
    expect(statusCode).toBe(400);
    expect(envelope.Response.Error?.Message).toMatch(/RoomId was given 2 times/);
    expect(emulator.calls).toHaveLength(0);
  });

  it('15. a configuration failure is logged at error with its message, even with LOG_LEVEL=warn', async () => {
    const run = await invoke(http(JSON.stringify(report('no role'))), { ...NO_CREDENTIALS, LOG_LEVEL: 'warn' });
    expect(body(run).statusCode).toBe(500);
    const line = run.lines.find((l) => l['msg'] === 'invocation');
    expect(line).toMatchObject({ level: 'error', code: 'InternalError.Configuration' });
    expect(String(line?.['message'])).toMatch(/run role/);
  });
});

describe('reliability: batches and permanent upstream errors', () => {
  it.each(['ActionOffline', 'InvalidAction', 'AuthFailure.UnauthorizedOperation'])(
    '%s: the CKafka batch throws (kept for redelivery) and one error line names the fix',
    async (code) => {
      emulator.inject({ kind: 'api-error', code }, 1);
      const run = await invoke(ckafka([kafkaMessage(report(`permanent ${code}`), 1)]));
      expect((run.error as Error).name).toBe('BatchIncompleteError');
      expect((run.error as Error).message).toMatch(/Fix the deployment/);
      const errors = run.lines.filter((l) => l['level'] === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ msg: 'invocation', code });
      expect(String(errors[0]?.['fix'])).toMatch(code.startsWith('Auth') ? /CAM/ : /not available/);
    },
  );
});

// Only these items use Redis: without redis-server they are skipped (one notice for the run), the rest still runs.
describeWithRedis('reliability with a real redis-server', () => {
  it('2. a CKafka offset reused for a different report (re-created topic) is recorded, not skipped as IdempotencyKeyReused', async () => {
    const first = await invoke(ckafka([kafkaMessage(report('offset first'), 77, 'recreated')]), { REDIS_URL: redis.url });
    expect(summaryOf(first)).toMatchObject({ sent: 1, skipped: 0 });
    const second = await invoke(ckafka([kafkaMessage(report('offset second'), 77, 'recreated')]), { REDIS_URL: redis.url });
    expect(summaryOf(second)).toMatchObject({ sent: 1, skipped: 0, failed: 0 });
    expect(emulator.created).toHaveLength(2);
    // The same message again is a replay.
    const again = await invoke(ckafka([kafkaMessage(report('offset first'), 77, 'recreated')]), { REDIS_URL: redis.url });
    expect(summaryOf(again)).toMatchObject({ sent: 1 });
  });

  it('2. EventBridge events with the same id from different sources are different messages', async () => {
    const a = { specversion: '1.0', id: 'same-id', source: 'app.one', type: 't', data: report('eb one') };
    const b = { specversion: '1.0', id: 'same-id', source: 'app.two', type: 't', data: report('eb two') };
    const run = await invoke({ EventList: [a, b] }, { REDIS_URL: redis.url });
    expect(summaryOf(run)).toMatchObject({ sent: 2, skipped: 0, failed: 0 });
    expect(emulator.created).toHaveLength(2);
  });

  it('5. TRTC accepted but Redis refuses the result: retried, then held, logged at error; a redelivery is not sent', async () => {
    const event = http(JSON.stringify(report('store refuses')));
    emulator.inject({ kind: 'delay', ms: 300 });
    const before = emulator.calls.length;
    const flip = (async () => {
      while (emulator.calls.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
      await rawCommand(redis.port, 'CONFIG SET maxmemory 1');
    })();
    try {
      const run = await invoke(event, { REDIS_URL: redis.url });
      await flip;
      expect(body(run).statusCode).toBe(200);
      const line = run.lines.find((l) => l['msg'] === 'report recorded but not remembered');
      expect(line).toMatchObject({ level: 'error', held: true, store: 'redis' });
      const redelivered = await invoke(event, { REDIS_URL: redis.url });
      expect(body(redelivered).statusCode).toBe(409);
      expect(emulator.created).toHaveLength(1);
    } finally {
      await rawCommand(redis.port, 'CONFIG SET maxmemory 0');
    }
  });

  it("6. with Redis hanging, the answer comes before time_limit_in_ms even when that is shorter than Redis's 1 s timeout", async () => {
    await invoke(http(JSON.stringify(report('warm'))), { REDIS_URL: redis.url }); // connected
    redis.pause();
    try {
      const run = await invoke(http(JSON.stringify(report('redis hangs'))), { REDIS_URL: redis.url, DEADLINE_MARGIN_MS: '100' }, 800);
      expect(run.ms).toBeLessThan(800);
      expect(body(run).statusCode).toBe(503);
      expect(body(run).envelope.Response.Error?.Code).toBe('ServiceUnavailable.IdempotencyStore');
    } finally {
      redis.resume();
    }
  });
});
