import { afterEach, describe, expect, it, vi } from 'vitest';
import { deadlineAt } from '../../../lib/deadline';
import { createLogger, type Logger } from '../../../lib/log';
import type { Outcome } from '../../../lib/outcome';
import type { TroubleReport } from '../../../lib/report';
import type { CallOptions, TroubleInfoClient } from '../../../lib/trtc/client';
import { AbortedError, MalformedResponseError, NetworkError } from '../../../lib/trtc/errors';
import { PATIENT_RESERVE_MS } from '../../../lib/trtc/policy';
import { backoffDelay, sendReport, type SendOptions } from '../../../lib/trtc/send';
import { BASE } from '../../support/fixtures';

/** A clock the test moves by hand. */
class FakeClock {
  t = 1_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

interface Attempt {
  /** Fake-clock time the attempt started. */
  readonly at: number;
  /** Time left on the deadline when it started. */
  readonly left: number;
  readonly signal: AbortSignal;
  readonly traceId: string | undefined;
}

type Step = (attempt: number, options: CallOptions) => Promise<{ requestId: string }>;

/** A fake port: each attempt costs `costMs` of fake time, then does what `step` says. */
class ScriptedClient implements TroubleInfoClient {
  readonly attempts: Attempt[] = [];
  readonly reports: TroubleReport[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly deadlineAtMs: number,
    private readonly step: Step,
    private readonly costMs = 50,
  ) {}

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    this.reports.push(report);
    this.attempts.push({
      at: this.clock.t,
      left: this.deadlineAtMs - this.clock.t,
      signal: options.signal,
      traceId: options.traceId,
    });
    expect(options.signal.aborted).toBe(false);
    this.clock.advance(this.costMs);
    return this.step(this.attempts.length, options);
  }
}

function apiError(code: string): Error {
  return Object.assign(new Error(`TRTC says ${code}`), { requestId: `rid-${code}`, traceId: 'trace', code });
}

const FAILURES: Readonly<Record<string, () => unknown>> = {
  RequestLimitExceeded: () => apiError('RequestLimitExceeded'),
  'HTTP 502': () => Object.assign(new Error('Bad Gateway'), { requestId: '', traceId: 't', httpCode: 502 }),
  'HTTP 503': () => ({ message: 'Service Unavailable', httpCode: 503 }),
  // What lib/trtc/transport.ts throws: `sent` tells "never sent" from "maybe recorded".
  'connection reset': () => new NetworkError(true, 'ECONNRESET'),
  'connection refused': () => new NetworkError(false, 'ECONNREFUSED'),
  'network timeout': () => new AbortedError(true),
  'invalid JSON answer': () => new MalformedResponseError('TRTC answered with something that is not a cloud API response'),
  InternalError: () => apiError('InternalError'),
  'InternalError.BackendTimeOut': () => apiError('InternalError.BackendTimeOut'),
  'AuthFailure.SignatureExpire': () => apiError('AuthFailure.SignatureExpire'),
  'AuthFailure.TokenFailure': () => apiError('AuthFailure.TokenFailure'),
  'AuthFailure.SecretIdNotFound': () => apiError('AuthFailure.SecretIdNotFound'),
  'AuthFailure.SignatureFailure': () => apiError('AuthFailure.SignatureFailure'),
  'AuthFailure.UnauthorizedOperation': () => apiError('AuthFailure.UnauthorizedOperation'),
  UnauthorizedOperation: () => apiError('UnauthorizedOperation'),
  InvalidAction: () => apiError('InvalidAction'),
  ActionOffline: () => apiError('ActionOffline'),
  UnsupportedOperation: () => apiError('UnsupportedOperation'),
  MissingParameter: () => apiError('MissingParameter'),
  InvalidParameter: () => apiError('InvalidParameter'),
  InvalidParameterValue: () => apiError('InvalidParameterValue'),
  UnknownParameter: () => apiError('UnknownParameter'),
};

function failure(name: string): () => unknown {
  const make = FAILURES[name];
  if (!make) throw new Error(`no fixture ${name}`);
  return make;
}

const silent: Logger = createLogger({ level: 'silent' });

interface Run {
  readonly outcome: Outcome;
  readonly client: ScriptedClient;
  readonly waits: number[];
  readonly clock: FakeClock;
}

