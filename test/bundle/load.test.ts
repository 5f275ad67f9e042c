/**
 * A bounded load test of the standalone server on loopback (tools/bench/load.ts): several seconds of concurrent
 * requests, each a distinct report that reaches the emulator through the real SDK. Asserts correctness under
 * load — no errors, no non-2xx but the documented 503 past a connection's request limit, one distinct RequestId per answer, every report recorded — and that memory stays
 * bounded once the idempotency cache is full. Throughput and latency are printed, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REQUESTS_PER_SOCKET } from '../../lib/server/limits';
import { runLoad } from '../../tools/bench/load';
import { ROOT } from '../support/bundle';

describe('standalone server under load', () => {
  it('answers every request correctly and keeps its memory bounded', { timeout: 60_000 }, async () => {
    const figures = await runLoad({ seconds: 6, connections: 16, root: ROOT, env: { IDEMPOTENCY_CACHE_SIZE: '2000' } });
    process.stderr.write(`load: ${JSON.stringify(figures)}\n`);
    // How many depends on the machine (printed, not judged); every connection must have been answered at least once.
    expect(figures.requests).toBeGreaterThanOrEqual(16);
    expect(figures.errors).toBe(0);
    expect(figures.timeouts).toBe(0);
    // The only non-2xx: autocannon ignores `Connection: close` after a connection's request limit and sends one more
    // request there, which Node answers 503 — at most once per connection per MAX_REQUESTS_PER_SOCKET requests.
    expect(figures.non2xx).toBe(figures.pastSocketLimit);
    expect(figures.pastSocketLimit).toBeLessThanOrEqual(Math.ceil(figures.requests / MAX_REQUESTS_PER_SOCKET) + 16);
    expect(figures.distinctRequestIds).toBe(figures.requests - figures.non2xx);
    expect(figures.upstreamCreated).toBeGreaterThanOrEqual(figures.requests - figures.non2xx);
    // Bounded: the idempotency cache is capped and nothing else accumulates per request.
    expect(figures.rssEndMiB).toBeLessThan(figures.rssWarmMiB + 80);
    expect(figures.rssMaxMiB).toBeLessThan(256);
  });
});
