/**
 * `node dist/server.js | head -1`: once the reader of its stdout is gone, every log line fails with EPIPE. The server
 * must go on answering (in-flight and later requests), and still stop cleanly on SIGTERM, without a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { distinctReport } from '../support/fixtures';
import { request, startServerProcess } from '../support/server-process';

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let trtc = '';

beforeAll(async () => {
  trtc = await emulator.start();
});
afterAll(() => emulator.stop());

describe('dist/server.js with a stdout nobody reads any more', () => {
  it('answers every request after the pipe closed, then exits 0 on SIGTERM with nothing but a note on stderr', async () => {
    const server = await startServerProcess({
      TENCENTCLOUD_SECRETID: credential.secretId,
      TENCENTCLOUD_SECRETKEY: credential.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
      TRTC_ENDPOINT: trtc,
    });
    try {
      // As `| head -1` does after the first line: the read end of the pipe goes away.
      server.child.stdout!.destroy();
      const reports = Array.from({ length: 50 }, (_, i) => distinctReport(`closed-stdout-${String(i)}`));
      const send = (report: object) => request(server.port, 'POST', '/', { 'Content-Type': 'application/json' }, JSON.stringify(report));
      const first = await Promise.all(reports.slice(0, 25).map(send));
      // And more after the failed writes, with the plain probe and a 404 (each logs a line, or would).
      const later = await Promise.all([...reports.slice(25).map(send), request(server.port, 'GET', '/healthz'), request(server.port, 'GET', '/nowhere')]);
      expect([...first, ...later.slice(0, 25)].map((r) => r.status)).toEqual(reports.map(() => 200));
      expect(later.slice(25).map((r) => r.status)).toEqual([200, 404]);
      expect(emulator.created).toHaveLength(50);
      expect(server.child.exitCode).toBeNull();
      const exit = await server.stop();
      expect(exit).toEqual({ code: 0, signal: null });
      // The one note, on stderr, that the log lines are gone (proof the writes did fail), and no stack.
      expect(server.stderr.map((line) => (JSON.parse(line) as { msg: string; code: string }).msg)).toEqual([
        'stdout is closed: log lines are dropped from now on',
      ]);
      expect(server.stderr.join('\n')).toContain('"code":"EPIPE"');
    } finally {
      await server.stop();
    }
  });
});