async function run(
  step: Step,
  opts: { budgetMs?: number; costMs?: number; attemptTimeoutMs?: number; random?: () => number; minAttemptMs?: number; log?: Logger } = {},
): Promise<Run> {
  const clock = new FakeClock();
  const at = clock.t + (opts.budgetMs ?? 10_000);
  const client = new ScriptedClient(clock, at, step, opts.costMs ?? 50);
  const waits: number[] = [];
  const options: SendOptions = {
    deadline: deadlineAt(at, clock.now),
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 5000,
    log: opts.log ?? silent,
    traceId: 'trace-unit',
    random: opts.random ?? (() => 0),
    wait: async (ms) => {
      waits.push(ms);
      clock.advance(ms);
    },
    ...(opts.minAttemptMs !== undefined ? { minAttemptMs: opts.minAttemptMs } : {}),
  };
  const outcome = await sendReport(client, BASE, options);
  return { outcome, client, waits, clock };
}

const alwaysFail =
  (make: () => unknown): Step =>
  () =>
    Promise.reject(make());

function statusOf(outcome: Outcome): number {
  return outcome.ok ? 200 : outcome.failure.status;
}

describe('sendReport: success', () => {
  it('one attempt, the upstream RequestId, the report and trace id passed through', async () => {
    const { outcome, client } = await run(() => Promise.resolve({ requestId: 'trtc-rid-1' }));
    expect(outcome).toEqual({ ok: true, requestId: 'trtc-rid-1', attempts: 1 });
    expect(client.reports).toEqual([BASE]);
    expect(client.attempts[0]?.traceId).toBe('trace-unit');
  });

  it('succeeds on a retry after transient failures, counting every attempt', async () => {
    const step: Step = (n) => (n < 3 ? Promise.reject(failure('connection refused')()) : Promise.resolve({ requestId: 'rid-3' }));
    const { outcome } = await run(step);
    expect(outcome).toEqual({ ok: true, requestId: 'rid-3', attempts: 3 });
  });

  it('after a failure that may have recorded the report, one more attempt only (reliability item 4)', async () => {
    const step: Step = (n) => (n < 2 ? Promise.reject(failure('connection reset')()) : Promise.resolve({ requestId: 'rid-2' }));
    const { outcome } = await run(step);
    expect(outcome).toEqual({ ok: true, requestId: 'rid-2', attempts: 2 });
  });
});

describe('sendReport: attempts per failure kind', () => {
  it.each([
    // Failures that may have recorded the report: the first attempt and one more (RECORDING_ATTEMPTS_FIRST_DELIVERY).
    ['HTTP 502', 2, 502],
    ['HTTP 503', 2, 502],
    ['connection reset', 2, 502],
    ['network timeout', 2, 504],
    ['invalid JSON answer', 2, 502],
    // Certainly not sent: as many attempts as the kind allows.
    ['connection refused', 3, 502],
    ['RequestLimitExceeded', Number.NaN, 429],
    ['InternalError', 2, 502],
    ['InternalError.BackendTimeOut', 2, 502],
    ['AuthFailure.SignatureExpire', 2, 502],
    ['AuthFailure.TokenFailure', 2, 500],
    ['AuthFailure.SecretIdNotFound', 1, 500],
    ['AuthFailure.SignatureFailure', 1, 500],
    ['AuthFailure.UnauthorizedOperation', 1, 500],
    ['UnauthorizedOperation', 1, 500],
    ['InvalidAction', 1, 502],
    ['ActionOffline', 1, 502],
    ['UnsupportedOperation', 1, 502],
    ['MissingParameter', 1, 400],
    ['InvalidParameter', 1, 400],
    ['InvalidParameterValue', 1, 400],
    ['UnknownParameter', 1, 400],
  ])('%s → %i attempt(s), then HTTP %i', async (name, attempts, status) => {
    const { outcome, client } = await run(alwaysFail(failure(name)));
    if (Number.isNaN(attempts)) {
      // Retried until the deadline, whatever else happened.
      expect(client.attempts.length).toBeGreaterThan(3);
      expect(statusOf(outcome)).toBe(status);
      return;
    }
    expect(client.attempts).toHaveLength(attempts);
    expect(outcome.attempts).toBe(attempts);
    expect(statusOf(outcome)).toBe(status);
  });

  it('the final failure keeps TRTC code and RequestId', async () => {
    const { outcome } = await run(alwaysFail(failure('InternalError')));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.failure.code).toBe('InternalError');
      expect(outcome.failure.upstreamRequestId).toBe('rid-InternalError');
    }
  });
});

