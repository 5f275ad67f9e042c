/**
 * The published log schema (docs/log-schema.json): it is a valid JSON Schema that refuses what it must (a line
 * without its message's fields, an undocumented field or message), and every line dist/server.js writes over a
 * run (start, reports with a traceparent, a failure, a 404, the OpenAPI document, shutdown) validates against it.
 * The sample suite (test/support/samples.ts) validates every line the event function writes for every sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BASE } from '../support/fixtures';
import { logLineProblems } from '../support/log-schema';
import { startServerProcess } from '../support/server-child';

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let trtc: string;

beforeAll(async () => {
  trtc = await emulator.start();
});
afterAll(() => emulator.stop());

const invocation = {
  level: 'info',
  time: '2026-01-01T00:00:00.000Z',
  msg: 'invocation',
  request_id: 'r1',
  source: 'scf-function-url',
  outcome: 'sent',
  status: 200,
  attempts: 1,
  latency_ms: 12,
  cold_start: true,
  init_ms: 80,
};

describe('docs/log-schema.json', () => {
  it('accepts a complete invocation line and refuses one missing cold_start, with an unknown field or message', () => {
    expect(logLineProblems(JSON.stringify(invocation))).toBeUndefined();
    const { cold_start: _cold, ...withoutColdStart } = invocation;
    expect(logLineProblems(JSON.stringify(withoutColdStart))).toMatch(/cold_start/);
    expect(logLineProblems(JSON.stringify({ ...invocation, undocumented: 1 }))).toMatch(/additional properties/);
    expect(logLineProblems(JSON.stringify({ ...invocation, msg: 'a message nobody documented' }))).toMatch(/msg/);
    expect(logLineProblems(JSON.stringify({ ...invocation, trace_id: '0af7651916cd43dd8448eb211c80319' }))).toMatch(/trace_id/);
    // A line cut for size keeps only the base fields and says so.
    expect(
      logLineProblems(JSON.stringify({ level: 'info', time: invocation.time, msg: 'invocation', request_id: 'r1', truncated: 'too long' })),
    ).toBeUndefined();
  });

  it('every line dist/server.js writes validates', async () => {
    const server = await startServerProcess(trtc, credential, { LOG_LEVEL: 'debug' });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    try {
      expect((await post({ ...BASE, TroubleMsg: `schema ${String(Date.now())}` }, { traceparent })).status).toBe(200);
      emulator.inject({ kind: 'http-status', status: 503 }, 10);
      // Two sends that may have recorded it: the report is parked (202), not sent a third time.
      expect((await post({ ...BASE, TroubleMsg: `schema failed ${String(Date.now())}` })).status).toBe(202);
      emulator.clearFaults();
      expect((await post({ ...BASE, SdkAppId: 'x' })).status).toBe(400);
      expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
      expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
      expect((await fetch(`${server.url}/`, { method: 'OPTIONS' })).status).toBe(204);
    } finally {
      await server.stop();
    }
    const lines = server.lines();
    const messages = new Set(lines.map((l) => l['msg']));
    for (const msg of ['listening', 'invocation', 'trtc attempt', 'trtc attempt failed', 'report parked', 'request', 'shutting down', 'stopped'])
      expect(messages).toContain(msg);
    for (const line of lines) expect(logLineProblems(JSON.stringify(line))).toBeUndefined();
    // The first request of the instance is its cold start; the others are warm.
    const invocations = lines.filter((l) => l['msg'] === 'invocation');
    expect(invocations[0]).toMatchObject({ cold_start: true, init_ms: expect.any(Number) as unknown });
    for (const line of invocations.slice(1)) {
      expect(line['cold_start']).toBe(false);
      expect(line).not.toHaveProperty('init_ms');
    }
  });
});
