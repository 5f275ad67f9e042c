/**
 * The runtime TRTC client (one TC3-signed JSON POST over node:http with a keep-alive agent) against the emulator
 * over real loopback HTTP: the emulator's full TC3 verification accepts it, it sends the SDK's headers, reuses
 * one connection, reads credentials per call, ignores proxy variables, and tags each failure with whether the
 * request had been sent.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../../tools/trtc-emulator';
import { parseEndpoint, type Endpoint } from '../../../lib/config';
import { classifyUpstream } from '../../../lib/trtc/classify';
import { HttpTroubleInfoClient } from '../../../lib/trtc/client';
import { AbortedError, ApiError, CredentialsUnavailableError, HttpStatusError, MalformedResponseError, NetworkError } from '../../../lib/trtc/errors';
import { startCountingProxy, type CountingProxy } from '../../../tools/bench/counting-proxy';
import type { TroubleReport } from '../../../lib/report';
import { BASE } from '../../support/fixtures';

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let proxy: CountingProxy;
let env: Record<string, string | undefined>;

const report: TroubleReport = { ...BASE, TroubleType: 2, TroubleMsg: '声音断断续续 "quoted"' };

function endpoint(url: string): Endpoint {
  const parsed = parseEndpoint(url);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

function clientFor(url: string): HttpTroubleInfoClient {
  return new HttpTroubleInfoClient({ endpoint: endpoint(url), region: 'ap-shanghai' }, () => env);
}

const call = (client: HttpTroubleInfoClient, ms = 3000): Promise<{ requestId: string }> =>
  client.create(report, { signal: AbortSignal.timeout(ms), traceId: 'trace-123' });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  const url = await emulator.start();
  proxy = await startCountingProxy(Number(new URL(url).port));
});
afterAll(async () => {
  await proxy.stop();
  await emulator.stop();
});
beforeEach(() => {
  emulator.reset();
  env = { TENCENTCLOUD_SECRETID: credential.secretId, TENCENTCLOUD_SECRETKEY: credential.secretKey, TENCENTCLOUD_SESSIONTOKEN: credential.token };
});

describe('HttpTroubleInfoClient', () => {
  it('passes the emulator’s TC3 verification and records exactly the report', async () => {
    const client = clientFor(proxy.url);
    const { requestId } = await call(client);
    expect(emulator.calls).toHaveLength(1);
    const [received] = emulator.calls;
    expect(received!.outcome).toBe('ok');
    expect(received!.requestId).toBe(requestId);
    expect(received!.params).toEqual(report);
  });

  it('sends the headers the SDK sends', async () => {
    await call(clientFor(proxy.url));
    const h = emulator.calls[0]!.headers;
    expect(h).toMatchObject({
      'x-tc-action': 'CreateTroubleInfo',
      'x-tc-version': '2019-07-22',
      'x-tc-region': 'ap-shanghai',
      'x-tc-language': 'en-US',
      'x-tc-token': credential.token,
      'x-tc-traceid': 'trace-123',
      'content-type': 'application/json',
      host: new URL(proxy.url).host,
    });
    expect(Math.abs(Number(h['x-tc-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(h['authorization']).toMatch(
      /^TC3-HMAC-SHA256 Credential=AKID[^/]+\/\d{4}-\d{2}-\d{2}\/127\/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$/,
    );
  });

  it('reuses one keep-alive connection: 100 calls, 1 TCP connection', async () => {
    const client = clientFor(proxy.url);
    const before = proxy.connections();
    // One call first so the pool holds a socket, then 100 sequential calls.
    await call(client);
    const opened = proxy.connections();
    for (let i = 0; i < 100; i += 1) await call(client);
    expect(opened - before).toBeLessThanOrEqual(1);
    expect(proxy.connections()).toBe(opened);
  });

  it('reads the credentials on every call (SCF rotates them)', async () => {
    const client = clientFor(proxy.url);
    await call(client);
    env = { ...env, TENCENTCLOUD_SESSIONTOKEN: 'rotated-token-that-the-emulator-does-not-know' };
    const error = await rejection(call(client));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('AuthFailure.TokenFailure');
    env = {};
    expect(await rejection(call(client))).toBeInstanceOf(CredentialsUnavailableError);
    expect(emulator.calls).toHaveLength(2);
  });

  it('never routes through http_proxy', async () => {
    const saved = { http_proxy: process.env['http_proxy'], HTTP_PROXY: process.env['HTTP_PROXY'] };
    process.env['http_proxy'] = 'http://127.0.0.1:9';
    process.env['HTTP_PROXY'] = 'http://127.0.0.1:9';
    try {
      await call(clientFor(proxy.url));
      expect(emulator.calls).toHaveLength(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('an API error envelope → ApiError with code, message and RequestId; not recorded', async () => {
    emulator.inject({ kind: 'api-error', code: 'InvalidParameter', message: 'bad RoomId' });
    const error = await rejection(call(clientFor(proxy.url)));
    expect(error).toMatchObject({ code: 'InvalidParameter', message: 'bad RoomId', requestId: emulator.calls[0]!.requestId });
    expect(classifyUpstream(error, false)).toMatchObject({ kind: 'parameter', mayHaveRecorded: false });
  });

  it('HTTP 502 → HttpStatusError; maybe recorded', async () => {
    emulator.inject({ kind: 'http-status', status: 502 });
    const error = await rejection(call(clientFor(proxy.url)));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(classifyUpstream(error, false)).toMatchObject({ kind: 'transport', httpStatus: 502, mayHaveRecorded: true });
  });

  it('a non-JSON 200 → MalformedResponseError; maybe recorded', async () => {
    emulator.inject({ kind: 'invalid-json' });
    const error = await rejection(call(clientFor(proxy.url)));
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(classifyUpstream(error, false).mayHaveRecorded).toBe(true);
  });

  it('a reset after the request was sent → NetworkError sent=true', async () => {
    emulator.inject({ kind: 'reset' });
    const error = await rejection(call(clientFor(proxy.url)));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).sent).toBe(true);
    expect(classifyUpstream(error, false)).toMatchObject({ kind: 'transport', mayHaveRecorded: true });
  });

  it('no answer → aborted by the signal, sent=true; the attempt ends at the signal', async () => {
    emulator.inject({ kind: 'no-answer' });
    const started = Date.now();
    const error = await rejection(call(clientFor(proxy.url), 300));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).sent).toBe(true);
    expect(classifyUpstream(error, true)).toMatchObject({ kind: 'timeout', mayHaveRecorded: true });
  });

  it('a refused connection → NetworkError sent=false (never sent)', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejection(call(clientFor(`http://127.0.0.1:${port}`)));
    expect(error).toMatchObject({ sent: false, errno: 'ECONNREFUSED' });
    expect(classifyUpstream(error, false)).toMatchObject({ kind: 'transport', mayHaveRecorded: false });
  });

  it('a server that closes the connection before reading the request → sent=false when nothing was flushed', async () => {
    // Accepts and closes at once: the client may or may not have flushed the request first, and must say which.
    const rude: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    try {
      const port = (rude.address() as { port: number }).port;
      const error = await rejection(call(clientFor(`http://127.0.0.1:${port}`)));
      expect(error).toBeInstanceOf(NetworkError);
      expect(typeof (error as NetworkError).sent).toBe('boolean');
    } finally {
      await new Promise<void>((resolve) => rude.close(() => resolve()));
    }
  });

  it('an already aborted signal sends nothing', async () => {
    const error = await rejection(clientFor(proxy.url).create(report, { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ sent: false });
    expect(emulator.calls).toHaveLength(0);
  });
});
