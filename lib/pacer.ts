/**
 * Spaces out call starts so that a batch stays under a rate (TRTC allows 20 CreateTroubleInfo calls per second).
 * Every attempt, retries included, takes a slot.
 */
import { sleep } from './deadline';
import type { CallOptions, TroubleInfoClient } from './trtc/client';
import type { TroubleReport } from './report';

export class PacedClient implements TroubleInfoClient {
  private next = 0;
  private readonly gapMs: number;

  constructor(
    private readonly inner: TroubleInfoClient,
    ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.gapMs = 1000 / ratePerSecond;
  }

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    const now = this.now();
    const slot = Math.max(now, this.next);
    this.next = slot + this.gapMs;
    if (slot > now) await sleep(slot - now);
    if (options.signal.aborted) throw new Error('The user aborted a request.');
    return this.inner.create(report, options);
  }
}