describe('sendReport: RequestLimitExceeded is retried until the deadline', () => {
  it('with a zero jitter draw: the 1 ms progress floor, attempts until less than minAttemptMs is left', async () => {
    const { outcome, client, clock } = await run(alwaysFail(failure('RequestLimitExceeded')), { budgetMs: 2000, costMs: 100 });
    // Each round costs 100 ms plus the 1 ms floor: attempts start at 2000, 1899, ..., 182 ms left: 19 of them.
    expect(client.attempts).toHaveLength(19);
    expect(client.attempts.at(-1)?.left).toBe(182);
    expect(outcome.attempts).toBe(19);
    expect(client.attempts.every((a) => a.left >= 100)).toBe(true);
    expect(clock.t).toBeLessThanOrEqual(1_000_000 + 2000);
    expect(statusOf(outcome)).toBe(429);
    if (!outcome.ok) {
      expect(outcome.failure.retryable).toBe(true);
      expect(outcome.failure.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('with full-jitter backoff: waits grow, are capped, and never run past the deadline', async () => {
    const { outcome, client, waits, clock } = await run(alwaysFail(failure('RequestLimitExceeded')), {
      budgetMs: 5000,
      costMs: 0,
      random: () => 0.5,
    });
    // The eighth draw (1000) is cut to the 400 ms that still leave room for a last attempt at exactly 100 ms left.
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 400]);
    expect(client.attempts).toHaveLength(9);
    expect(client.attempts.at(-1)?.left).toBe(100);
    expect(outcome.attempts).toBe(9);
    expect(client.attempts.every((a) => a.left >= 100)).toBe(true);
    expect(clock.t).toBeLessThanOrEqual(1_000_000 + 5000);
  });

  it('throttling then success returns the RequestId', async () => {
    const step: Step = (n) => (n < 6 ? Promise.reject(failure('RequestLimitExceeded')()) : Promise.resolve({ requestId: 'rid-6' }));
    expect((await run(step)).outcome).toEqual({ ok: true, requestId: 'rid-6', attempts: 6 });
  });
});

describe('sendReport: the deadline', () => {
  it('no attempt is started when less than minAttemptMs (default 100) remains', async () => {
    const { outcome, client } = await run(() => Promise.resolve({ requestId: 'never' }), { budgetMs: 99 });
    expect(client.attempts).toHaveLength(0);
    expect(outcome.attempts).toBe(0);
    expect(statusOf(outcome)).toBe(504);
    if (!outcome.ok) expect(outcome.failure.retryable).toBe(true);
  });

  it('an attempt is started with exactly minAttemptMs left', async () => {
    const { outcome } = await run(() => Promise.resolve({ requestId: 'rid' }), { budgetMs: 100 });
    expect(outcome).toEqual({ ok: true, requestId: 'rid', attempts: 1 });
  });

  it('honours a custom minAttemptMs', async () => {
    expect((await run(() => Promise.resolve({ requestId: 'rid' }), { budgetMs: 400, minAttemptMs: 500 })).client.attempts).toHaveLength(0);
    expect((await run(() => Promise.resolve({ requestId: 'rid' }), { budgetMs: 500, minAttemptMs: 500 })).client.attempts).toHaveLength(1);
  });

  it('no retry is started when too little time is left; the answer is the last failure, not a generic timeout', async () => {
    const { outcome, client } = await run(alwaysFail(failure('HTTP 502')), { budgetMs: 250, costMs: 100 });
    // 250 left → attempt, 150 left → attempt, 50 left → stop.
    expect(client.attempts.map((a) => a.left)).toEqual([250, 150]);
    expect(statusOf(outcome)).toBe(502);
    expect(outcome.attempts).toBe(2);
  });

  it('a backoff that would leave less than minAttemptMs is cut short so one more attempt fits', async () => {
    const { client, waits } = await run(alwaysFail(failure('HTTP 502')), { budgetMs: 300, costMs: 100, random: () => 0.99 });
    // After attempt 1, 200 ms left; a 99 ms wait would leave 101 → wait, attempt 2 at 101 left, then 1 ms left.
    expect(waits).toEqual([99]);
    expect(client.attempts.map((a) => a.left)).toEqual([300, 101]);
  });
});

describe('sendReport: each attempt is aborted at min(attemptTimeoutMs, time left)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A port that never answers and rejects as node-fetch does when its signal aborts; records when. */
  function hangingClient(abortedAt: number[]): TroubleInfoClient {
    return {
      create: (_report, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            abortedAt.push(Date.now());
            reject(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }));
          });
        }),
    };
  }

  // Three recording attempts allowed, so the clamp can be seen on a third attempt.
  async function runHanging(budgetMs: number, attemptTimeoutMs: number): Promise<{ outcome: Outcome; abortedAt: number[] }> {
    vi.useFakeTimers({ now: 0 });
    const abortedAt: number[] = [];
    const promise = sendReport(hangingClient(abortedAt), BASE, {
      deadline: deadlineAt(budgetMs),
      attemptTimeoutMs,
      log: silent,
      random: () => 0,
      recordingAttempts: 3,
    });
    await vi.advanceTimersByTimeAsync(budgetMs + 1000);
    return { outcome: await promise, abortedAt };
  }

  it('attemptTimeoutMs for the first attempt; after an unanswered one, as long as the deadline allows (less PATIENT_RESERVE_MS)', async () => {
    const { outcome, abortedAt } = await runHanging(10_000, 200);
    // 200; then 9,800 left − 250 kept for the store; then the 100 ms floor (minAttemptMs).
    expect(abortedAt).toEqual([200, 200 + 9800 - PATIENT_RESERVE_MS, 10_000 - PATIENT_RESERVE_MS + 100]);
    expect(outcome.attempts).toBe(3);
    expect(statusOf(outcome)).toBe(504);
  });

  it('the time left when it is shorter than attemptTimeoutMs', async () => {
    const { outcome, abortedAt } = await runHanging(300, 5000);
    expect(abortedAt).toEqual([300]);
    expect(outcome.attempts).toBe(1);
    expect(statusOf(outcome)).toBe(504);
  });

  it('no attempt outlives the deadline', async () => {
    const { abortedAt } = await runHanging(500, 200);
    expect(abortedAt).toEqual([200, 300, 400]);
    expect(Math.max(...abortedAt)).toBeLessThanOrEqual(500);
  });

  it('patient (an earlier delivery went unanswered): the first attempt already waits as long as the deadline allows', async () => {
    vi.useFakeTimers({ now: 0 });
    const abortedAt: number[] = [];
    const promise = sendReport(hangingClient(abortedAt), BASE, {
      deadline: deadlineAt(3000),
      attemptTimeoutMs: 200,
      log: silent,
      random: () => 0,
      recordingAttempts: 1,
      patient: true,
    });
    await vi.advanceTimersByTimeAsync(4000);
    await promise;
    expect(abortedAt).toEqual([3000 - PATIENT_RESERVE_MS]);
  });

  it('the signal is not aborted a millisecond early', async () => {
    vi.useFakeTimers({ now: 0 });
    let seen: AbortSignal | undefined;
    const promise = sendReport(
      {
        create: (_r, { signal }) => {
          seen ??= signal;
          return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
        },
      },
      BASE,
      { deadline: deadlineAt(10_000), attemptTimeoutMs: 250, log: silent, random: () => 0 },
    );
    await vi.advanceTimersByTimeAsync(249);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    await promise;
  });
});

