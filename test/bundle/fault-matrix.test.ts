/**
 * The fault matrix: every fault × every source, through the BUILT bundle, against the TRTC
 * emulator over real loopback HTTP with the real SDK and a real redis-server as the idempotency store.
 *
 * Each cell: a distinct report is delivered under the fault; while it is not recorded the fault is lifted and the
 * same event delivered again (the platform's redelivery, or the HTTP caller's retry), at most 3 deliveries; then
 * one more duplicate delivery of the same event (redeliveries happen after success too). Counted per cell:
 * upstream calls, calls whose failure may have recorded the report ("ambiguous"), records TRTC created, reports
 * lost (no record: must be 0), duplicates (records − 1: at most one per ambiguous failure), and the slowest answer
 * against `time_limit_in_ms` (always under). The table is printed.
 *
 * The long-ambiguity cells keep the fault armed for all 20 deliveries (TRTC records every call but answers after
 * the timeout, never answers, resets or answers 502 after recording): at most 2 records and 2 sends per report,
 * none lost (recorded, or parked in the dead-letter store and answered as handled). Both tables are printed.
 *
 * Faults that "may have recorded" are injected in their worst form: TRTC records the report, then the answer is
 * lost (`afterRecording`), and they last for the whole first delivery.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmulatorCall, EmulatorFault } from '../../tools/trtc-emulator';
import type { TroubleReport } from '../../lib/report';
import { loadBundle, ROOT, type MainHandler } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { NO_CREDENTIALS, withEnv } from '../support/env';
import { rawCommand, startRedisServer, type RedisServer, describeWithRedis, redisServerBinary } from '../support/redis-server';
import { distinctReport } from '../support/fixtures';
import { closedPortUrl } from '../support/reliability';

const TIME_LIMIT_MS = 3000;
const MAX_DELIVERIES = 3;

const { emulator } = useEmulator({ LOG_LEVEL: 'silent', UPSTREAM_TIMEOUT_MS: '400', DEADLINE_MARGIN_MS: '300' });
let redis: RedisServer;
let restoreRedisEnv: () => void = () => {};

beforeAll(async () => {
  // Without redis-server the suites below are skipped (describeWithRedis; one notice for the run): nothing to start.
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
  restoreRedisEnv = withEnv({ REDIS_URL: redis.url });
}, 20_000);
afterAll(async () => {
  if (redisServerBinary() === null) return;
  restoreRedisEnv();
  await redis.stop();
});

// ── sources ──────────────────────────────────────────────────────────────────────────────────────────────────

const TEMPLATE = JSON.parse(readFileSync(path.join(ROOT, 'events', 'function-url-post-json.json'), 'utf8')) as Record<string, unknown>;

interface Source {
  readonly name: string;
  event(report: TroubleReport, n: number): unknown;
  /** Whether the answer says the report was recorded. */
  recorded(value: unknown): boolean;
}

const SOURCES: readonly Source[] = [
  {
    name: 'HTTP',
    event: (report) => ({ ...TEMPLATE, body: JSON.stringify(report) }),
    recorded: (value) => (value as { statusCode?: unknown }).statusCode === 200,
  },
  {
    name: 'direct',
    event: (report) => ({ ...report }),
    recorded: (value) => (value as { Response?: { Error?: unknown } }).Response?.Error === undefined,
  },
  {
    name: 'CKafka',
    event: (report, n) => ({ Records: [{ Ckafka: { topic: 'trouble-matrix', partition: 0, offset: n, msgKey: 'None', msgBody: JSON.stringify(report) } }] }),
    recorded: (value) => (value as { failed?: unknown }).failed === 0,
  },
  {
    name: 'EventBridge',
    event: (report, n) => ({
      specversion: '1.0',
      id: `matrix-${n}`,
      source: 'trouble.matrix',
      type: 'trouble.report',
      datacontenttype: 'application/json',
      data: report,
    }),
    recorded: (value) => (value as { failed?: unknown }).failed === 0,
  },
];

// ── faults ───────────────────────────────────────────────────────────────────────────────────────────────────

interface Fault {
  readonly name: string;
  /** Sets the fault up for the first delivery; returns what lifts it. */
  arm(): Promise<() => Promise<void>>;
}

const persistent = (fault: EmulatorFault) => async (): Promise<() => Promise<void>> => {
  emulator.inject(fault, 1000);
  return async () => emulator.clearFaults();
};

const envFault = (patch: () => Promise<Record<string, string | undefined>>) => async (): Promise<() => Promise<void>> => {
  const restore = withEnv(await patch());
  return async () => restore();
};

