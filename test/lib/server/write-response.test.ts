/**
 * lib/server/write-response.ts over loopback: send() writes the status, the response's headers, X-Request-Id, an
 * exact Content-Length (bytes, not characters) and `Connection: close` when asked; it never writes twice.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonResponse } from '../../../lib/http/response';
import { send } from '../../../lib/server/write-response';

let server: Server | undefined;

/** Starts a server whose every request is answered by `handle`; returns its URL. */
async function serve(handle: (res: ServerResponse) => void): Promise<string> {
  server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

describe('send', () => {
  it('writes status, headers, the request id and the byte length of a UTF-8 body', async () => {
    const url = await serve((res) => send(res, jsonResponse(400, { m: '中文' }, { 'X-Extra': 'y' }), 'req-1', false));
    const response = await fetch(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(response.headers.get('x-extra')).toBe('y');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength('{"m":"中文"}')));
    expect(response.headers.get('connection')).toBe('keep-alive');
    expect(await response.json()).toEqual({ m: '中文' });
  });

  it('says Connection: close when asked', async () => {
    const url = await serve((res) => send(res, jsonResponse(200, {}), 'req-2', true));
    const response = await fetch(url);
    expect(response.headers.get('connection')).toBe('close');
    await response.text();
  });

  it('does nothing once headers were sent (the first answer stands), and does not throw', async () => {
    const url = await serve((res) => {
      send(res, jsonResponse(201, { first: true }), 'req-3', false);
      expect(() => send(res, jsonResponse(500, { second: true }), 'req-4', false)).not.toThrow();
    });
    const response = await fetch(url);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-3');
    expect(await response.json()).toEqual({ first: true });
  });

  it('destroys the response instead of throwing when the headers cannot be written', async () => {
    let destroyed = false;
    const url = await serve((res) => {
      res.on('close', () => (destroyed = res.destroyed));
      // A header value with a newline makes writeHead throw.
      send(res, jsonResponse(200, {}, { 'X-Bad': 'a\nb' }), 'req-5', false);
    });
    await expect(fetch(url)).rejects.toThrow();
    expect(destroyed).toBe(true);
  });
});
