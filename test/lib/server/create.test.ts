/**
 * lib/server/create.ts: the standalone server's http.Server, over loopback. Its timeouts are the documented limits
 * (or the ones it is given), each request runs the report pipeline, `Expect: 100-continue` is answered 100 only for
 * a body within the limit, and the process logger masks the credentials.
 */
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../lib/http/request';
import { createServer, serverLogger } from '../../../lib/server/create';
import { REQUEST_TIMEOUT_BACKSTOP_MS, SERVER_TIMEOUTS } from '../../../lib/server/limits';
import { BASE, RecordingClient, TEST_ENV } from '../../support/fixtures';

let server: Server | undefined;

async function listen(created: Server): Promise<number> {
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return (created.address() as AddressInfo).port;
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

describe('createServer', () => {
  it('uses the documented timeouts, the request timeout with its backstop', () => {
    const created = createServer({ env: TEST_ENV, client: new RecordingClient(), write: () => undefined });
    expect(created.headersTimeout).toBe(SERVER_TIMEOUTS.headersTimeoutMs);
    expect(created.requestTimeout).toBe(SERVER_TIMEOUTS.requestTimeoutMs + REQUEST_TIMEOUT_BACKSTOP_MS);
    expect(created.keepAliveTimeout).toBe(SERVER_TIMEOUTS.keepAliveTimeoutMs);
    expect(created.listening).toBe(false);
  });

  it('takes other timeouts when given', () => {
    const created = createServer({ env: TEST_ENV, write: () => undefined, timeouts: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 } });
    expect([created.headersTimeout, created.requestTimeout]).toEqual([1_000, 2_000 + REQUEST_TIMEOUT_BACKSTOP_MS]);
  });

  it('answers a report, the liveness probe and an unknown path, each with its X-Request-Id', async () => {
    const client = new RecordingClient();
    const port = await listen(createServer({ env: TEST_ENV, client, write: () => undefined }));
    const base = `http://127.0.0.1:${String(port)}`;
    const report = await fetch(`${base}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'given-1' },
      body: JSON.stringify(BASE),
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('x-request-id')).toBe('given-1');
    expect(await report.json()).toEqual({ Response: { RequestId: 'trtc-request-1' } });
    expect(client.calls).toEqual([BASE]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  /** Sends a POST with `Expect: 100-continue` declaring `length`; resolves with whether 100 came and the status. */
  function expectContinue(port: number, length: number): Promise<{ continued: boolean; status: number }> {
    return new Promise((resolve, reject) => {
      let continued = false;
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/json', 'content-length': String(length), expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
        req.end(JSON.stringify(BASE));
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }));
        if (!continued) req.destroy();
      });
      req.on('error', (error) => (continued ? reject(error) : undefined));
      req.flushHeaders();
    });
  }

  it('Expect: 100-continue: 100 then the answer for a body within the limit; 413 without 100 past it', async () => {
    const client = new RecordingClient();
    const port = await listen(createServer({ env: TEST_ENV, client, write: () => undefined }));
    expect(await expectContinue(port, Buffer.byteLength(JSON.stringify(BASE)))).toEqual({ continued: true, status: 200 });
    expect(await expectContinue(port, MAX_BODY_BYTES + 1)).toEqual({ continued: false, status: 413 });
    expect(client.calls).toHaveLength(1);
  });
});

describe('serverLogger', () => {
  it("masks the environment's credentials and follows LOG_LEVEL", () => {
    const lines: string[] = [];
    const log = serverLogger({ env: { ...TEST_ENV, LOG_LEVEL: 'warn' }, write: (l) => lines.push(l) });
    log.info('dropped');
    log.warn('kept', { detail: `key ${TEST_ENV['TENCENTCLOUD_SECRETKEY'] ?? ''}` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"msg":"kept"');
    expect(lines[0]).not.toContain(TEST_ENV['TENCENTCLOUD_SECRETKEY']);
  });

  it('an invalid configuration still logs, at info', () => {
    const lines: string[] = [];
    const log = serverLogger({ env: { ...TEST_ENV, LOG_LEVEL: 'loud' }, write: (l) => lines.push(l) });
    log.debug('dropped');
    log.info('kept');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['kept']);
  });
});
