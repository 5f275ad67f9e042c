import { describe, expect, it } from 'vitest';
import { type UpstreamFailure } from '../../../lib/trtc/classify';
import { finalFailure, RETRY_POLICY } from '../../../lib/trtc/policy';

describe('RETRY_POLICY', () => {
  it.each([
    ['throttled', Number.POSITIVE_INFINITY],
    ['transport', 3],
    ['timeout', 3],
    ['internal', 2],
    ['signature-expired', 2],
    ['token', 2],
    ['auth', 1],
    ['credentials', 1],
    ['action-unavailable', 1],
    ['parameter', 1],
    ['rejected', 1],
  ] as const)('%s: at most %s attempts', (kind, max) => {
    expect(RETRY_POLICY[kind].maxAttempts).toBe(max);
  });
});

describe('finalFailure', () => {
  const rid = 'b2c3d4e5-0000-4000-8000-000000000001';
  const cases: ReadonlyArray<readonly [UpstreamFailure, number, boolean]> = [
    [{ kind: 'throttled', code: 'RequestLimitExceeded', message: 'm', requestId: rid, mayHaveRecorded: false }, 429, true],
    [{ kind: 'transport', message: 'TRTC answered HTTP 502', httpStatus: 502, mayHaveRecorded: true }, 502, true],
    [{ kind: 'timeout', message: 'TRTC did not answer in time', mayHaveRecorded: true }, 504, true],
    [{ kind: 'internal', code: 'InternalError', message: 'm', requestId: rid, mayHaveRecorded: true }, 502, true],
    [{ kind: 'unavailable', code: 'ServiceUnavailable', message: 'm', requestId: rid, mayHaveRecorded: false }, 503, true],
    [{ kind: 'signature-expired', code: 'AuthFailure.SignatureExpire', message: 'm', requestId: rid, mayHaveRecorded: false }, 502, true],
    [{ kind: 'token', code: 'AuthFailure.TokenFailure', message: 'm', requestId: rid, mayHaveRecorded: false }, 500, true],
    [{ kind: 'auth', code: 'AuthFailure.SecretIdNotFound', message: 'm', requestId: rid, mayHaveRecorded: false }, 500, true],
    [{ kind: 'credentials', message: 'no cloud credentials', mayHaveRecorded: false }, 500, true],
    [{ kind: 'action-unavailable', code: 'InvalidAction', message: 'm', requestId: rid, mayHaveRecorded: false }, 502, true],
    [{ kind: 'parameter', code: 'InvalidParameterValue', message: 'm', requestId: rid, mayHaveRecorded: false }, 400, false],
    [{ kind: 'rejected', code: 'FailedOperation', message: 'm', requestId: rid, mayHaveRecorded: false }, 502, true],
  ];

  it.each(cases)('%j → HTTP %i, retryable %s', (upstream, status, retryable) => {
    const failure = finalFailure(upstream);
    expect(failure.status).toBe(status);
    expect(failure.retryable).toBe(retryable);
    if (upstream.requestId) expect(failure.upstreamRequestId).toBe(upstream.requestId);
    else expect(failure).not.toHaveProperty('upstreamRequestId');
    if (upstream.code && upstream.kind !== 'timeout') expect(failure.code).toBe(upstream.code);
    expect(failure.message.length).toBeGreaterThan(0);
  });

  it('throttled asks the caller to wait (Retry-After)', () => {
    expect(finalFailure({ kind: 'throttled', code: 'RequestLimitExceeded', message: 'm', mayHaveRecorded: false }).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('a timeout is UpstreamTimeout', () => {
    expect(finalFailure({ kind: 'timeout', message: 'TRTC did not answer in time', mayHaveRecorded: true }).code).toBe('UpstreamTimeout');
  });

  it('an auth failure names the likely fix', () => {
    expect(finalFailure({ kind: 'auth', code: 'AuthFailure.UnauthorizedOperation', message: 'm', mayHaveRecorded: false }).message).toContain('CAM');
  });
});
