/**
 * lib/server/pipelining.ts through createServer over loopback: pipelined requests are served at most PIPELINE_DEPTH
 * at a time per connection (the rest wait, the socket is not read), every one is answered in order once the client
 * reads, and the server's connection limits are Node's own settings.
 */
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../lib/server/create';
import { MAX_CONNECTIONS, MAX_REQUESTS_PER_SOCKET, PIPELINE_DEPTH } from '../../../lib/server/limits';
import type { TroubleInfoClient } from '../../../lib/trtc/client';
import { BASE_STRINGS, TEST_ENV } from '../../support/fixtures';

let started = 0;
let inFlight = 0;
let most = 0;
const waiting: (() => void)[] = [];
const client: TroubleInfoClient = {
  create: () => {
    started += 1;
    const id = `req-${String(started)}`;
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise((resolve) =>
      waiting.push(() => {
        inFlight -= 1;
        resolve({ requestId: id });
      }),
    );
  },
};
const server = createServer({ env: { ...TEST_ENV, IDEMPOTENCY_TTL_SECONDS: '0' }, client, write: () => undefined });
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (condition() ? resolve() : void setImmediate(check));
    check();
  });
}

describe('pipelined requests', () => {
  it('Node caps connections and requests per connection with the documented limits', () => {
    expect(server.maxConnections).toBe(MAX_CONNECTIONS);
    expect(server.maxRequestsPerSocket).toBe(MAX_REQUESTS_PER_SOCKET);
  });

  it(`30 pipelined reports in one write: at most ${String(PIPELINE_DEPTH)} served at once, all answered in order`, async () => {
    const count = 30;
    const query = (i: number): string => new URLSearchParams({ ...BASE_STRINGS, RoomId: `pipelined-${String(i)}` }).toString();
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.write(Array.from({ length: count }, (_, i) => `GET /?${query(i)} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await until(() => started === PIPELINE_DEPTH);
    // Give the server every chance to start more: it must not while these are unanswered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toBe(PIPELINE_DEPTH);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.resume();
    while (started < count || waiting.length > 0) {
      waiting.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => (text.match(/HTTP\/1\.1 200 /g) ?? []).length === count);
    expect(most).toBeLessThanOrEqual(PIPELINE_DEPTH);
    const ids = [...text.matchAll(/"RequestId":"(req-\d+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => `req-${String(i + 1)}`));
    socket.destroy();
  });

  it(`ends the connection after its ${String(MAX_REQUESTS_PER_SOCKET)}th answer, so a client that ignores Connection: close reconnects at once`, async () => {
    // A keep-alive client sending one request after another (as load generators do): Node alone says `Connection:
    // close` on the last answer but leaves the socket open, and the next request would wait there for a stall.
    const socket = net.connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let text = '';
    let ended = false;
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => (ended = true));
    socket.on('error', () => undefined);
    for (let i = 1; i <= MAX_REQUESTS_PER_SOCKET; i += 1) {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => (text.match(/HTTP\/1\.1 200 /g) ?? []).length === i);
    }
    expect(text.match(/Connection: close/gi) ?? []).toHaveLength(1);
    await until(() => ended);
    expect(ended).toBe(true);
    socket.destroy();
  });
});
