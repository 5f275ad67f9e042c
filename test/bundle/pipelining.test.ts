/**
 * Clients that pipeline requests as fast as they can and never read an answer, against `node dist/server.js`: the
 * server stops reading from them (a few requests in flight per connection, a capped number per connection), so its
 * memory stays bounded however long they send, and it still answers everyone else. Memory is the server process's
 * resident set (/proc), measured before and after.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { MAX_REQUESTS_PER_SOCKET } from '../../lib/server/limits';
import { request, residentBytes, startServerProcess, type ServerProcess } from '../support/server-process';

const CONNECTIONS = 10;
const SEND_MS = 3_000;
const MB = 1024 * 1024;
/** The growth allowed for all the flooding connections together (the old server grew 10 to 40 MB per connection). */
const BOUND_BYTES = 40 * MB;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let server: ServerProcess;

beforeAll(async () => {
  const trtc = await emulator.start();
  server = await startServerProcess({
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
    TRTC_ENDPOINT: trtc,
  });
});
afterAll(async () => {
  await server.stop();
  await emulator.stop();
});

const QUERY =
  '/?SdkAppId=1400188366&RoomId=pipelined&TeacherUserId=teacher&StudentUserId=student&TroubleUserId=student' +
  '&TroubleType=1&TroubleTime=1764150000&TroubleMsg=pipelined';

/** A connection that writes pipelined requests until `until`, never reading; resolves with the bytes it got out. */
function flood(port: number, until: number): { socket: net.Socket; written: Promise<number> } {
  const one = `GET ${QUERY} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const chunk = Buffer.from(one.repeat(Math.ceil(16_384 / one.length)));
  const socket = net.connect(port, '127.0.0.1');
  socket.pause(); // never read an answer
  socket.on('error', () => undefined);
  const written = new Promise<number>((resolve) => {
    let bytes = 0;
    const pump = (): void => {
      while (Date.now() < until && !socket.destroyed) {
        if (!socket.write(chunk)) {
          bytes += chunk.length;
          // Stop when the server stops reading: the kernel's buffers are full and no 'drain' comes.
          const timer = setTimeout(() => resolve(bytes), until - Date.now());
          socket.once('drain', () => {
            clearTimeout(timer);
            pump();
          });
          return;
        }
        bytes += chunk.length;
      }
      resolve(bytes);
    };
    socket.once('connect', pump);
    socket.once('close', () => resolve(bytes));
  });
  return { socket, written };
}

describe('pipelining clients that never read', () => {
  it(`${String(CONNECTIONS)} connections sending for ${String(SEND_MS / 1000)} s: server memory bounded, other clients answered`, async () => {
    expect((await request(server.port, 'GET', QUERY)).status).toBe(200);
    const before = residentBytes(server.child.pid!);
    const until = Date.now() + SEND_MS;
    const floods = Array.from({ length: CONNECTIONS }, () => flood(server.port, until));
    const written = await Promise.all(floods.map((f) => f.written));
    // Still sending (or stuck sending): another client gets its answer.
    const other = await request(server.port, 'GET', '/healthz');
    expect(other.status).toBe(200);
    const during = residentBytes(server.child.pid!);
    for (const f of floods) f.socket.destroy();
    const report = await request(server.port, 'GET', QUERY.replace('RoomId=pipelined', 'RoomId=after'));
    expect(report.status).toBe(200);
    process.stderr.write(
      `pipelining: sent ${(written.reduce((a, b) => a + b, 0) / MB).toFixed(1)} MB over ${String(CONNECTIONS)} connections; ` +
        `server RSS ${(before / MB).toFixed(1)} MB before, ${(during / MB).toFixed(1)} MB during (limit: ${String(MAX_REQUESTS_PER_SOCKET)} requests per connection)\n`,
    );
    expect(during - before).toBeLessThan(BOUND_BYTES);
  }, 30_000);
});
