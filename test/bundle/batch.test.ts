/**
 * Batch behaviour through the built bundle against the emulator: calls are paced under the configured rate, run
 * with bounded concurrency, and no call is started when the time left would not cover one — those records are
 * reported as failed, the handler throws so the platform redelivers them, and it answers before the deadline.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../support/bundle';
import { distinctReport } from '../support/fixtures';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { captureStdout } from '../support/logs';
import { startRateLimitedUpstream } from '../../tools/bench/rate-limited-upstream';

const { emulator } = useEmulator({ IDEMPOTENCY_TTL_SECONDS: '0' });

function kafka(n: number): unknown {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      Ckafka: {
        topic: 'classroom-trouble',
        partition: 2,
        offset: 100 + i,
        msgKey: 'None',
        msgBody: JSON.stringify(distinctReport(`batch report ${i}`, { RoomId: String(5000 + i), TroubleType: 3, TroubleTime: 1764150000 + i })),
      },
    })),
  };
}

describe('batches', () => {
  it('start calls no faster than BATCH_RATE_PER_SECOND, whatever the concurrency', { timeout: 20_000 }, async () => {
    // The exact spacing is proved on an injected clock (test/pacer.test.ts). Here, through the bundle and real
    // HTTP, arrival times also carry the machine's scheduling delay: the tolerance is what this process measured
    // while the batch ran (event-loop delay, which delays both the pacer's timers and the emulator's timestamps).
    const undo = withEnv({ BATCH_RATE_PER_SECOND: '10', BATCH_CONCURRENCY: '8' });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      delay.enable();
      const run = await captureStdout(() => main_handler(kafka(8), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      delay.disable();
      expect(run.error).toBeUndefined();
      expect((run.value as { sent: number }).sent).toBe(8);
      const toleranceMs = 2 * (delay.max / 1e6) + 10;
      const starts = emulator.calls.map((c) => c.at).sort((a, b) => a - b);
      // 10 per second: slots 100 ms apart. 8 calls span 7 intervals, and no three arrive within two intervals.
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(7 * 100 - toleranceMs);
      for (let i = 2; i < starts.length; i += 1) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(2 * 100 - toleranceMs);
    } finally {
      delay.disable();
      undo();
    }
  });

  /** A batch of 60 at the default pace against an upstream enforcing `limit` per one-second window. */
  async function paceAgainst(limit: number): Promise<{ sent: number; refused: number; busiest: number; lines: string[] }> {
    const upstream = await startRateLimitedUpstream(process.env['TRTC_ENDPOINT']!, limit);
    const undo = withEnv({ TRTC_ENDPOINT: upstream.url, BATCH_CONCURRENCY: '8' });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const run = await captureStdout(() => main_handler(kafka(60), { request_id: randomUUID(), time_limit_in_ms: 15_000 }));
      const summary = (run.error === undefined ? run.value : (run.error as { summary: unknown }).summary) as { sent: number };
      // Every request TRTC saw in each window, accepted or refused (the accepted ones alone never exceed the limit).
      return { sent: summary.sent, refused: upstream.refused(), busiest: Math.max(...upstream.offered.values()), lines: run.lines };
    } finally {
      undo();
      await upstream.stop();
    }
  }

  it('pace at 19/s by default: a batch of 60 against an upstream enforcing 20 per one-second window is never throttled', { timeout: 30_000 }, async () => {
    const run = await paceAgainst(20);
    expect(run.sent).toBe(60);
    expect(run.refused).toBe(0);
    expect(run.busiest).toBeLessThanOrEqual(20);
    expect(run.lines.join('\n')).not.toContain('RequestLimitExceeded');
  });

  it('the same checks catch a pace above the upstream limit (19/s against 12 per window)', { timeout: 30_000 }, async () => {
    const run = await paceAgainst(12);
    expect(run.busiest).toBeGreaterThan(12);
    expect(run.refused).toBeGreaterThan(0);
  });

  it(
    'never sleep past the deadline for a slot: BATCH_RATE_PER_SECOND=1 and a 3 s limit answer in time, the records not started failed and retryable',
    { timeout: 20_000 },
    async () => {
      const undo = withEnv({ BATCH_RATE_PER_SECOND: '1', BATCH_CONCURRENCY: '4' });
      try {
        const { main_handler } = loadBundle({ fresh: true });
        const limit = 3000;
        const started = Date.now();
        const run = await captureStdout(() => main_handler(kafka(5), { request_id: randomUUID(), time_limit_in_ms: limit }));
        expect(Date.now() - started).toBeLessThan(limit);
        const error = run.error as Error & {
          summary?: { sent: number; failed: number; records: { status: string; error?: { code: string; message: string } }[] };
        };
        expect(error.name).toBe('BatchIncompleteError');
        const summary = error.summary!;
        expect(summary.sent + summary.failed).toBe(5);
        expect(summary.failed).toBeGreaterThanOrEqual(1);
        expect(emulator.calls.length).toBe(summary.sent);
        for (const record of summary.records.filter((r) => r.status === 'failed')) {
          expect(record.error?.code).toBe('RequestLimitExceeded');
          expect(record.error?.message).toMatch(/no TRTC call slot .* nothing was sent/);
        }
      } finally {
        undo();
      }
    },
  );

  it('keep at most BATCH_CONCURRENCY calls in flight', { timeout: 20_000 }, async () => {
    const undo = withEnv({ BATCH_RATE_PER_SECOND: '20', BATCH_CONCURRENCY: '2' });
    try {
      for (let i = 0; i < 6; i += 1) emulator.inject({ kind: 'delay', ms: 300 });
      const { main_handler } = loadBundle({ fresh: true });
      const run = await captureStdout(() => main_handler(kafka(6), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect(run.error).toBeUndefined();
      // Each call is held 300 ms; with two in flight, a third call can only start once one of them is answered.
      const starts = emulator.calls.map((c) => c.at).sort((a, b) => a - b);
      for (let i = 2; i < starts.length; i += 1) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(300 - 40);
    } finally {
      undo();
    }
  });

  it('start no call the remaining time would not cover: the rest fail as not attempted, the handler throws in time', { timeout: 20_000 }, async () => {
    const undo = withEnv({ BATCH_CONCURRENCY: '1', DEADLINE_MARGIN_MS: '100', UPSTREAM_TIMEOUT_MS: '1000' });
    try {
      for (let i = 0; i < 10; i += 1) emulator.inject({ kind: 'delay', ms: 400 });
      const { main_handler } = loadBundle({ fresh: true });
      const limit = 2000;
      const started = Date.now();
      const run = await captureStdout(() => main_handler(kafka(10), { request_id: randomUUID(), time_limit_in_ms: limit }));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(limit);
      const error = run.error as Error & {
        summary?: { sent: number; failed: number; records: { status: string; error?: { code: string; message: string } }[] };
      };
      expect(error.name).toBe('BatchIncompleteError');
      const summary = error.summary!;
      expect(summary.sent).toBeGreaterThanOrEqual(2);
      expect(summary.sent + summary.failed).toBe(10);
      expect(emulator.calls.length).toBe(summary.sent);
      const notAttempted = summary.records.filter((r) => r.status === 'failed');
      for (const record of notAttempted) {
        expect(record.error?.code).toBe('UpstreamTimeout');
        expect(record.error?.message).toMatch(/not attempted/);
      }
      expect(error.message).toMatch(/should be redelivered/);
    } finally {
      undo();
    }
  });
});
