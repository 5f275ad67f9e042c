/**
 * Fault injection through the BUILT bundle (dist/index.js): one test per row of the retry policy table, against the
 * embedded TRTC emulator over real loopback HTTP with the real SDK.
 *
 * | upstream outcome                                   | retry                          | HTTP answer            |
 * | RequestLimitExceeded (and sub-codes)               | yes, until the deadline        | 429 with Retry-After   |
 * | HTTP 5xx, reset, invalid JSON, no answer (may have recorded it) | 2 attempts in all | 202 Accepted.DeadLettered |
 * | connection refused (never sent)                    | yes, at most 3 attempts in all | 502                    |
 * | InternalError* (may have recorded it)              | at most one retry              | 202 Accepted.DeadLettered |
 * | AuthFailure.SignatureExpire                        | once, freshly signed           | 502                    |
 * | AuthFailure.TokenFailure                           | once, re-reading credentials   | 500                    |
 * | other AuthFailure.*                                | no                             | 500 (role or keys)     |
 * | InvalidAction, ActionOffline, UnsupportedOperation | no                             | 502 (not available)    |
 * | parameter codes                                    | no                             | 400                    |
 *
 * Every test checks: the number of upstream calls, the status, Error.Code, the headers, that RequestId is TRTC's when
 * TRTC answered (else the invocation's own), that the handler resolved before `context.time_limit_in_ms`, one
 * `trtc attempt failed` log line per failed attempt, one `invocation` line with `attempts`, and no secret in any line.
 * A report whose two sends both ended without TRTC's answer is not sent again and not failed: it is parked (given up)
 * in the dead-letter store, here (no Redis) the `report parked` error line carrying the whole report, and the
 * delivery is answered as handled (docs/reliability.md, "Guarantees"); those tests also check that line, so nothing
 * was lost. A single unanswered send (no time for a second) is still a retryable failure (504).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { TrtcEmulator, type EmulatorFault } from '../../tools/trtc-emulator';
import { fromLogged, PARKED_LOG_MESSAGE } from '../../lib/dead-letter/log-store';
import { FAILURES } from '../../lib/failures';
import { reportKey } from '../../lib/idempotency/keys';
import type { TroubleReport } from '../../lib/report';
import { loadBundle, ROOT } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { distinctReport } from '../support/fixtures';

// ── fixtures ────────────────────────────────────────────────────────────────────────────────────────────────────

const { emulator, credential } = useEmulator({ LOG_LEVEL: 'info' });
const secretKey = credential.secretKey;
const sessionToken = credential.token ?? '';

/** The Function URL sample, whose body each test replaces with its own report. */
const TEMPLATE = JSON.parse(readFileSync(path.join(ROOT, 'events', 'function-url-post-json.json'), 'utf8')) as Record<string, unknown>;

type Report = TroubleReport;

/** A distinct report per test, so an idempotency store can never replay another test's answer. */
function reportFor(label: string): Report {
  return distinctReport(`fault test ${label}`);
}

function httpEvent(report: Report): Record<string, unknown> {
  return { ...TEMPLATE, body: JSON.stringify(report) };
}

interface HttpResponse {
  isBase64Encoded: unknown;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

interface Envelope {
  Response: { RequestId: string; Error?: { Code: string; Message: string } };
}

interface LogEntry {
  msg?: unknown;
  attempt?: unknown;
  outcome?: unknown;
  attempts?: unknown;
  [key: string]: unknown;
}

interface Run {
  value?: unknown;
  error?: unknown;
  lines: string[];
  /** Wall time from the call to the handler's resolution (or rejection), ms. */
  elapsedMs: number;
  invocationId: string;
  timeLimitMs: number;
}

/** Observed latency per test, for the report at the end (REPORT_LATENCY=1 prints it). */
const latencies: { name: string; elapsedMs: number; limitMs: number }[] = [];

/** Runs one event through a freshly loaded bundle (a cold start) with `env` set for the call only. */
async function invoke(
  name: string,
  event: unknown,
  options: { timeLimitMs?: number; env?: Record<string, string | undefined>; onLine?: (line: string) => void } = {},
): Promise<Run> {
  const { main_handler } = loadBundle({ fresh: true });
  const timeLimitMs = options.timeLimitMs ?? 3000;
  const invocationId = randomUUID();
  const undo = withEnv(options.env ?? {});
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    chunks.push(text);
    if (options.onLine) for (const line of text.split('\n').filter(Boolean)) options.onLine(line);
    return true;
  });
  const started = performance.now();
  let value: unknown;
  let error: unknown;
  let threw = false;
  try {
    value = await main_handler(event, { request_id: invocationId, time_limit_in_ms: timeLimitMs });
  } catch (caught) {
    threw = true;
    error = caught;
  } finally {
    spy.mockRestore();
    undo();
  }
  const elapsedMs = performance.now() - started;
  latencies.push({ name, elapsedMs, limitMs: timeLimitMs });
  const lines = chunks.join('').split('\n').filter(Boolean);
  return { ...(threw ? { error } : { value }), lines, elapsedMs, invocationId, timeLimitMs };
}

