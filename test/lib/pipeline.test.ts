/**
 * lib/pipeline.ts: checkReport (validation, the SdkAppId allow-list, credentials; no I/O) and submitReport (check,
 * then send once per key) with the in-memory idempotency store and the TRTC emulator over loopback. Nothing reaches
 * TRTC unless every check passed; an upstream message that echoes a secret is masked.
 */
import { describe, expect, it } from 'vitest';
import { prepareInvocation, type Invocation } from '../../lib/invocation';
import { MemoryIdempotencyStore } from '../../lib/idempotency/memory';
import { checkReport, submitReport } from '../../lib/pipeline';
import { useEmulator } from '../support/emulated';
import { BASE, distinctReport } from '../support/fixtures';

const { emulator, credential } = useEmulator();

/** An invocation against the emulator (the environment useEmulator set) with a fresh memory store. */
function invocation(extraEnv: Record<string, string | undefined> = {}): Invocation {
  const prepared = prepareInvocation(
    { request_id: 'pipeline-test', time_limit_in_ms: 10_000 },
    { env: { ...process.env, ...extraEnv }, idempotency: new MemoryIdempotencyStore(), write: () => undefined },
  );
  if (!prepared.ok) throw new Error(prepared.errors.join('; '));
  return prepared.inv;
}

describe('checkReport', () => {
  it('a valid report passes as the validated report', () => {
    expect(checkReport({ ...BASE, TroubleType: '1' }, invocation())).toEqual({ ok: true, report: BASE });
  });

  it('invalid parameters: 400 naming each field', () => {
    const checked = checkReport({ ...BASE, RoomId: '', TroubleType: 'x' }, invocation());
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.outcome.ok || checked.outcome.failure).toMatchObject({ status: 400, retryable: false });
    expect(checked.outcome.ok || checked.outcome.failure.message).toMatch(/RoomId[\s\S]*TroubleType/);
  });

  it('an SdkAppId outside ALLOWED_SDK_APP_IDS: 403 naming it', () => {
    const checked = checkReport(BASE, invocation({ ALLOWED_SDK_APP_IDS: '1400000001' }));
    expect(!checked.ok && !checked.outcome.ok && checked.outcome.failure).toMatchObject({ status: 403, message: expect.stringContaining(BASE.SdkAppId) });
    expect(checkReport(BASE, invocation({ ALLOWED_SDK_APP_IDS: `1400000001,${BASE.SdkAppId}` })).ok).toBe(true);
  });

  it('no credentials: a configuration failure saying how to give them', () => {
    const checked = checkReport(
      BASE,
      invocation({ TENCENTCLOUD_SECRETID: undefined, TENCENTCLOUD_SECRETKEY: undefined, TENCENTCLOUD_SESSIONTOKEN: undefined }),
    );
    expect(!checked.ok && !checked.outcome.ok && checked.outcome.failure).toMatchObject({ status: 500, code: 'InternalError.Configuration', needsFix: true });
  });
});

describe('submitReport', () => {
  it("records the report in TRTC and answers TRTC's RequestId", async () => {
    const report = distinctReport('pipeline-send');
    const outcome = await submitReport({ ...report }, invocation());
    expect(outcome).toMatchObject({ ok: true, requestId: emulator.created[0]?.RequestId });
    expect(emulator.calls.map((c) => c.params)).toEqual([report]);
  });

  it('the same report again is replayed from the store, not sent again', async () => {
    const inv = invocation();
    const report = distinctReport('pipeline-replay');
    const first = await submitReport({ ...report }, inv);
    const second = await submitReport({ ...report }, inv);
    expect(second).toMatchObject({ ok: true, replayed: true, requestId: first.ok ? first.requestId : 'x' });
    expect(emulator.calls).toHaveLength(1);
  });

  it("a caller's key used for a different report: 422, not sent", async () => {
    const inv = invocation();
    await submitReport({ ...distinctReport('pipeline-key-a') }, inv, { key: 'caller-key-1' });
    const reused = await submitReport({ ...distinctReport('pipeline-key-b') }, inv, { key: 'caller-key-1' });
    expect(!reused.ok && reused.failure).toMatchObject({ status: 422, code: 'InvalidParameter.IdempotencyKeyReused' });
    expect(emulator.calls).toHaveLength(1);
  });

  it('an invalid report sends nothing', async () => {
    const outcome = await submitReport({ ...BASE, TroubleType: 0 }, invocation());
    expect(!outcome.ok && outcome.failure.status).toBe(400);
    expect(emulator.calls).toEqual([]);
  });

  it("TRTC's refusal is answered with its code and RequestId, a secret it echoes masked", async () => {
    const token = credential.token;
    if (token === undefined) throw new Error('the emulator credential has a token');
    emulator.inject({ kind: 'api-error', code: 'InvalidParameter.RoomId', message: `bad room for ${token}` });
    const outcome = await submitReport({ ...distinctReport('pipeline-refused') }, invocation());
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure).toMatchObject({ code: 'InvalidParameter.RoomId', upstreamRequestId: emulator.calls[0]?.requestId });
    expect(outcome.failure.message).not.toContain(token);
    expect(outcome.failure.message).toContain('[REDACTED]');
  });

  it('idempotency off (IDEMPOTENCY_TTL_SECONDS=0): the same report is sent each time', async () => {
    const prepared = prepareInvocation(
      { request_id: 'p', time_limit_in_ms: 10_000 },
      { env: { ...process.env, IDEMPOTENCY_TTL_SECONDS: '0' }, write: () => undefined },
    );
    if (!prepared.ok) throw new Error(prepared.errors.join('; '));
    expect(prepared.inv.idempotency).toBeUndefined();
    const report = distinctReport('pipeline-no-store');
    await submitReport({ ...report }, prepared.inv);
    await submitReport({ ...report }, prepared.inv);
    expect(emulator.calls).toHaveLength(2);
  });
});
