/**
 * Batch behaviour through the built bundle against the emulator: calls are paced under the configured rate, run
 * with bounded concurrency, and no call is started when the time left would not cover one — those records are
 * reported as failed, the handler throws so the platform redelivers them, and it answers before the deadline.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadBundle } from './support/bundle';
import { useEmulator } from './support/emulated';
import { withEnv } from './support/env';
import { captureStdout } from './support/logs';

const { emulator } = useEmulator({ IDEMPOTENCY_TTL_SECONDS: '0' });

function kafka(n: number): unknown {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      Ckafka: {
        topic: 'classroom-trouble',
        partition: 2,
        offset: 100 + i,
        msgKey: 'None',
        msgBody: JSON.stringify({
          SdkAppId: '1400188366',
          RoomId: String(5000 + i),
          TeacherUserId: 'teacher_lin',
          StudentUserId: 'student_wang',
          TroubleUserId: 'student_wang',
          TroubleType: 3,
          TroubleTime: 1764150000 + i,
          TroubleMsg: `batch report ${i} ${randomUUID()}`,
        }),
      },
    })),
  };
}

describe('batches', () => {
  it('start calls no faster than BATCH_RATE_PER_SECOND, whatever the concurrency', { timeout: 20_000 }, async () => {
    const undo = withEnv({ BATCH_RATE_PER_SECOND: '10', BATCH_CONCURRENCY: '8' });
    try {
      const { main_handler } = loadBundle({ fresh: true });
      const run = await captureStdout(() => main_handler(kafka(8), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
      expect(run.error).toBeUndefined();
      expect((run.value as { sent: number }).sent).toBe(8);
      const starts = emulator.calls.map((c) => c.at).sort((a, b) => a - b);
      // 10 per second: the calls are started 100 ms apart. Arrival times jitter with the network and the machine's
      // load, so check spans rather than single gaps: 8 calls span at least 7 intervals, and no three arrive within
      // two intervals' time (with slack for the jitter).
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(7 * 100 - 50);
      for (let i = 2; i < starts.length; i += 1) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(2 * 100 - 60);
    } finally {
      undo();
    }
  });

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
      const error = run.error as Error & { summary?: { sent: number; failed: number; records: { status: string; error?: { code: string; message: string } }[] } };
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