function httpResponseOf(run: Run): { response: HttpResponse; envelope: Envelope } {
  expect(run.error, 'an HTTP event never makes the handler throw').toBeUndefined();
  const response = run.value as HttpResponse;
  expect(Object.keys(response).sort()).toEqual(['body', 'headers', 'isBase64Encoded', 'statusCode']);
  expect(response.isBase64Encoded).toBe(false);
  expect(response.headers['Content-Type']).toMatch(/^application\/json/);
  return { response, envelope: JSON.parse(response.body) as Envelope };
}

function parseLines(lines: readonly string[]): LogEntry[] {
  return lines.map((line) => {
    expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    return JSON.parse(line) as LogEntry;
  });
}

/** No secret in any line, one `trtc attempt failed` line per failed attempt, one `invocation` line. */
function checkLogs(lines: readonly string[], expected: { attempts: number; failedOutcomes: readonly string[]; secrets?: readonly string[] }): LogEntry[] {
  for (const line of lines) {
    for (const secret of [secretKey, sessionToken, ...(expected.secrets ?? [])]) expect(line).not.toContain(secret);
  }
  const entries = parseLines(lines);
  const failed = entries.filter((e) => e.msg === 'trtc attempt failed');
  expect(
    failed.map((e) => e.attempt),
    'one `trtc attempt failed` line per failed attempt',
  ).toEqual(expected.failedOutcomes.map((_, i) => i + 1));
  expect(failed.map((e) => e.outcome)).toEqual([...expected.failedOutcomes]);
  const invocation = entries.filter((e) => e.msg === 'invocation');
  expect(invocation, 'one invocation line').toHaveLength(1);
  expect(invocation[0]?.attempts).toBe(expected.attempts);
  return entries;
}

function checkDeadline(run: Run): void {
  expect(Number.isFinite(run.elapsedMs)).toBe(true);
  expect(run.elapsedMs, `resolved after ${run.elapsedMs.toFixed(0)} ms; limit ${run.timeLimitMs} ms`).toBeLessThan(run.timeLimitMs);
}

/** Every call that reached the emulator was CreateTroubleInfo with exactly this report. */
function checkCallsCarry(report: Report): void {
  for (const call of emulator.calls) {
    expect(call.action).toBe('CreateTroubleInfo');
    expect(call.params).toEqual(report);
  }
}

/**
 * Nothing was lost: exactly one `report parked` error line (the dead-letter store without Redis) carries the whole
 * report under `key`, given up after `sends` unanswered sends, and the `report parked in the dead-letter store` line
 * says so.
 */
function checkParkedLine(lines: readonly string[], report: Report, key: string, sends: number): void {
  const entries = parseLines(lines);
  const parked = entries.filter((e) => e.msg === PARKED_LOG_MESSAGE);
  expect(parked, 'one `report parked` line').toHaveLength(1);
  expect(parked[0]?.['level']).toBe('error');
  const entry = fromLogged(parked[0]?.['parked']);
  expect(entry, 'the line carries a parked entry').toBeDefined();
  expect(entry).toMatchObject({ key, kind: 'given-up', attempts: sends, deliveries: 1 });
  expect(entry?.report, 'the whole report is kept').toEqual(report);
  const said = entries.filter((e) => e.msg === 'report parked in the dead-letter store');
  expect(said).toHaveLength(1);
  expect(said[0]).toMatchObject({ key, kind: 'given-up', store: 'log' });
}

