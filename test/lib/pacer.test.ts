/**
 * Call slots judged by what the limiter granted, on an injected clock (no wall-clock timing): even spacing at the
 * rate, whatever the concurrency; no wait past an attempt's latest start; a refusal consumes nothing and says
 * when a slot will be free.
 */
import { describe, expect, it } from 'vitest';
import { LocalPacer, RateLimitedClient } from '../../lib/pacer';
import { FailoverLimiter, type RateLimiter } from '../../lib/quota/limiter';
import type { TroubleReport } from '../../lib/report';
import type { CallOptions, TroubleInfoClient } from '../../lib/trtc/client';
import { NoCallSlotError } from '../../lib/trtc/errors';

const report = {} as TroubleReport;

/** A virtual clock: `wait` advances it; the inner client records the time each call started. */
function rig(limiterOf: (now: () => number) => RateLimiter) {
  let clock = 1_000_000;
  const now = (): number => clock;
  const starts: number[] = [];
  const inner: TroubleInfoClient = {
    create: async () => {
      starts.push(clock);
      return { requestId: `r${starts.length}` };
    },
  };
  // Sleeps resolve in order of their end time, advancing the clock to it.
  const sleepers: { until: number; resolve: () => void }[] = [];
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      sleepers.push({ until: clock + ms, resolve });
    });
  const drain = async (): Promise<void> => {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (sleepers.length === 0) return;
      sleepers.sort((a, b) => a.until - b.until);
      const next = sleepers.shift()!;
      clock = Math.max(clock, next.until);
      next.resolve();
    }
  };
  const limiter = limiterOf(now);
  const client = new RateLimitedClient(inner, limiter, now, wait);
  const options = (notAfter?: number): CallOptions => ({ signal: new AbortController().signal, ...(notAfter === undefined ? {} : { notAfter }) });
  return { client, starts, drain, options, now, advance: (ms: number) => (clock += ms) };
}

describe('LocalPacer through RateLimitedClient', () => {
  it('spaces 40 concurrent calls exactly 1000/rate ms apart (19/s: 52.6 ms)', async () => {
    const r = rig((now) => new LocalPacer(19, now));
    const calls = Array.from({ length: 40 }, () => r.client.create(report, r.options()));
    await r.drain();
    await Promise.all(calls);
    expect(r.starts).toHaveLength(40);
    for (let i = 1; i < r.starts.length; i += 1) expect(r.starts[i]! - r.starts[i - 1]!).toBeCloseTo(1000 / 19, 6);
    // Every fixed one-second window holds at most 20 starts.
    const windows = new Map<number, number>();
    for (const t of r.starts) windows.set(Math.floor(t / 1000), (windows.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...windows.values())).toBeLessThanOrEqual(20);
  });

  it('never waits past the latest start: a call whose slot is later fails at once with NoCallSlotError, consuming nothing', async () => {
    const r = rig((now) => new LocalPacer(1, now));
    const notAfter = r.now() + 2400;
    const results = Array.from({ length: 5 }, () =>
      r.client.create(report, r.options(notAfter)).then(
        () => 'sent',
        (e: unknown) => e,
      ),
    );
    await r.drain();
    const settled = await Promise.all(results);
    expect(settled.slice(0, 3)).toEqual(['sent', 'sent', 'sent']);
    for (const refused of settled.slice(3)) {
      expect(refused).toBeInstanceOf(NoCallSlotError);
      expect((refused as NoCallSlotError).retryAfterMs).toBeGreaterThan(0);
    }
    expect(Math.max(...r.starts)).toBeLessThanOrEqual(notAfter);
    // The refusals took no slot: the next call gets the slot right after the last granted one.
    const next = r.client.create(report, r.options());
    await r.drain();
    await next;
    expect(r.starts.at(-1)! - r.starts[2]!).toBe(1000);
  });

  it('a call whose latest start has passed is refused without asking the limiter', async () => {
    let asked = 0;
    const r = rig(() => ({ describe: 'test', reserve: async () => ((asked += 1), { ok: true, waitMs: 0 }) }));
    await expect(r.client.create(report, r.options(r.now() - 1))).rejects.toBeInstanceOf(NoCallSlotError);
    expect(asked).toBe(0);
  });

  it('after a quiet spell the schedule restarts from now (no burst is saved up)', async () => {
    const pacer = new LocalPacer(10, () => 5000);
    expect(await pacer.reserve(1000)).toEqual({ ok: true, waitMs: 0 });
    expect(await pacer.reserve(1000)).toEqual({ ok: true, waitMs: 100 });
    expect(await pacer.reserve(50)).toEqual({ ok: false, retryAfterMs: 200 });
  });
});

describe('FailoverLimiter', () => {
  it('uses the shared limiter while it answers, and paces the instance alone (saying why) when it fails', async () => {
    let up = true;
    const shared: RateLimiter = {
      describe: 'shared',
      reserve: async () => {
        if (!up) throw new Error('redis://10.0.0.5:6379/0 is unreachable');
        return { ok: true, waitMs: 7 };
      },
    };
    const limiter = new FailoverLimiter(shared, new LocalPacer(10, () => 0));
    expect(await limiter.reserve(1000)).toEqual({ ok: true, waitMs: 7 });
    up = false;
    expect(await limiter.reserve(1000)).toEqual({ ok: true, waitMs: 0, degraded: 'redis://10.0.0.5:6379/0 is unreachable' });
  });
});
