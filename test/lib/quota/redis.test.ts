/**
 * The shared Redis call schedule against a real redis-server: two limiters (two instances) draw from one even
 * schedule, a refusal consumes nothing and says when a slot is free, and an unreachable Redis rejects quickly so
 * FailoverLimiter can pace the instance alone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalPacer } from '../../../lib/pacer';
import { FailoverLimiter } from '../../../lib/quota/limiter';
import { RedisRateLimiter } from '../../../lib/quota/redis';
import { freePort, startRedisServer, type RedisServer, describeWithRedis, redisServerBinary } from '../../support/redis-server';

let redis: RedisServer;
const limiters: RedisRateLimiter[] = [];
const limiter = (key: string, ratePerSecond = 20): RedisRateLimiter => {
  const l = new RedisRateLimiter({ url: redis.url, ratePerSecond, key });
  limiters.push(l);
  return l;
};

beforeAll(async () => {
  // Without redis-server the suites below are skipped (describeWithRedis; one notice for the run): nothing to start.
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
});
afterAll(async () => {
  if (redisServerBinary() === null) return;
  for (const l of limiters) await l.close();
  await redis.stop();
});

describeWithRedis('RedisRateLimiter', () => {
  it('two instances share one even schedule: 1000/rate ms per slot, whoever asks', async () => {
    const a = limiter('proof-shared');
    const b = limiter('proof-shared');
    // Each slot is due at (the time of the answer + its wait), known to within the round trip of its request.
    const due: { at: number; error: number }[] = [];
    for (const l of [a, b, a, b, a, b]) {
      const before = Date.now();
      const slot = await l.reserve(10_000);
      const after = Date.now();
      expect(slot.ok).toBe(true);
      if (slot.ok) due.push({ at: after + slot.waitMs, error: after - before + 1 });
    }
    for (let i = 1; i < due.length; i += 1) {
      const gap = due[i]!.at - due[i - 1]!.at;
      const error = due[i]!.error + due[i - 1]!.error;
      expect(gap).toBeGreaterThanOrEqual(50 - error);
      expect(gap).toBeLessThanOrEqual(50 + error);
    }
  });

  it('refuses a slot beyond the caller’s wait without consuming it, and says when one is free', async () => {
    const l = limiter('proof-refusal', 2);
    expect(await l.reserve(100)).toMatchObject({ ok: true });
    const refused = await l.reserve(100);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.retryAfterMs).toBeGreaterThan(400);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(500);
    }
    const next = await l.reserve(1000);
    expect(next.ok && next.waitMs).toBeGreaterThan(400);
    expect(next.ok && next.waitMs).toBeLessThanOrEqual(500);
  });

  it('an unreachable Redis rejects within the caller’s wait; the failover paces the instance alone and says why', async () => {
    const down = new RedisRateLimiter({ url: `redis://127.0.0.1:${await freePort()}`, ratePerSecond: 20 });
    limiters.push(down);
    const started = Date.now();
    await expect(down.reserve(300)).rejects.toThrow(/127\.0\.0\.1/);
    expect(Date.now() - started).toBeLessThan(1500);
    const slot = await new FailoverLimiter(down, new LocalPacer(20)).reserve(300);
    expect(slot).toMatchObject({ ok: true, waitMs: 0 });
    expect(slot.ok && slot.degraded).toMatch(/unreachable|no connection/);
  });
});
