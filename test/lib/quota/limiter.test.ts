import { describe, expect, it } from 'vitest';
import { FailoverLimiter, type RateLimiter, type Reservation } from '../../../lib/quota/limiter';

function limiter(describe: string, reserve: (maxWaitMs: number) => Promise<Reservation>, closed: string[] = []): RateLimiter {
  return { describe, reserve, close: async () => void closed.push(describe) };
}

describe('FailoverLimiter', () => {
  it("answers with the shared limiter's slot or refusal while it works, and describes its limit", async () => {
    const failover = new FailoverLimiter(
      limiter('shared', async (ms) => (ms > 100 ? { ok: true, waitMs: 40 } : { ok: false, retryAfterMs: 900 })),
      limiter('local', async () => {
        throw new Error('the fallback must not be asked');
      }),
    );
    expect(failover.describe).toBe('shared');
    expect(await failover.reserve(1000)).toEqual({ ok: true, waitMs: 40 });
    expect(await failover.reserve(50)).toEqual({ ok: false, retryAfterMs: 900 });
  });

  it('when the shared limiter fails, paces alone and says why on the slot; a refusal stays a refusal', async () => {
    let free = true;
    const failover = new FailoverLimiter(
      limiter('shared', async () => {
        throw new Error('redis://10.0.0.5:6379/0 is unreachable');
      }),
      limiter('local', async () => (free ? { ok: true, waitMs: 10 } : { ok: false, retryAfterMs: 300 })),
    );
    expect(await failover.reserve(1000)).toEqual({ ok: true, waitMs: 10, degraded: 'redis://10.0.0.5:6379/0 is unreachable' });
    free = false;
    expect(await failover.reserve(1000)).toEqual({ ok: false, retryAfterMs: 300 });
  });

  it('close() closes the shared limiter', async () => {
    const closed: string[] = [];
    await new FailoverLimiter(
      limiter('shared', async () => ({ ok: true, waitMs: 0 }), closed),
      limiter('local', async () => ({ ok: true, waitMs: 0 }), closed),
    ).close();
    expect(closed).toEqual(['shared']);
  });
});
