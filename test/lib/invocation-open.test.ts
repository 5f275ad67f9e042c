/**
 * lib/invocation.ts: prepareInvocation builds what one invocation needs. An invalid configuration is reported with
 * every bad variable (and the invocation still usable for the answer); every secret is masked in logs and answers;
 * the client and the idempotency store are shared across invocations of one configuration.
 */
import { describe, expect, it } from 'vitest';
import { queued, badRequest } from '../../lib/failures';
import {
  configurationOutcome,
  logInvocation,
  openInvocation,
  outcomeName,
  prepareInvocation,
  sharedClient,
  sharedIdempotencyStore,
  traceIdOfInvocation,
} from '../../lib/invocation';
import { failed, type Outcome } from '../../lib/outcome';
import { RecordingClient, TEST_ENV } from '../support/fixtures';

function prepare(env: Record<string, string | undefined>, lines: string[] = []): ReturnType<typeof prepareInvocation> {
  return prepareInvocation({ request_id: 'inv-1', time_limit_in_ms: 10_000 }, { env, client: new RecordingClient(), write: (l) => lines.push(l) });
}

describe('prepareInvocation', () => {
  it('takes the id from the context, or makes one', () => {
    expect(prepare(TEST_ENV).inv.id).toBe('inv-1');
    const made = prepareInvocation({ request_id: '' }, { env: TEST_ENV, client: new RecordingClient() });
    expect(made.inv.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an invalid configuration: not ok, every bad variable named, the invocation still usable', () => {
    const prepared = prepare({ ...TEST_ENV, TRTC_RATE_PER_SECOND: 'fast', LOG_LEVEL: 'loud' });
    expect(prepared.ok).toBe(false);
    if (prepared.ok) return;
    expect(prepared.errors.join('\n')).toMatch(/TRTC_RATE_PER_SECOND/);
    expect(prepared.errors.join('\n')).toMatch(/LOG_LEVEL/);
    expect(prepared.inv.idempotency).toBeUndefined();
    expect(prepared.inv.deadLetters.kind).toBe('log');
    const outcome = configurationOutcome(prepared.errors);
    expect(!outcome.ok && outcome.failure).toMatchObject({ status: 500, code: 'InternalError.Configuration' });
    expect(!outcome.ok && outcome.failure.message).toMatch(/^invalid configuration: .*TRTC_RATE_PER_SECOND/);
  });

  it('masks the credentials, AUTH_TOKEN and the Redis password in answers and in log lines', () => {
    const lines: string[] = [];
    const env = { ...TEST_ENV, AUTH_TOKEN: 'auth-token-0123456789abcdef', REDIS_URL: 'redis://:redis%2Fpassword-1234@127.0.0.1:1/0' };
    const { inv } = prepare(env, lines);
    const secrets = [
      TEST_ENV['TENCENTCLOUD_SECRETKEY'] ?? '',
      TEST_ENV['TENCENTCLOUD_SESSIONTOKEN'] ?? '',
      'auth-token-0123456789abcdef',
      'redis/password-1234',
      'redis%2Fpassword-1234',
    ];
    const text = secrets.join(' | ');
    const masked = inv.mask(text);
    for (const secret of secrets) expect(masked).not.toContain(secret);
    inv.log.warn('echo', { detail: text });
    expect(lines).toHaveLength(1);
    for (const secret of secrets) expect(lines[0]).not.toContain(secret);
    expect(inv.mask('nothing secret')).toBe('nothing secret');
  });

  it('reuses the idempotency store across invocations of one configuration; none when idempotency is off', () => {
    const env = { ...TEST_ENV, IDEMPOTENCY_TTL_SECONDS: '60' };
    const first = prepare(env).inv.idempotency;
    expect(first?.kind).toBe('memory');
    expect(prepare(env).inv.idempotency).toBe(first);
    const resized = prepare({ ...env, IDEMPOTENCY_CACHE_SIZE: '5' }).inv.idempotency;
    expect(resized).toBeDefined();
    expect(resized).not.toBe(first);
    expect(prepare({ ...env, IDEMPOTENCY_TTL_SECONDS: '0' }).inv.idempotency).toBeUndefined();
  });

  it('uses a store or client it is given instead of the shared ones', () => {
    const client = new RecordingClient();
    const prepared = prepareInvocation(undefined, { env: { ...TEST_ENV, IDEMPOTENCY_TTL_SECONDS: '60' }, client, source: 'ckafka', traceId: 'a'.repeat(32) });
    expect(prepared.inv.client).toBe(client);
    expect(prepared.inv.source).toBe('ckafka');
    expect(traceIdOfInvocation(prepared.inv)).toBe('a'.repeat(32));
    expect(traceIdOfInvocation({ id: 'inv-9' })).toBe('inv-9');
  });
});

describe('sharedClient and sharedIdempotencyStore', () => {
  it('one client per configuration', () => {
    const config = { endpoint: { protocol: 'http://' as const, host: '127.0.0.1:1' }, region: 'ap-guangzhou', trtcRatePerSecond: 0 };
    const client = sharedClient(config);
    expect(sharedClient({ ...config })).toBe(client);
    expect(sharedClient({ ...config, region: 'ap-beijing' })).not.toBe(client);
  });

  it('no store when the TTL is 0', () => {
    const { inv } = prepare(TEST_ENV);
    expect(sharedIdempotencyStore({ ...inv.config, idempotencyTtlSeconds: 0 })).toBeUndefined();
  });
});

describe('outcomeName and logInvocation', () => {
  it.each([
    [{ ok: true, requestId: 'r', attempts: 1 } as Outcome, 'sent'],
    [{ ok: true, requestId: 'r', attempts: 0, replayed: true } as Outcome, 'replayed'],
    [failed(queued('k')), 'parked'],
    [failed(badRequest('x')), 'rejected'],
    [failed({ status: 502, code: 'InternalError', message: 'm', retryable: true }), 'failed'],
    [undefined, 'none'],
  ])('%j → %s', (outcome, name) => {
    expect(outcomeName(outcome)).toBe(name);
  });

  it('one line per invocation: error for a retryable failure with its masked message, info otherwise', () => {
    const lines: string[] = [];
    const { inv } = prepare(TEST_ENV, lines);
    logInvocation(
      inv,
      'http',
      failed({ status: 502, code: 'InternalError', message: `upstream said ${TEST_ENV['TENCENTCLOUD_SECRETKEY'] ?? ''}`, retryable: true }),
      Date.now(),
      {
        http_request_id: 'h-1',
      },
    );
    logInvocation(inv, 'http', { ok: true, requestId: 'trtc-1', attempts: 1 }, Date.now());
    const [failure, success] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failure).toMatchObject({
      level: 'error',
      msg: 'invocation',
      source: 'http',
      outcome: 'failed',
      status: 502,
      code: 'InternalError',
      http_request_id: 'h-1',
    });
    expect(String(failure?.['message'])).not.toContain(TEST_ENV['TENCENTCLOUD_SECRETKEY']);
    expect(success).toMatchObject({ level: 'info', outcome: 'sent', status: 200, upstream_request_id: 'trtc-1', attempts: 1 });
  });

  it('openInvocation: the configuration failure when the configuration is invalid, and its line names the fields', () => {
    const lines: string[] = [];
    const opened = openInvocation(
      { request_id: 'o-1' },
      'direct',
      { env: { ...TEST_ENV, LOG_LEVEL: 'loud' }, startedAt: Date.now(), write: (l) => lines.push(l), client: new RecordingClient() },
      { a: 1 },
    );
    expect(opened.ok).toBe(false);
    if (opened.ok) return;
    opened.finish(opened.misconfigured, { b: 2 });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ source: 'direct', status: 500, a: 1, b: 2, message: expect.stringContaining('LOG_LEVEL') });
  });
});
