/**
 * handlers/server.ts and lib/server/ from source (test/bundle/server.test.ts drives dist/server.js as a process):
 * startServer on a free loopback port against the TRTC emulator, each route, the answers the server itself decides,
 * and a graceful close with a request in flight.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeGracefully, startServer, type StartedServer } from '../../handlers/server';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { displayUrl } from '../../lib/server/lifecycle';
import { HttpTroubleInfoClient } from '../../lib/trtc/client';
import { BASE } from '../support/fixtures';

const key = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [key] });
const lines: string[] = [];
let started: StartedServer;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function ask(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: started.address.port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  const trtc = await emulator.start();
  const env = {
    TRTC_ENDPOINT: trtc,
    TENCENTCLOUD_SECRETID: key.secretId,
    TENCENTCLOUD_SECRETKEY: key.secretKey,
    ...(key.token ? { TENCENTCLOUD_SESSIONTOKEN: key.token } : {}),
  };
  const client = new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: new URL(trtc).host }, region: 'ap-guangzhou' }, () => env);
  started = await startServer({ port: 0, host: '127.0.0.1', env, client, write: (line) => lines.push(line) });
});
afterAll(async () => {
  await closeGracefully(started.server, 1000);
  await emulator.stop();
});

describe('the standalone server from source', () => {
  it('listens on the port it was given (0: a free one) and logs its URL', () => {
    expect(started.url).toBe(`http://127.0.0.1:${String(started.address.port)}`);
    expect(lines.some((l) => l.includes('"msg":"listening"'))).toBe(true);
  });

  it('a POSTed JSON report is recorded and answered with TRTC’s RequestId, the log line naming method and path', async () => {
    const before = emulator.created.length;
    const answer = await ask('POST', '/', JSON.stringify({ ...BASE, RoomId: 'server-source-1' }), { 'content-type': 'application/json' });
    expect(answer.status).toBe(200);
    const requestId = (JSON.parse(answer.body) as { Response: { RequestId: string } }).Response.RequestId;
    expect(emulator.created.slice(before).map((r) => r.RequestId)).toEqual([requestId]);
    expect(answer.headers['x-request-id']).toBeTruthy();
  });

  it('GET with a query string works too; invalid parameters are 400 with nothing sent', async () => {
    const calls = emulator.calls.length;
    const answer = await ask('GET', '/?RoomId=only-this');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('MissingParameter');
    expect(emulator.calls.length).toBe(calls);
  });

  it('/healthz answers 200 without touching TRTC; other methods there get 405', async () => {
    const calls = emulator.calls.length;
    expect((await ask('GET', '/healthz')).status).toBe(200);
    expect((await ask('POST', '/healthz', '{}')).status).toBe(405);
    expect(emulator.calls.length).toBe(calls);
  });

  it('/healthz?deep=1 runs the probe: one CreateTroubleInfo without parameters, healthy, no record', async () => {
    const records = emulator.created.length;
    const answer = await ask('GET', '/healthz?deep=1');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ok', probe: { healthy: true, verdict: 'ok' } });
    expect(emulator.created.length).toBe(records);
  });

  it('/openapi.json: 404 from source (the document is put in by the build), 405 for other methods', async () => {
    expect((await ask('GET', '/openapi.json')).status).toBe(404);
    expect((await ask('DELETE', '/openapi.json')).status).toBe(405);
  });

  it('any other path is 404 ResourceNotFound, saying where reports go', async () => {
    const answer = await ask('POST', '/reports', '{}', { 'content-type': 'application/json' });
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('ResourceNotFound');
    expect(answer.body).toContain('reports are taken on /');
  });

  it('a declared body over the cap is 413 without reading it', async () => {
    const answer = await ask('POST', '/', 'x'.repeat(70_000), { 'content-type': 'application/json' });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('RequestSizeLimitExceeded');
  });

  it('OPTIONS is answered 204', async () => {
    expect((await ask('OPTIONS', '/')).status).toBe(204);
  });
});

describe('lib/server/lifecycle', () => {
  it('displayUrl shows a wildcard host as loopback', () => {
    expect(displayUrl({ address: '0.0.0.0', family: 'IPv4', port: 9000 })).toBe('http://127.0.0.1:9000');
    expect(displayUrl({ address: '::', family: 'IPv6', port: 9000 })).toBe('http://[::1]:9000');
    expect(displayUrl({ address: '127.0.0.1', family: 'IPv4', port: 1 })).toBe('http://127.0.0.1:1');
  });

  it('closeGracefully waits for an in-flight request, then resolves true', async () => {
    const other = await startServer({ port: 0, host: '127.0.0.1', env: {}, write: () => undefined });
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: other.address.port, method: 'GET', path: '/healthz', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    const status = await inFlight;
    expect(status).toBe(200);
    await expect(closeGracefully(other.server, 1000)).resolves.toBe(true);
    expect(other.server.listening).toBe(false);
  });
});
