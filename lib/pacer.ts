/**
 * Call slots for TRTC (20 CreateTroubleInfo calls per second for the account). Every attempt, retries included,
 * takes a slot before it is sent, and never waits past its latest start (`CallOptions.notAfter`, the deadline less
 * the time a call needs): when no slot is free by then, it fails at once with NoCallSlotError (nothing sent, 429
 * with the limiter's Retry-After), so an invocation never sleeps past its deadline.
 *
 * LocalPacer spaces the slots of one instance evenly (a batch's BATCH_RATE_PER_SECOND); lib/quota/redis.ts shares
 * one schedule between every instance.
 */
import { sleep } from './deadline';
import type { Reservation, RateLimiter } from './quota/limiter';
import type { TroubleReport } from './report';
import type { CallOptions, TroubleInfoClient } from './trtc/client';
import { AbortedError, NoCallSlotError } from './trtc/errors';

/** Even spacing for one instance: slot n starts n/rate seconds after the first (a virtual schedule, GCRA-style). */
export class LocalPacer implements RateLimiter {
  private next = 0;
  private readonly gapMs: number;
  readonly describe: string;

  constructor(
    ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.gapMs = 1000 / ratePerSecond;
    this.describe = `${ratePerSecond} calls per second for this instance`;
  }

  reserve(maxWaitMs: number): Promise<Reservation> {
    const now = this.now();
    const slot = Math.max(now, this.next);
    if (slot - now > maxWaitMs) return Promise.resolve({ ok: false, retryAfterMs: slot - now });
    this.next = slot + this.gapMs;
    return Promise.resolve({ ok: true, waitMs: slot - now });
  }
}

/** A client whose every attempt first takes a slot from `limiter`. */
export class RateLimitedClient implements TroubleInfoClient {
  constructor(
    private readonly inner: TroubleInfoClient,
    readonly limiter: RateLimiter,
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {}

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    const maxWaitMs = options.notAfter === undefined ? Number.POSITIVE_INFINITY : options.notAfter - this.now();
    const slot = maxWaitMs < 0 ? { ok: false as const, retryAfterMs: 0 } : await this.limiter.reserve(maxWaitMs);
    if (!slot.ok) {
      throw new NoCallSlotError(`no TRTC call slot was free before the deadline (${this.limiter.describe}); nothing was sent`, slot.retryAfterMs);
    }
    if (slot.degraded !== undefined) options.log?.warn('trtc quota unavailable: pacing this instance alone', { reason: slot.degraded });
    options.log?.debug('trtc call slot', { wait_ms: slot.waitMs });
    if (slot.waitMs > 0) await this.wait(slot.waitMs);
    if (options.signal.aborted) throw new AbortedError(false);
    return this.inner.create(report, options);
  }
}

/** A batch's pacing: this instance alone, at `ratePerSecond`. */
export class PacedClient extends RateLimitedClient {
  constructor(inner: TroubleInfoClient, ratePerSecond: number, now: () => number = Date.now) {
    super(inner, new LocalPacer(ratePerSecond, now), now);
  }
}
