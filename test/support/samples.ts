/**
 * The sample-driven suite, shared by the bundle (test/bundle/samples.test.ts) and the source
 * (test/handlers/index.test.ts): every `events/NAME.json` runs through main_handler against the embedded TRTC
 * emulator, over real loopback HTTP with the real SDK, and must produce the outcome written in
 * `events/NAME.expect.json`. Adding a sample adds a test to both.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorCall, EmulatorFault } from '../../tools/trtc-emulator';
import { PARAMETER_NAMES } from '../../lib/report';
import { ROOT, type MainHandler } from './bundle';
import { useEmulator } from './emulated';
import { withEnv } from './env';
import { captureStdout } from './logs';
import { logLineProblems } from './log-schema';

interface BatchSummaryShape {
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  records: { index: number; status: string; requestId?: string; key?: string; error?: { code: string } }[];
}

interface Expectation {
  description: string;
  /**
   * http: an integration response; envelope: the returned cloud-API envelope; batch: a batch summary; timer: the
   * probe result; throws: the handler rejects (errorCode BatchIncomplete / ProbeFailed name the error class,
   * anything else is the code inside the envelope the error carries).
   */
  result: 'http' | 'envelope' | 'batch' | 'timer' | 'throws';
  /** For http results: the answer's shape (default the integration response). */
  answer?: 'alb' | 'alb-multi-value';
  /** For batch results: the counts. */
  batch?: { sent: number; skipped: number; failed: number };
  status?: number;
  errorCode: string | null;
  upstreamCalls: number;
  /** The parameters TRTC must have recorded, in order. */
  sent?: Record<string, unknown>[];
  faults?: EmulatorFault[];
  env?: Record<string, string | null>;
  timeLimitMs?: number;
}

const EVENTS = path.join(ROOT, 'events');
const samples = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expect.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8'));
}

/** Outcomes of faults whose answer carries no cloud-API envelope (so no RequestId reaches the function). */
const NO_ENVELOPE: ReadonlySet<string> = new Set(['http-status', 'no-answer', 'reset', 'invalid-json']);

/** The RequestId the emulator answered `call` with, when its answer was an envelope the function could read. */
export function envelopeRequestId(call: EmulatorCall | undefined): string | undefined {
  return call === undefined || NO_ENVELOPE.has(call.outcome) ? undefined : call.requestId;
}

/** Loads main_handler; `fresh` means a cold start (new module state). */
export type HandlerLoader = (options: { fresh: boolean }) => Promise<{ main_handler: MainHandler }>;

/**
 * Registers the sample suite under `title`: every sample through the handler `load` gives, against the emulator
 * (set up here), checked against its expectation.
 */