const FAULTS: readonly Fault[] = [
  { name: 'none', arm: async () => async () => undefined },
  { name: 'throttled', arm: persistent({ kind: 'api-error', code: 'RequestLimitExceeded' }) },
  { name: 'HTTP 502 (recorded)', arm: persistent({ kind: 'http-status', status: 502, afterRecording: true }) },
  { name: 'reset before sending', arm: envFault(async () => ({ TRTC_ENDPOINT: await closedPortUrl() })) },
  { name: 'reset after sending', arm: persistent({ kind: 'reset', afterRecording: true }) },
  { name: 'no answer (recorded)', arm: persistent({ kind: 'no-answer', afterRecording: true }) },
  { name: 'Redis down', arm: envFault(async () => ({ REDIS_URL: (await closedPortUrl()).replace('http://', 'redis://') })) },
  {
    name: 'Redis hanging',
    arm: async () => {
      redis.pause();
      return async () => redis.resume();
    },
  },
  {
    // TRTC records the report, and Redis fills up (refuses writes) while the call is under way.
    name: 'Redis refusing writes',
    arm: async () => {
      const before = emulator.calls.length;
      emulator.inject({ kind: 'delay', ms: 300 });
      const flip = (async () => {
        while (emulator.calls.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
        await rawCommand(redis.port, 'CONFIG SET maxmemory 1');
      })();
      return async () => {
        await flip;
      };
    },
  },
  { name: 'credentials missing', arm: envFault(async () => ({ ...NO_CREDENTIALS })) },
];

/** Faults after which TRTC may have recorded the report although the call failed. */
function ambiguous(call: EmulatorCall): boolean {
  const fault = call.fault;
  if (fault === undefined) return false;
  if (fault.kind === 'http-status' || fault.kind === 'reset' || fault.kind === 'no-answer' || fault.kind === 'invalid-json') return true;
  return fault.kind === 'api-error' && fault.code.startsWith('InternalError');
}

// ── one cell ─────────────────────────────────────────────────────────────────────────────────────────────────

interface Cell {
  readonly fault: string;
  readonly source: string;
  readonly deliveries: number;
  readonly upstreamCalls: number;
  readonly ambiguous: number;
  readonly records: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly slowestMs: number;
}

async function deliver(handler: MainHandler, event: unknown, n: number, source: Source): Promise<{ recorded: boolean; ms: number }> {
  const started = performance.now();
  let recorded = false;
  try {
    const value = await handler(event, { request_id: `matrix-${n}-${randomUUID()}`, time_limit_in_ms: TIME_LIMIT_MS });
    recorded = source.recorded(value);
  } catch {
    recorded = false;
  }
  return { recorded, ms: performance.now() - started };
}

let counter = 0;

async function runCell(fault: Fault, source: Source): Promise<Cell> {
  const { main_handler } = loadBundle();
  counter += 1;
  const n = counter;
  const report = distinctReport(`matrix ${fault.name} × ${source.name}`, { RoomId: `room-${n}`, TroubleType: 2, TroubleTime: 1764150000 + n });
  const event = source.event(report, n);
  const times: number[] = [];
  let deliveries = 0;
  let lift: (() => Promise<void>) | undefined = await fault.arm();
  try {
    for (let d = 0; d < MAX_DELIVERIES; d += 1) {
      const answer = await deliver(main_handler, event, n, source);
      deliveries += 1;
      times.push(answer.ms);
      if (lift) {
        await lift();
        lift = undefined;
      }
      if (answer.recorded) break;
    }
    // A duplicate delivery of the same event, after it was recorded.
    const duplicate = await deliver(main_handler, event, n, source);
    deliveries += 1;
    times.push(duplicate.ms);
  } finally {
    if (lift) await lift();
    if (fault.name === 'Redis refusing writes') await rawCommand(redis.port, 'CONFIG SET maxmemory 0');
  }
  const mine = (params: unknown): boolean => (params as { TroubleMsg?: unknown } | undefined)?.TroubleMsg === report.TroubleMsg;
  const calls = emulator.calls.filter((c) => mine(c.params));
  const records = emulator.created.filter((c) => c.TroubleMsg === report.TroubleMsg).length;
  return {
    fault: fault.name,
    source: source.name,
    deliveries,
    upstreamCalls: calls.length,
    ambiguous: calls.filter(ambiguous).length,
    records,
    lost: records === 0 ? 1 : 0,
    duplicates: Math.max(0, records - 1),
    slowestMs: Math.max(...times),
  };
}

// ── the matrix ───────────────────────────────────────────────────────────────────────────────────────────────

const cells: Cell[] = [];

afterAll(() => {
  if (cells.length === 0) return;
  const header = ['fault', 'source', 'deliveries', 'upstream calls', 'ambiguous', 'records', 'lost', 'duplicates', `slowest answer / ${TIME_LIMIT_MS} ms`];
  const rows = cells.map((c) =>
    [c.fault, c.source, c.deliveries, c.upstreamCalls, c.ambiguous, c.records, c.lost, c.duplicates, Math.round(c.slowestMs)].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]): string => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  process.stdout.write(`\nfault matrix:\n${table}\n`);
});

describeWithRedis('fault matrix: no report lost, at most one duplicate per ambiguous failure, every answer in time', () => {
  for (const fault of FAULTS) {
    for (const source of SOURCES) {
      it(`${fault.name} × ${source.name}`, async () => {
        const cell = await runCell(fault, source);
        cells.push(cell);
        expect(cell.lost, 'reports lost').toBe(0);
        expect(cell.duplicates, 'duplicates ≤ ambiguous failures').toBeLessThanOrEqual(cell.ambiguous);
        expect(cell.slowestMs, 'every answer before time_limit_in_ms').toBeLessThan(TIME_LIMIT_MS);
      }, 30_000);
    }
  }
});