describe('sendReport: logging', () => {
  it('logs each failed attempt with its kind, its code and whether it will be retried', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    await run(alwaysFail(failure('InternalError')), { log });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = records.filter((r) => r.msg === 'trtc attempt failed');
    expect(failed.map((r) => [r.attempt, r.outcome, r.code])).toEqual([
      [1, 'internal', 'InternalError'],
      [2, 'internal', 'InternalError'],
    ]);
    expect(failed.map((r) => r.retry)).toEqual([true, false]);
  });
});

describe('backoffDelay', () => {
  it('full jitter: random × min(cap, base·2^(retry-1))', () => {
    expect(backoffDelay(1, 100, 1000, () => 0.5)).toBe(50);
    expect(backoffDelay(2, 100, 1000, () => 0.5)).toBe(100);
    expect(backoffDelay(5, 100, 1000, () => 0.5)).toBe(500);
    expect(backoffDelay(30, 100, 1000, () => 0.999)).toBe(999);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
  });
});

describe('sendReport: nothing sent for lack of time', () => {
  it('says so (noCallSlot), so the report may be parked rather than answered "retry"', async () => {
    const client: TroubleInfoClient = { create: () => Promise.reject(new Error('must not be called')) };
    const outcome = await sendReport(client, BASE, { deadline: deadlineAt(Date.now() - 1), attemptTimeoutMs: 1000, log: createLogger({ level: 'silent' }) });
    expect(outcome).toMatchObject({ ok: false, attempts: 0, noCallSlot: true, failure: { status: 504 } });
  });
});
