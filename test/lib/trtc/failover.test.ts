/**
 * Endpoint failover against two TRTC emulators over loopback: a primary that refuses connections (never sent) sends
 * the call to the failover at once; after BREAKER_THRESHOLD such failures the breaker opens and calls go straight
 * to the failover; a minute later one call probes the primary, which closes the breaker when it answers. A failure
 * that may have reached TRTC (a reset after sending) is never repeated on the failover. The default failover is
 * the regional endpoint, and only for the default TRTC_ENDPOINT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, parseConfig, type Endpoint } from '../../../lib/config';
import { createLogger } from '../../../lib/log';
import { HttpTroubleInfoClient } from '../../../lib/trtc/client';
import { NetworkError } from '../../../lib/trtc/errors';
import { BREAKER_OPEN_MS, BREAKER_THRESHOLD, EndpointBreaker, failoverEndpoint } from '../../../lib/trtc/failover';
import { TrtcEmulator } from '../../../tools/trtc-emulator';
import { useEmulator } from '../../support/emulated';
import { BASE } from '../../support/fixtures';
import { closedPortUrl } from '../../support/reliability';

const { emulator: backup, credential } = useEmulator();
const primary = new TrtcEmulator({ credentials: [credential] });
let primaryUrl: string;

beforeAll(async () => {
  primaryUrl = await closedPortUrl();
});
afterAll(async () => {
  await primary.stop();
});

const endpointOf = (url: string): Endpoint => ({ protocol: 'http://', host: new URL(url).host });
const signal = (): AbortSignal => new AbortController().signal;

describe('endpoint failover', () => {
  it('never-sent failures go to the failover; a run of them opens the breaker; a minute later the primary is probed', async () => {
    let now = 1_000_000;
    const breaker = new EndpointBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_MS, () => now);
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    const client = new HttpTroubleInfoClient(
      { endpoint: endpointOf(primaryUrl), region: DEFAULTS.region, failoverEndpoint: endpointOf(backup.url) },
      () => process.env,
      breaker,
    );
    for (let i = 1; i <= BREAKER_THRESHOLD; i += 1) {
      await client.create({ ...BASE, TroubleMsg: `refused ${i}` }, { signal: signal(), log });
      expect(breaker.open).toBe(i === BREAKER_THRESHOLD);
    }
    expect(backup.created).toHaveLength(BREAKER_THRESHOLD);
    expect(lines.filter((l) => l.includes('trtc endpoint failover'))).toHaveLength(1);

    // The primary comes back on its port; the breaker still sends calls to the failover for a minute.
    await primary.start(Number(new URL(primaryUrl).port));
    await client.create({ ...BASE, TroubleMsg: 'while open' }, { signal: signal(), log });
    expect(primary.calls).toHaveLength(0);
    expect(backup.created).toHaveLength(BREAKER_THRESHOLD + 1);

    now += BREAKER_OPEN_MS;
    await client.create({ ...BASE, TroubleMsg: 'probe' }, { signal: signal(), log });
    expect(primary.created.map((c) => c.TroubleMsg)).toEqual(['probe']);
    expect(breaker.open).toBe(false);
  });

  it('never repeats on the failover a call that may have reached TRTC (reset after sending)', async () => {
    const started = new TrtcEmulator({ credentials: [credential] });
    const url = await started.start();
    try {
      started.inject({ kind: 'reset', afterRecording: true });
      const client = new HttpTroubleInfoClient({ endpoint: endpointOf(url), region: DEFAULTS.region, failoverEndpoint: endpointOf(backup.url) });
      const error = await client.create(BASE, { signal: signal() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).sent).toBe(true);
      expect(started.created).toHaveLength(1);
      expect(backup.calls).toHaveLength(0);
    } finally {
      await started.stop();
    }
  });

  it('defaults to the regional endpoint only for the default TRTC_ENDPOINT; `off` and an explicit URL are honoured', () => {
    const config = (env: Record<string, string>) => {
      const parsed = parseConfig(env);
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      return parsed.config;
    };
    expect(failoverEndpoint(config({ TENCENTCLOUD_REGION: 'ap-shanghai' }))).toEqual({ protocol: 'https://', host: 'trtc.ap-shanghai.tencentcloudapi.com' });
    expect(failoverEndpoint(config({ TRTC_ENDPOINT: 'http://127.0.0.1:8080' }))).toBeUndefined();
    expect(failoverEndpoint(config({ TRTC_FAILOVER_ENDPOINT: 'off' }))).toBeUndefined();
    expect(failoverEndpoint(config({ TRTC_ENDPOINT: 'http://127.0.0.1:8080', TRTC_FAILOVER_ENDPOINT: 'http://127.0.0.1:8081' }))).toEqual({
      protocol: 'http://',
      host: '127.0.0.1:8081',
    });
    const bad = parseConfig({ TRTC_FAILOVER_ENDPOINT: 'ftp://x' });
    expect(bad.ok ? [] : bad.errors).toEqual([expect.stringContaining('TRTC_FAILOVER_ENDPOINT')]);
  });
});
