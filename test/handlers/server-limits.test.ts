/**
 * The standalone server's slow-client limits as documented (reliability item 14) and `GET /healthz?deep=1` running
 * the health probe, over real loopback sockets.
 */
import { connect, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, SERVER_TIMEOUTS, TIMEOUT_CHECK_INTERVAL_MS } from '../../handlers/server';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { HttpTroubleInfoClient } from '../../lib/trtc/client';

const good = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [good] });
let trtc = '';
beforeAll(async () => {
  trtc = await emulator.start();
});
afterAll(() => emulator.stop());

const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 1200 };

async function listening(env: Record<string, string>): Promise<{ port: number; close: () => Promise<void> }> {
  // The SDK client reads the keys from this environment, not the process's.
  const client = new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: new URL(trtc).host }, region: 'ap-guangzhou' }, () => env);
  const server = createServer({ env, client, write: () => undefined, timeouts: LIMITS });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `parts` (the second one after `gapMs`) and resolves with everything the server sent until it closed. */
function rawExchange(port: number, first: string, later?: { gapMs: number; text: string }): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve({ text, ms: performance.now() - started }));
    socket.on('error', reject);
    socket.write(first);
    if (later) setTimeout(() => socket.writable && socket.write(later.text), later.gapMs);
  });
}

const ENV = (keys: { secretId: string; secretKey: string; token?: string }): Record<string, string> => ({
  TRTC_ENDPOINT: trtc,
  TENCENTCLOUD_SECRETID: keys.secretId,
  TENCENTCLOUD_SECRETKEY: keys.secretKey,
  ...(keys.token ? { TENCENTCLOUD_SESSIONTOKEN: keys.token } : {}),
  UPSTREAM_TIMEOUT_MS: '500',
});

describe('slow clients (documented limits: headers 15 s, whole request 30 s)', () => {
  it('the documented defaults are what the server uses', () => {
    expect(SERVER_TIMEOUTS.headersTimeoutMs).toBe(15_000);
    expect(SERVER_TIMEOUTS.requestTimeoutMs).toBe(30_000);
    // Node checks its timeouts this often: the cut comes at most this late.
    expect(TIMEOUT_CHECK_INTERVAL_MS).toBeLessThanOrEqual(1000);
  });

  it('headers that never finish get 408 by the header limit, not twice it', async () => {
    const server = await listening(ENV(good));
    try {
      const { text, ms } = await rawExchange(server.port, 'POST / HTTP/1.1\r\nHost: x\r\n');
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(ms).toBeLessThan(LIMITS.headersTimeoutMs * 2);
    } finally {
      await server.close();
    }
  });

  it('a dripped body gets 408 (RequestTimeout) by the request limit, not twice it', async () => {
    const server = await listening(ENV(good));
    try {
      const head = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"SdkAppId":';
      const { text, ms } = await rawExchange(server.port, head, { gapMs: 300, text: '"1400188366",' });
      expect(text).toMatch(/^HTTP\/1\.1 408 /);
      expect(text).toContain('"Code":"RequestTimeout"');
      expect(ms).toBeLessThan(LIMITS.requestTimeoutMs * 2);
      expect(emulator.created).toHaveLength(0);
    } finally {
      await server.close();
    }
  });
});

describe('GET /healthz?deep=1', () => {
  async function get(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('runs the probe: 200 with the verdict when TRTC answers MissingParameter; plain /healthz does not call TRTC', async () => {
    const server = await listening(ENV(good));
    try {
      emulator.reset();
      expect(await get(server.port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
      expect(emulator.calls).toHaveLength(0);
      const deep = await get(server.port, '/healthz?deep=1');
      expect(deep.status).toBe(200);
      expect(deep.body).toMatchObject({ status: 'ok', probe: { healthy: true, verdict: 'ok', upstreamCode: 'MissingParameter' } });
      expect(emulator.calls).toHaveLength(1);
      expect(emulator.created).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('503 naming the problem when the keys are refused', async () => {
    const server = await listening(ENV({ ...good, secretKey: 'z'.repeat(32) }));
    try {
      const deep = await get(server.port, '/healthz?deep=1');
      expect(deep.status).toBe(503);
      expect(deep.body).toMatchObject({ status: 'unhealthy', probe: { healthy: false, verdict: 'auth', upstreamCode: 'AuthFailure.SignatureFailure' } });
    } finally {
      await server.close();
    }
  });
});