// ── long ambiguity: the fault lasts for every delivery ──────────────────────────────────────────────────────────

/** Deliveries of each report in the long-ambiguity cells (the platform, or a caller, never giving up). */
const LONG_DELIVERIES = 20;

/** Faults after which TRTC holds the report but the function never learns it, on every call while armed. */
const LONG_FAULTS: readonly { readonly name: string; readonly fault: EmulatorFault }[] = [
  { name: 'answers after the timeout (recorded)', fault: { kind: 'delay', ms: 1000, afterRecording: true } },
  { name: 'never answers (recorded)', fault: { kind: 'no-answer', afterRecording: true } },
  { name: 'resets after recording', fault: { kind: 'reset', afterRecording: true } },
  { name: 'HTTP 502 after recording', fault: { kind: 'http-status', status: 502, afterRecording: true } },
];

/** Whether the answer says the report was parked in the dead-letter store (handled: not to be redelivered). */
function parkedAnswer(value: unknown): boolean {
  const text = JSON.stringify(value);
  return text.includes('Accepted.DeadLettered') || text.includes('"deadLettered"');
}

interface LongCell {
  readonly fault: string;
  readonly source: string;
  readonly upstreamCalls: number;
  readonly records: number;
  readonly recordedAnswers: number;
  readonly parkedAnswers: number;
  readonly failedAnswers: number;
  readonly lost: number;
  readonly slowestMs: number;
}

async function runLongCell(name: string, fault: EmulatorFault, source: Source): Promise<LongCell> {
  const { main_handler } = loadBundle();
  counter += 1;
  const n = counter;
  const report = distinctReport(`long ${name} × ${source.name}`, { RoomId: `room-${n}`, TroubleType: 1, TroubleTime: 1764160000 + n });
  const event = source.event(report, n);
  emulator.inject(fault, 1000);
  let recordedAnswers = 0;
  let parkedAnswers = 0;
  let failedAnswers = 0;
  let slowestMs = 0;
  try {
    for (let d = 0; d < LONG_DELIVERIES; d += 1) {
      const started = performance.now();
      let value: unknown;
      let threw = false;
      try {
        value = await main_handler(event, { request_id: `long-${n}-${d}`, time_limit_in_ms: TIME_LIMIT_MS });
      } catch {
        threw = true;
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      if (!threw && parkedAnswer(value)) parkedAnswers += 1;
      else if (!threw && source.recorded(value)) recordedAnswers += 1;
      else failedAnswers += 1;
    }
  } finally {
    emulator.clearFaults();
  }
  const mine = (params: unknown): boolean => (params as { TroubleMsg?: unknown } | undefined)?.TroubleMsg === report.TroubleMsg;
  const records = emulator.created.filter((c) => c.TroubleMsg === report.TroubleMsg).length;
  return {
    fault: name,
    source: source.name,
    upstreamCalls: emulator.calls.filter((c) => mine(c.params)).length,
    records,
    recordedAnswers,
    parkedAnswers,
    failedAnswers,
    // Lost: neither recorded by TRTC nor parked for an operator.
    lost: records === 0 && parkedAnswers === 0 ? 1 : 0,
    slowestMs,
  };
}

const longCells: LongCell[] = [];

afterAll(() => {
  if (longCells.length === 0) return;
  const header = [
    'fault (every delivery)',
    'source',
    'deliveries',
    'upstream calls',
    'records',
    'answered recorded',
    'answered parked',
    'failed',
    'lost',
    'slowest ms',
  ];
  const rows = longCells.map((c) =>
    [c.fault, c.source, LONG_DELIVERIES, c.upstreamCalls, c.records, c.recordedAnswers, c.parkedAnswers, c.failedAnswers, c.lost, Math.round(c.slowestMs)].map(
      String,
    ),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]): string => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    `\nlong ambiguity (${LONG_DELIVERIES} deliveries each):\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`,
  );
});

describeWithRedis(`long ambiguity over ${LONG_DELIVERIES} deliveries: at most 2 records per report, none lost`, () => {
  for (const { name, fault } of LONG_FAULTS) {
    for (const source of SOURCES) {
      it(`${name} × ${source.name}`, async () => {
        const cell = await runLongCell(name, fault, source);
        longCells.push(cell);
        expect(cell.records, 'records per report').toBeLessThanOrEqual(2);
        expect(cell.upstreamCalls, 'sends per report').toBeLessThanOrEqual(2);
        expect(cell.lost, 'reports lost').toBe(0);
        // Once settled (recorded, or parked after two unanswered sends) every later delivery is answered as handled.
        expect(cell.failedAnswers, 'deliveries answered "retry"').toBeLessThanOrEqual(1);
        expect(cell.slowestMs, 'every answer before time_limit_in_ms').toBeLessThan(TIME_LIMIT_MS);
      }, 60_000);
    }
  }
});
