/**
 * The rate limiter port: one call slot per TRTC attempt. A reservation either gives the wait until the slot (the
 * caller sleeps that long, then calls) or refuses because no slot is free within the wait the caller can afford,
 * saying when one is expected.
 */

export type Reservation =
  | {
      readonly ok: true;
      readonly waitMs: number;
      /** Set when the shared limiter failed and this slot came from the per-instance fallback: why. */
      readonly degraded?: string;
    }
  | { readonly ok: false; readonly retryAfterMs: number };

export interface RateLimiter {
  /** A slot no more than `maxWaitMs` from now, or a refusal; a refusal consumes nothing. */
  reserve(maxWaitMs: number): Promise<Reservation>;
  /** What the limit is, for messages: e.g. "19.2 calls per second for every instance together". */
  readonly describe: string;
  close?(): Promise<void>;
}

/** Tries the shared limiter; when it fails (Redis down), paces this instance alone and says so. */
export class FailoverLimiter implements RateLimiter {
  readonly describe: string;

  constructor(
    private readonly primary: RateLimiter,
    private readonly fallback: RateLimiter,
  ) {
    this.describe = primary.describe;
  }

  async reserve(maxWaitMs: number): Promise<Reservation> {
    let why: string;
    try {
      return await this.primary.reserve(maxWaitMs);
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
    }
    const slot = await this.fallback.reserve(maxWaitMs);
    return slot.ok ? { ...slot, degraded: why } : slot;
  }

  async close(): Promise<void> {
    await this.primary.close?.();
  }
}