export function describeSamples(title: string, load: HandlerLoader): void {
  const { emulator, credential } = useEmulator({ LOG_LEVEL: 'debug' });

  describe(title, () => {
    it('there are samples, each with an expectation', () => {
      expect(samples.length).toBeGreaterThan(10);
      for (const name of samples) expect(() => readJson(`${name}.expect.json`), name).not.toThrow();
    });

    it.each(samples)('%s', async (name) => {
      const event = readJson(`${name}.json`);
      const expected = readJson(`${name}.expect.json`) as Expectation;
      // Each sample is a cold start: no idempotency memory carried over from another sample.
      const { main_handler } = await load({ fresh: true });
      for (const fault of expected.faults ?? []) emulator.inject(fault);
      const undo = withEnv(Object.fromEntries(Object.entries(expected.env ?? {}).map(([k, v]) => [k, v ?? undefined])));
      const invocationId = randomUUID();
      const run = await captureStdout(() => main_handler(event, { request_id: invocationId, time_limit_in_ms: expected.timeLimitMs ?? 10_000 }));
      undo();

      // Upstream: exactly the expected calls, and exactly the 8 parameters with the API's JSON types.
      expect(emulator.calls.length, 'upstream calls').toBe(expected.upstreamCalls);
      if (expected.sent) {
        const created = emulator.created.map(({ RequestId: _id, ...params }) => params);
        expect(created).toEqual(expected.sent);
        for (const params of created) expect(Object.keys(params).sort()).toEqual([...PARAMETER_NAMES].sort());
      }

      if (expected.result === 'batch' || expected.result === 'timer' || ['BatchIncomplete', 'ProbeFailed'].includes(expected.errorCode ?? '')) {
        checkNonEnvelope(expected, run);
        checkLogs(run.lines);
        return;
      }

      let envelope: { Response: { RequestId: string; Error?: { Code: string; Message: string } } };
      if (expected.result === 'throws') {
        expect(run.error, 'the handler rejects').toBeInstanceOf(Error);
        expect((run.error as Error).stack, 'no stack frames for the platform log').not.toMatch(/\n\s+at /);
        envelope = JSON.parse((run.error as Error).message) as typeof envelope;
      } else {
        expect(run.error, 'the handler does not throw').toBeUndefined();
        if (expected.result === 'http') {
          const response = run.value as {
            isBase64Encoded: unknown;
            statusCode: unknown;
            statusDescription?: unknown;
            headers?: Record<string, string>;
            multiValueHeaders?: Record<string, string[]>;
            body: string;
          };
          const headerKey = expected.answer === 'alb-multi-value' ? 'multiValueHeaders' : 'headers';
          const keys = ['body', headerKey, 'isBase64Encoded', 'statusCode', ...(expected.answer ? ['statusDescription'] : [])].sort();
          expect(Object.keys(response).sort()).toEqual(keys);
          expect(response.isBase64Encoded).toBe(false);
          expect(response.statusCode).toBe(expected.status);
          if (expected.answer) expect(response.statusDescription).toMatch(new RegExp(`^${String(expected.status)} `));
          const contentType = expected.answer === 'alb-multi-value' ? response.multiValueHeaders?.['Content-Type']?.[0] : response.headers?.['Content-Type'];
          expect(contentType).toMatch(/^application\/json/);
          envelope = JSON.parse(response.body) as typeof envelope;
        } else {
          envelope = run.value as typeof envelope;
        }
      }

      if (expected.errorCode === null) {
        expect(envelope).toEqual({ Response: { RequestId: emulator.created.at(-1)?.RequestId } });
      } else {
        expect(envelope.Response.Error?.Code).toBe(expected.errorCode);
        expect(envelope.Response.Error?.Message).toMatch(/\S/);
        // TRTC's RequestId when TRTC's last answer was a cloud-API envelope (the emulator's record says which call
        // answered with one, and with which RequestId), else the invocation's own: decided from the emulator alone.
        expect(envelope.Response.RequestId).toBe(envelopeRequestId(emulator.calls.at(-1)) ?? invocationId);
      }

      checkLogs(run.lines);
    });
  });

  function checkNonEnvelope(expected: Expectation, run: { value?: unknown; error?: unknown }): void {
    if (expected.errorCode === 'BatchIncomplete' || expected.errorCode === 'ProbeFailed') {
      expect(run.error).toBeInstanceOf(Error);
      expect((run.error as Error).name).toBe(`${expected.errorCode}Error`);
      expect((run.error as Error).stack, 'no stack frames for the platform log').not.toMatch(/\n\s+at /);
      expect((run.error as Error).message).toMatch(/\S/);
      return;
    }
    expect(run.error, 'the handler does not throw').toBeUndefined();
    if (expected.result === 'timer') {
      // The probe proved signature, permission and action with a parameter error, and created nothing.
      expect(run.value).toMatchObject({ Probe: { healthy: true, verdict: 'ok', keys: 'present', upstreamCode: 'MissingParameter' } });
      expect(emulator.created).toHaveLength(0);
      return;
    }
    const summary = run.value as BatchSummaryShape;
    expect({ sent: summary.sent, skipped: summary.skipped, failed: summary.failed }).toEqual(expected.batch);
    expect(summary.total).toBe(summary.records.length);
    // Every sent record carries the RequestId TRTC gave it, in order of creation.
    const sentIds = summary.records
      .filter((r) => r.status === 'sent')
      .map((r) => r.requestId)
      .sort();
    expect(sentIds).toEqual(emulator.created.map((c) => c.RequestId).sort());
    for (const record of summary.records.filter((r) => r.status === 'skipped')) expect(record.error?.code).toMatch(/\S/);
  }

  function checkLogs(lines: string[]): void {
    // Logs: JSON lines, an invocation line, and never a secret.
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      // Every line validates against the published schema (docs/log-schema.json).
      expect(logLineProblems(line)).toBeUndefined();
      expect(line).not.toContain(credential.secretKey);
      expect(line).not.toContain(credential.token);
    }
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'invocation')).toBe(true);
  }
}