function inject(faults: readonly (readonly [EmulatorFault, number])[]): void {
  for (const [fault, times] of faults) emulator.inject(fault, times);
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

afterAll(() => {
  if (process.env['REPORT_LATENCY'] === '1') {
    const worst = [...latencies].sort((a, b) => b.elapsedMs / b.limitMs - a.elapsedMs / a.limitMs);
    process.stderr.write(
      `\nfaults: latency vs time_limit_in_ms\n${worst.map((l) => `  ${l.elapsedMs.toFixed(0).padStart(5)} / ${String(l.limitMs).padStart(5)} ms  ${l.name}`).join('\n')}\n`,
    );
  }
});

// ── the table ───────────────────────────────────────────────────────────────────────────────────────────────────

const api = (code: string): EmulatorFault => ({ kind: 'api-error', code });
const status = (s: number): EmulatorFault => ({ kind: 'http-status', status: s });
const RESET: EmulatorFault = { kind: 'reset' };
const NO_ANSWER: EmulatorFault = { kind: 'no-answer' };
const INVALID_JSON: EmulatorFault = { kind: 'invalid-json' };
/** Two sends ended without TRTC's answer: parked (given up) and answered as handled. */
const DEAD_LETTERED = FAILURES.deadLettered;

interface Row {
  readonly name: string;
  readonly faults: readonly (readonly [EmulatorFault, number])[];
  /** Upstream calls: an exact number, or bounds. */
  readonly calls: number | { readonly min: number; readonly max: number };
  readonly status: number;
  /** Error.Code, or null for success. */
  readonly code: string | null;
  /** The `outcome` of each failed attempt's log line (repeated for every failed attempt). */
  readonly failedKind?: string;
  /**
   * Parked after two unanswered sends (status 202, Accepted.DeadLettered): the body carries the report's key and the
   * invocation's RequestId, and the `report parked` line keeps the report.
   */
  readonly parked?: true;
  /** Whether the last call was answered by TRTC with a cloud API envelope (its RequestId is then in the body). */
  readonly trtcAnswered?: boolean;
  readonly message?: RegExp;
  readonly timeLimitMs?: number;
  readonly env?: Record<string, string>;
  /** Wait this long after the answer for abandoned upstream work to finish, then check nothing more was recorded. */
  readonly settleMs?: number;
}

const ROWS: readonly Row[] = [
  // RequestLimitExceeded: retried until the deadline, then 429 with Retry-After.
  {
    name: 'RequestLimitExceeded forever → 429 before the deadline',
    faults: [[api('RequestLimitExceeded'), 1000]],
    calls: { min: 2, max: 1000 },
    status: 429,
    code: 'RequestLimitExceeded',
    failedKind: 'throttled',
    trtcAnswered: true,
    message: /rate limit/,
  },
  {
    name: 'RequestLimitExceeded once, then success → 200',
    faults: [[api('RequestLimitExceeded'), 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'throttled',
  },
  {
    name: 'RequestLimitExceeded.UinLimitExceeded forever → 429',
    faults: [[api('RequestLimitExceeded.UinLimitExceeded'), 1000]],
    calls: { min: 2, max: 1000 },
    status: 429,
    code: 'RequestLimitExceeded.UinLimitExceeded',
    failedKind: 'throttled',
    trtcAnswered: true,
    timeLimitMs: 1500,
  },
  {
    name: 'RequestLimitExceeded.IPLimitExceeded twice, then success → 200',
    faults: [[api('RequestLimitExceeded.IPLimitExceeded'), 2]],
    calls: 3,
    status: 200,
    code: null,
    failedKind: 'throttled',
  },
  // HTTP 5xx, reset, invalid answers may have recorded the report: the first attempt and one more, then it is
  // parked (given up, never sent a third time) and answered 202 Accepted.DeadLettered.
  ...[500, 502, 503, 504].map((s): Row => ({
    name: `HTTP ${s} ×3 → 202 Accepted.DeadLettered after exactly 2 calls, parked`,
    faults: [[status(s), 3]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'transport',
    parked: true,
  })),
  {
    name: 'HTTP 502 ×5 (more than the budget) → 202 Accepted.DeadLettered after exactly 2 calls, parked',
    faults: [[status(502), 5]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'transport',
    parked: true,
  },
  { name: 'HTTP 500 once, then success → 200', faults: [[status(500), 1]], calls: 2, status: 200, code: null, failedKind: 'transport' },
  {
    name: 'HTTP 502 twice → 202 Accepted.DeadLettered after 2 calls: no third send while the first two may have recorded it',
    faults: [[status(502), 2]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'transport',
    parked: true,
  },
  {
    name: 'connection reset ×3 → 202 Accepted.DeadLettered after 2 calls, parked',
    faults: [[RESET, 3]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'transport',
    parked: true,
  },
  { name: 'connection reset once, then success → 200', faults: [[RESET, 1]], calls: 2, status: 200, code: null, failedKind: 'transport' },
  {
    name: 'invalid JSON ×3 → 202 Accepted.DeadLettered after 2 calls, parked',
    faults: [[INVALID_JSON, 3]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'transport',
    parked: true,
  },
  { name: 'invalid JSON once, then success → 200', faults: [[INVALID_JSON, 1]], calls: 2, status: 200, code: null, failedKind: 'transport' },
  // No answer: each attempt bounded by UPSTREAM_TIMEOUT_MS (the second, patient one by the deadline), at most 2 (it
  // may have recorded it), then parked and answered 202 before the platform's limit. With time for one send only,
  // the report is not given up: 504, retryable.
  {
    name: 'no answer ×3 (UPSTREAM_TIMEOUT_MS=500, limit 3000) → 202 Accepted.DeadLettered after 2 calls, parked',
    faults: [[NO_ANSWER, 3]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'timeout',
    parked: true,
    env: { UPSTREAM_TIMEOUT_MS: '500' },
  },
  {
    name: 'no answer with a tight deadline (limit 1500, margin 500, UPSTREAM_TIMEOUT_MS 5000) → 504',
    faults: [[NO_ANSWER, 3]],
    calls: 1,
    status: 504,
    code: 'UpstreamTimeout',
    failedKind: 'timeout',
    trtcAnswered: false,
    timeLimitMs: 1500,
    env: { DEADLINE_MARGIN_MS: '500', UPSTREAM_TIMEOUT_MS: '5000' },
  },
  {
    name: 'no answer once (UPSTREAM_TIMEOUT_MS=500), then success → 200',
    faults: [[NO_ANSWER, 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'timeout',
    env: { UPSTREAM_TIMEOUT_MS: '500' },
  },
  {
    name: 'an answer slower than UPSTREAM_TIMEOUT_MS, then success → 200',
    faults: [[{ kind: 'delay', ms: 800 }, 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'timeout',
    env: { UPSTREAM_TIMEOUT_MS: '500' },
    settleMs: 400,
  },
  // InternalError (may have recorded it): one retry at most, then parked and answered 202.
  {
    name: 'InternalError ×2 → 202 Accepted.DeadLettered after 2 calls, parked',
    faults: [[api('InternalError'), 2]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'internal',
    parked: true,
  },
  {
    name: 'InternalError ×5 → 202 Accepted.DeadLettered after 2 calls (one retry only), parked',
    faults: [[api('InternalError'), 5]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'internal',
    parked: true,
  },
  { name: 'InternalError once, then success → 200', faults: [[api('InternalError'), 1]], calls: 2, status: 200, code: null, failedKind: 'internal' },
  {
    name: 'InternalError.BackendTimeOut ×2 → 202 Accepted.DeadLettered after 2 calls, parked',
    faults: [[api('InternalError.BackendTimeOut'), 2]],
    calls: 2,
    status: DEAD_LETTERED.status,
    code: DEAD_LETTERED.code,
    failedKind: 'internal',
    parked: true,
  },
  {
    name: 'InternalError.BackendFail once, then success → 200',
    faults: [[api('InternalError.BackendFail'), 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'internal',
  },
  // AuthFailure.SignatureExpire: once, freshly signed.
  {
    name: 'AuthFailure.SignatureExpire ×2 → 502 after 2 calls',
    faults: [[api('AuthFailure.SignatureExpire'), 2]],
    calls: 2,
    status: 502,
    code: 'AuthFailure.SignatureExpire',
    failedKind: 'signature-expired',
    trtcAnswered: true,
    message: /clock/,
  },
  {
    name: 'AuthFailure.SignatureExpire once, then success → 200',
    faults: [[api('AuthFailure.SignatureExpire'), 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'signature-expired',
  },
  // AuthFailure.TokenFailure: once, after re-reading the credentials.
  {
    name: 'AuthFailure.TokenFailure ×2 → 500 after 2 calls',
    faults: [[api('AuthFailure.TokenFailure'), 2]],
    calls: 2,
    status: 500,
    code: 'AuthFailure.TokenFailure',
    failedKind: 'token',
    trtcAnswered: true,
    message: /role|token/i,
  },
  {
    name: 'AuthFailure.TokenFailure once, then success → 200',
    faults: [[api('AuthFailure.TokenFailure'), 1]],
    calls: 2,
    status: 200,
    code: null,
    failedKind: 'token',
  },
  // Other AuthFailure.*: no retry, 500 naming the role or the keys.
  {
    name: 'AuthFailure.SecretIdNotFound → 500, 1 call',
    faults: [[api('AuthFailure.SecretIdNotFound'), 3]],
    calls: 1,
    status: 500,
    code: 'AuthFailure.SecretIdNotFound',
    failedKind: 'auth',
    trtcAnswered: true,
    message: /\b(role|keys)\b/,
  },
  {
    name: 'AuthFailure.SignatureFailure → 500, 1 call',
    faults: [[api('AuthFailure.SignatureFailure'), 3]],
    calls: 1,
    status: 500,
    code: 'AuthFailure.SignatureFailure',
    failedKind: 'auth',
    trtcAnswered: true,
    message: /\bkeys\b/,
  },
  {
    name: 'AuthFailure.UnauthorizedOperation → 500, 1 call',
    faults: [[api('AuthFailure.UnauthorizedOperation'), 3]],
    calls: 1,
    status: 500,
    code: 'AuthFailure.UnauthorizedOperation',
    failedKind: 'auth',
    trtcAnswered: true,
    message: /\brole\b.*\bCAM\b/,
  },
  {
    name: 'UnauthorizedOperation → 500, 1 call',
    faults: [[api('UnauthorizedOperation'), 3]],
    calls: 1,
    status: 500,
    code: 'UnauthorizedOperation',
    failedKind: 'auth',
    trtcAnswered: true,
    message: /\bCAM\b/,
  },
  {
    name: 'an unlisted AuthFailure sub-code → 500, 1 call',
    faults: [[api('AuthFailure.MFAFailure'), 3]],
    calls: 1,
    status: 500,
    code: 'AuthFailure.MFAFailure',
    failedKind: 'auth',
    trtcAnswered: true,
    message: /\brole\b.*\bkeys\b/,
  },
  // The action is not available: no retry, 502.
  ...['InvalidAction', 'ActionOffline', 'UnsupportedOperation', 'NoSuchVersion'].map((code): Row => ({
    name: `${code} → 502, 1 call`,
    faults: [[api(code), 3]],
    calls: 1,
    status: 502,
    code,
    failedKind: 'action-unavailable',
    trtcAnswered: true,
    message: /not available/,
  })),
  // Parameter codes: no retry, 400.
  ...['InvalidParameterValue', 'InvalidParameter', 'MissingParameter', 'UnknownParameter'].map((code): Row => ({
    name: `${code} from TRTC → 400, 1 call`,
    faults: [[api(code), 3]],
    calls: 1,
    status: 400,
    code,
    failedKind: 'parameter',
    trtcAnswered: true,
  })),
];

describe('retry policy through the built bundle (Function URL POST)', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (name, row) => {
    const report = reportFor(name);
    inject(row.faults);
    const run = await invoke(name, httpEvent(report), {
      ...(row.timeLimitMs !== undefined ? { timeLimitMs: row.timeLimitMs } : {}),
      ...(row.env ? { env: row.env } : {}),
    });
    const { response, envelope } = httpResponseOf(run);

    // Upstream calls.
    const calls = emulator.calls.length;
    if (typeof row.calls === 'number') expect(calls, 'upstream calls').toBe(row.calls);
    else {
      expect(calls, 'upstream calls').toBeGreaterThanOrEqual(row.calls.min);
      expect(calls, 'upstream calls').toBeLessThanOrEqual(row.calls.max);
    }
    checkCallsCarry(report);

    // Status, code, headers, RequestId.
    expect(response.statusCode).toBe(row.status);
    if (row.status === 429) expect(response.headers['Retry-After']).toMatch(/^[1-9][0-9]*$/);
    else expect(response.headers['Retry-After']).toBeUndefined();
    if (row.code === null) {
      expect(emulator.created).toHaveLength(1);
      expect(envelope).toEqual({ Response: { RequestId: emulator.created[0]?.RequestId } });
      expect(emulator.calls.at(-1)?.outcome).toBe('ok');
    } else {
      expect(emulator.created).toHaveLength(0);
      expect(envelope.Response.Error?.Code).toBe(row.code);
      expect(envelope.Response.Error?.Message).toMatch(/\S/);
      if (row.message) expect(envelope.Response.Error?.Message).toMatch(row.message);
      if (row.parked) {
        // Handled, not failed: the report's key (the dead-letter tool takes it), the invocation's RequestId, and the
        // parked entry that keeps the report.
        const key = reportKey(report);
        expect(envelope.Response).toEqual({
          Error: { Code: DEAD_LETTERED.code, Message: expect.stringMatching(/2 sends .*dead-letter store.*do not retry/) as unknown as string },
          RequestId: run.invocationId,
          Key: key,
        });
        checkParkedLine(run.lines, report, key, calls);
      } else {
        expect(envelope.Response).not.toHaveProperty('Key');
        expect(
          run.lines.some((line) => line.includes(`"msg":"${PARKED_LOG_MESSAGE}"`)),
          'nothing parked',
        ).toBe(false);
        expect(envelope.Response.RequestId).toBe(row.trtcAnswered ? emulator.calls.at(-1)?.requestId : run.invocationId);
      }
    }

    // Deadline.
    checkDeadline(run);

    // Logs: one line per failed attempt, the invocation line, no secrets.
    const attempts = calls;
    const failedAttempts = row.code === null ? attempts - 1 : attempts;
    checkLogs(run.lines, { attempts, failedOutcomes: Array.from({ length: failedAttempts }, () => row.failedKind ?? '') });

    if (row.settleMs !== undefined) {
      const created = emulator.created.length;
      await new Promise((resolve) => setTimeout(resolve, row.settleMs));
      expect(emulator.calls.length, 'no call after the answer').toBe(calls);
      expect(emulator.created.length, 'the abandoned attempt recorded nothing').toBe(created);
    }
  });

  // Regression (fixed; lib/trtc/send.ts, the `canWait` check): when one full-jitter draw is longer than the time left
  // minus minAttemptMs, the loop gives up at once instead of waiting what is left and trying once more, so a
  // throttled report is answered 429 with up to ~half the budget unused (seen: 440 ms of a 1000 ms budget, 1400 ms
  // of 2500 ms). The table says "retry until the deadline". Math.random is pinned high to make it deterministic.
  it('RequestLimitExceeded forever keeps retrying until the deadline, whatever the jitter draws', async () => {
    const report = reportFor('throttled until the deadline');
    inject([[api('RequestLimitExceeded'), 1000]]);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    let run: Run;
    try {
      run = await invoke('RequestLimitExceeded forever, jitter pinned at 0.999', httpEvent(report), { timeLimitMs: 3000 });
    } finally {
      random.mockRestore();
    }
    const { response } = httpResponseOf(run);
    expect(response.statusCode).toBe(429);
    expect(response.headers['Retry-After']).toMatch(/^[1-9][0-9]*$/);
    checkDeadline(run);
    // Deadline = 3000 − 500 (margin) = 2500 ms. "Until the deadline": the last attempt starts with less than
    // minAttemptMs (100) + one backoff step left, so the answer comes within ~300 ms of the deadline.
    expect(run.elapsedMs, `gave up after ${run.elapsedMs.toFixed(0)} ms of a 2500 ms budget`).toBeGreaterThanOrEqual(2200);
  });

  it('connection refused ×3 → 502 after 3 attempts, before the deadline', async () => {
    const port = await closedPort();
    const report = reportFor('refused');
    const run = await invoke('connection refused', httpEvent(report), { env: { TRTC_ENDPOINT: `http://127.0.0.1:${port}` } });
    const { response, envelope } = httpResponseOf(run);
    expect(emulator.calls).toHaveLength(0);
    expect(response.statusCode).toBe(502);
    expect(response.headers['Retry-After']).toBeUndefined();
    expect(envelope.Response.Error?.Code).toBe('UpstreamError');
    expect(envelope.Response.Error?.Message).toMatch(/ECONNREFUSED|connection/);
    expect(envelope.Response.RequestId).toBe(run.invocationId);
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 3, failedOutcomes: ['transport', 'transport', 'transport'] });
  });

  it('AuthFailure.TokenFailure, then the credentials are rotated before the retry → 200 with the fresh token', async () => {
    // SCF rotates the run role's temporary keys inside a warm instance. This emulator knows only the fresh token, so
    // the first attempt (stale token) gets a genuine AuthFailure.TokenFailure, no injected fault. When that failure
    // is logged, the environment gets the fresh token, as SCF would do; the retry must read it and succeed.
    const fresh = { ...credential, token: `${sessionToken}.rotated` };
    const rotating = new TrtcEmulator({ credentials: [fresh] });
    const url = await rotating.start();
    try {
      const report = reportFor('token rotation');
      let rotations = 0;
      const run = await invoke('TokenFailure, then rotated credentials', httpEvent(report), {
        // TENCENTCLOUD_SESSIONTOKEN is listed so that invoke() restores it after the rotation below.
        env: { TRTC_ENDPOINT: url, TENCENTCLOUD_SESSIONTOKEN: sessionToken },
        onLine: (line) => {
          if (line.includes('"msg":"trtc attempt failed"') && rotations === 0) {
            rotations += 1;
            process.env['TENCENTCLOUD_SESSIONTOKEN'] = fresh.token;
          }
        },
      });
      const { response, envelope } = httpResponseOf(run);
      expect(rotations).toBe(1);
      expect(rotating.calls.map((c) => c.outcome)).toEqual(['AuthFailure.TokenFailure', 'ok']);
      expect(rotating.calls.map((c) => c.headers['x-tc-token'])).toEqual([sessionToken, fresh.token]);
      expect(response.statusCode).toBe(200);
      expect(envelope).toEqual({ Response: { RequestId: rotating.created[0]?.RequestId } });
      checkDeadline(run);
      checkLogs(run.lines, { attempts: 2, failedOutcomes: ['token'], secrets: [fresh.token] });
    } finally {
      await rotating.stop();
    }
  });

  it('AuthFailure.TokenFailure with a token that stays wrong → 500 after 2 calls, naming the role', async () => {
    // No injected fault: the environment's token is simply not the one the emulator knows.
    const report = reportFor('wrong token');
    const wrong = `${sessionToken}.stale`;
    const run = await invoke('TokenFailure, wrong token', httpEvent(report), { env: { TENCENTCLOUD_SESSIONTOKEN: wrong } });
    const { response, envelope } = httpResponseOf(run);
    expect(emulator.calls.map((c) => c.outcome)).toEqual(['AuthFailure.TokenFailure', 'AuthFailure.TokenFailure']);
    expect(response.statusCode).toBe(500);
    expect(envelope.Response.Error?.Code).toBe('AuthFailure.TokenFailure');
    expect(envelope.Response.Error?.Message).toMatch(/\brole\b/);
    expect(envelope.Response.RequestId).toBe(emulator.calls.at(-1)?.requestId);
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 2, failedOutcomes: ['token', 'token'], secrets: [wrong] });
  });

  it('a wrong SecretKey (genuine AuthFailure.SignatureFailure) → 500 after 1 call, naming the keys', async () => {
    const report = reportFor('wrong key');
    const wrongKey = `${secretKey.slice(0, -4)}XXXX`;
    const run = await invoke('SignatureFailure, wrong key', httpEvent(report), { env: { TENCENTCLOUD_SECRETKEY: wrongKey } });
    const { response, envelope } = httpResponseOf(run);
    expect(emulator.calls.map((c) => c.outcome)).toEqual(['AuthFailure.SignatureFailure']);
    expect(response.statusCode).toBe(500);
    expect(envelope.Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect(envelope.Response.Error?.Message).toMatch(/\bkeys\b/);
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 1, failedOutcomes: ['auth'], secrets: [wrongKey] });
  });
});

describe('other presenters: a report given up after two unanswered sends, and a retryable failure', () => {
  it('direct invocation: InternalError ×2 → parked after 2 calls, the handler returns the Accepted.DeadLettered envelope', async () => {
    const report = reportFor('direct');
    inject([[api('InternalError'), 2]]);
    const run = await invoke('direct invocation, InternalError ×2', { ...report });
    expect(emulator.calls).toHaveLength(2);
    checkCallsCarry(report);
    expect(emulator.created).toHaveLength(0);
    // Handled, not thrown: the platform must not redeliver a report that may already be recorded twice.
    expect(run.error).toBeUndefined();
    const key = reportKey(report);
    expect(run.value).toEqual({
      Response: {
        Error: { Code: DEAD_LETTERED.code, Message: expect.stringMatching(/2 sends .*dead-letter store/) as unknown as string },
        RequestId: run.invocationId,
        Key: key,
      },
    });
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 2, failedOutcomes: ['internal', 'internal'] });
    checkParkedLine(run.lines, report, key, 2);
  });

  it('direct invocation: connection reset ×3 → parked after 2 calls, returned with the key and the invocation’s RequestId', async () => {
    const report = reportFor('direct reset');
    inject([[RESET, 3]]);
    const run = await invoke('direct invocation, reset ×3', { ...report });
    expect(emulator.calls).toHaveLength(2);
    checkCallsCarry(report);
    expect(emulator.created).toHaveLength(0);
    expect(run.error).toBeUndefined();
    const envelope = run.value as Envelope & { Response: { Key?: string } };
    expect(envelope.Response.Error?.Code).toBe(DEAD_LETTERED.code);
    expect(envelope.Response.RequestId).toBe(run.invocationId);
    expect(envelope.Response.Key).toBe(reportKey(report));
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 2, failedOutcomes: ['transport', 'transport'] });
    checkParkedLine(run.lines, report, reportKey(report), 2);
  });

  it('direct invocation: ServiceUnavailable ×3 (recorded nothing) → rejects with the JSON envelope after 3 calls, nothing parked', async () => {
    const report = reportFor('direct unavailable');
    inject([[api('ServiceUnavailable'), 3]]);
    const run = await invoke('direct invocation, ServiceUnavailable ×3', { ...report });
    expect(emulator.calls).toHaveLength(3);
    checkCallsCarry(report);
    expect(run.error).toBeInstanceOf(Error);
    const error = run.error as Error;
    expect(error.name).toBe('ReportNotRecordedError');
    expect(JSON.parse(error.message) as Envelope).toEqual({
      Response: {
        Error: { Code: 'ServiceUnavailable', Message: expect.stringMatching(/\S/) as unknown as string },
        RequestId: emulator.calls.at(-1)?.requestId,
      },
    });
    checkDeadline(run);
    checkLogs(run.lines, { attempts: 3, failedOutcomes: ['unavailable', 'unavailable', 'unavailable'] });
    expect(
      run.lines.some((line) => line.includes(`"msg":"${PARKED_LOG_MESSAGE}"`)),
      'nothing parked',
    ).toBe(false);
  });

  type BatchError = Error & {
    summary?: {
      sent: number;
      skipped: number;
      failed: number;
      deadLettered?: number;
      records: { index: number; status: string; requestId?: string; error?: { code: string } }[];
    };
  };

  function kafkaEvent(reports: readonly Report[], firstOffset: number): Record<string, unknown> {
    return {
      Records: reports.map((r, i) => ({
        Ckafka: { topic: 'classroom-trouble', partition: 1, offset: firstOffset + i, msgKey: `room-${i}`, msgBody: JSON.stringify(r) },
      })),
    };
  }

  it('CKafka batch: the middle record fails (ServiceUnavailable ×3, recorded nothing) → BatchIncompleteError after the others were sent', async () => {
    const reports = [reportFor('kafka 0'), reportFor('kafka 1'), reportFor('kafka 2')];
    // Record 0 is answered normally (a zero delay is a pass-through), then record 1 meets three ServiceUnavailable
    // envelopes: a failure that certainly recorded nothing, so the batch is redelivered for it.
    inject([
      [{ kind: 'delay', ms: 0 }, 1],
      [api('ServiceUnavailable'), 3],
    ]);
    const run = await invoke('CKafka batch, one record failing', kafkaEvent(reports, 9000), { timeLimitMs: 5000, env: { BATCH_CONCURRENCY: '1' } });
    expect(run.error).toBeInstanceOf(Error);
    const error = run.error as BatchError;
    expect(error.name).toBe('BatchIncompleteError');
    expect(error.message).toMatch(/#1 \(classroom-trouble\/1\/9001\): ServiceUnavailable/);
    expect(emulator.calls.map((c) => (c.params as Report).TroubleMsg)).toEqual([0, 1, 1, 1, 2].map((i) => reports[i]?.TroubleMsg));
    expect(emulator.created.map((c) => c.TroubleMsg)).toEqual([reports[0]?.TroubleMsg, reports[2]?.TroubleMsg]);
    expect(error.summary).toMatchObject({ sent: 2, skipped: 0, failed: 1 });
    expect(error.summary?.deadLettered).toBeUndefined();
    expect(error.summary?.records.map((r) => r.status)).toEqual(['sent', 'failed', 'sent']);
    expect(error.summary?.records[0]?.requestId).toBe(emulator.created[0]?.RequestId);
    expect(error.summary?.records[2]?.requestId).toBe(emulator.created[1]?.RequestId);
    checkDeadline(run);
    for (const line of run.lines) {
      expect(line).not.toContain(secretKey);
      expect(line).not.toContain(sessionToken);
    }
    const entries = parseLines(run.lines);
    const failed = entries.filter((e) => e.msg === 'trtc attempt failed');
    expect(failed.map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'unavailable'],
      [2, 'unavailable'],
      [3, 'unavailable'],
    ]);
    expect(
      entries.filter((e) => e.msg === PARKED_LOG_MESSAGE),
      'nothing parked',
    ).toHaveLength(0);
    const invocation = entries.filter((e) => e.msg === 'invocation');
    expect(invocation).toHaveLength(1);
    expect(invocation[0]).toMatchObject({ outcome: 'failed', total: 3, sent: 2, skipped: 0, failed: 1 });
  });

  it('CKafka batch: the middle record gets HTTP 502 ×2 → parked (deadLettered) after 2 calls, the batch resolves', async () => {
    const reports = [reportFor('kafka dl 0'), reportFor('kafka dl 1'), reportFor('kafka dl 2')];
    inject([
      [{ kind: 'delay', ms: 0 }, 1],
      [status(502), 2],
    ]);
    const run = await invoke('CKafka batch, one record given up', kafkaEvent(reports, 9100), { timeLimitMs: 5000, env: { BATCH_CONCURRENCY: '1' } });
    // Handled, not thrown: redelivering the batch could only record the middle report a third time.
    expect(run.error).toBeUndefined();
    const summary = run.value as NonNullable<BatchError['summary']>;
    expect(emulator.calls.map((c) => (c.params as Report).TroubleMsg)).toEqual([0, 1, 1, 2].map((i) => reports[i]?.TroubleMsg));
    expect(emulator.created.map((c) => c.TroubleMsg)).toEqual([reports[0]?.TroubleMsg, reports[2]?.TroubleMsg]);
    expect(summary).toMatchObject({ sent: 2, skipped: 0, failed: 0, deadLettered: 1 });
    expect(summary.records.map((r) => r.status)).toEqual(['sent', 'deadLettered', 'sent']);
    expect(summary.records[1]?.error?.code).toBe(DEAD_LETTERED.code);
    expect(summary.records[0]?.requestId).toBe(emulator.created[0]?.RequestId);
    expect(summary.records[2]?.requestId).toBe(emulator.created[1]?.RequestId);
    checkDeadline(run);
    const entries = parseLines(run.lines);
    expect(entries.filter((e) => e.msg === 'trtc attempt failed').map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'transport'],
      [2, 'transport'],
    ]);
    // Nothing lost: the middle report is kept whole in the parked line, under its message key.
    const parked = entries.filter((e) => e.msg === PARKED_LOG_MESSAGE);
    expect(parked).toHaveLength(1);
    const entry = fromLogged(parked[0]?.['parked']);
    expect(entry).toMatchObject({ kind: 'given-up', attempts: 2 });
    expect(entry?.key).toContain('classroom-trouble/1/9101');
    expect(entry?.report).toEqual(reports[1]);
    const invocation = entries.filter((e) => e.msg === 'invocation');
    expect(invocation).toHaveLength(1);
    expect(invocation[0]).toMatchObject({ total: 3, sent: 2, skipped: 0, failed: 0, dead_lettered: 1 });
  });
});
