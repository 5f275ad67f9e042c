/**
 * lib/server/deep-health.ts on its own, with a clock of the test's: the token check, one probe call per interval per
 * server (answers in between come from the last call, with their age), and calls that overlap share one.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { openInvocation } from '../../../lib/invocation';
import { ApiError } from '../../../lib/trtc/errors';
import type { TroubleInfoClient } from '../../../lib/trtc/client';
import { deepHealthResponse } from '../../../lib/server/deep-health';
import { DEEP_PROBE_INTERVAL_MS } from '../../../lib/server/limits';

const ENV = { TENCENTCLOUD_SECRETID: 'AKIDexample', TENCENTCLOUD_SECRETKEY: 'secret-key-example', AUTH_TOKEN: 'token-of-the-test-0123' };

function counting(): { client: TroubleInfoClient; calls: () => number; release: () => void } {
  let calls = 0;
  let release: () => void = () => {};
  const client: TroubleInfoClient = {
    create: () => {
      calls += 1;
      return new Promise((_, reject) => {
        release = () => reject(new ApiError('MissingParameter', 'The parameter SdkAppId is missing', 'req-1'));
      });
    },
  };
  return { client, calls: () => calls, release: () => release() };
}

describe('deepHealthResponse', () => {
  const open = (client: TroubleInfoClient) => () => openInvocation({ request_id: 'r' }, 'test', { env: ENV, client, startedAt: Date.now(), write: () => {} });

  it('401 without the bearer token, nothing called', async () => {
    const probe = counting();
    const answer = await deepHealthResponse(http.createServer(), undefined, open(probe.client), 'r');
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['WWW-Authenticate']).toBe('Bearer');
    expect(probe.calls()).toBe(0);
  });

  it('one call per interval: overlapping probes share it, later ones get its result with its age, then a new call', async () => {
    const probe = counting();
    const server = http.createServer();
    let clock = 1_000_000;
    const now = (): number => clock;
    const ask = () => deepHealthResponse(server, `Bearer ${ENV.AUTH_TOKEN}`, open(probe.client), 'r', now);
    const first = ask();
    const overlapping = ask();
    await new Promise((resolve) => setImmediate(resolve));
    clock += 40;
    probe.release();
    const [a, b] = await Promise.all([first, overlapping]);
    expect(probe.calls()).toBe(1);
    expect(JSON.parse(a.body)).toMatchObject({ status: 'ok', cached: false, probe: { verdict: 'ok' } });
    expect(JSON.parse(b.body)).toMatchObject({ status: 'ok', cached: true, ageMs: 0 });
    clock += DEEP_PROBE_INTERVAL_MS - 41;
    expect(JSON.parse((await ask()).body)).toMatchObject({ cached: true, ageMs: DEEP_PROBE_INTERVAL_MS - 41 });
    expect(probe.calls()).toBe(1);
    clock += 1;
    const next = ask();
    await new Promise((resolve) => setImmediate(resolve));
    probe.release();
    expect(JSON.parse((await next).body)).toMatchObject({ cached: false });
    expect(probe.calls()).toBe(2);
    // Another server (instance) has its own interval.
    const other = deepHealthResponse(http.createServer(), `Bearer ${ENV.AUTH_TOKEN}`, open(probe.client), 'r', now);
    await new Promise((resolve) => setImmediate(resolve));
    probe.release();
    expect(JSON.parse((await other).body)).toMatchObject({ cached: false });
    expect(probe.calls()).toBe(3);
  });
});
