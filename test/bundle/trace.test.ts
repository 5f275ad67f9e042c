/**
 * One trace id end to end: an HTTP caller's valid W3C `traceparent` gives the trace id of every log line of the
 * request (`trace_id`), of the call to TRTC (`X-TC-TraceId`, as the emulator receives it) and of the answer
 * (`X-Trace-Id`); an invalid one is ignored and the invocation's own id serves. For an SCF HTTP event through
 * dist/index.js and for dist/server.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { BASE } from '../support/fixtures';
import { captureStdout } from '../support/logs';
import { startServerProcess, type ServerProcess } from '../support/server-child';

const { emulator, credential } = useEmulator({ LOG_LEVEL: 'debug' });
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE}-b7ad6b7169203331-01`;

function functionUrlEvent(headers: Record<string, string>, report: Record<string, unknown>): unknown {
  return {
    httpMethod: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json', ...headers },
    queryString: {},
    body: JSON.stringify(report),
    isBase64Encoded: false,
  };
}

let sequence = 0;
const fresh = (): Record<string, unknown> => ({ ...BASE, TroubleMsg: `trace ${String((sequence += 1))} ${String(Date.now())}` });
const traceIdsAtTrtc = (): (string | undefined)[] => emulator.calls.map((call) => call.headers['x-tc-traceid']);

describe('an SCF HTTP event (dist/index.js)', () => {
  it('a valid traceparent: its trace id in every log line, sent to TRTC on every attempt, and answered as X-Trace-Id', async () => {
    const { main_handler } = loadBundle();
    emulator.inject({ kind: 'api-error', code: 'RequestLimitExceeded' }, 1);
    const run = await captureStdout(() =>
      main_handler(functionUrlEvent({ traceparent: TRACEPARENT }, fresh()), { request_id: 'scf-1', time_limit_in_ms: 10_000 }),
    );
    const response = run.value as { statusCode: number; headers: Record<string, string> };
    expect(response.statusCode).toBe(200);
    expect(response.headers['X-Trace-Id']).toBe(TRACE);
    expect(traceIdsAtTrtc()).toEqual([TRACE, TRACE]);
    expect(run.lines.length).toBeGreaterThanOrEqual(3);
    for (const line of run.lines) expect(JSON.parse(line)).toMatchObject({ request_id: 'scf-1', trace_id: TRACE });
  });

  it('an invalid traceparent (all-zero trace id) is ignored: the invocation id is the trace id', async () => {
    const { main_handler } = loadBundle();
    const invalid = `00-${'0'.repeat(32)}-b7ad6b7169203331-01`;
    const run = await captureStdout(() => main_handler(functionUrlEvent({ traceparent: invalid }, fresh()), { request_id: 'scf-2', time_limit_in_ms: 10_000 }));
    const response = run.value as { statusCode: number; headers: Record<string, string> };
    expect(response.statusCode).toBe(200);
    expect(response.headers['X-Trace-Id']).toBe('scf-2');
    expect(traceIdsAtTrtc()).toEqual(['scf-2']);
    for (const line of run.lines) expect(JSON.parse(line)).not.toHaveProperty('trace_id');
  });
});

describe('dist/server.js', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(emulator.url, credential, { LOG_LEVEL: 'debug' });
  });
  afterAll(() => server.stop());

  const post = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${server.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(fresh()) });

  it('a valid traceparent: trace id in the request’s log lines, at TRTC and in X-Trace-Id; X-Request-Id still echoed', async () => {
    const res = await post({ traceparent: TRACEPARENT, 'X-Request-Id': 'req-7' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe(TRACE);
    expect(res.headers.get('x-request-id')).toBe('req-7');
    expect(traceIdsAtTrtc()).toEqual([TRACE]);
    // The invocation line is written after the answer: wait for it (the attempt line and the invocation line).
    await expect.poll(() => server.lines().filter((l) => l['request_id'] === 'req-7').length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const lines = server.lines().filter((l) => l['request_id'] === 'req-7');
    for (const line of lines) expect(line['trace_id']).toBe(TRACE);
  });

  it('without a traceparent (or with a malformed one) the X-Request-Id is the trace id', async () => {
    const res = await post({ traceparent: 'not-a-traceparent', 'X-Request-Id': 'req-8' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe('req-8');
    expect(traceIdsAtTrtc()).toEqual(['req-8']);
    for (const line of server.lines().filter((l) => l['request_id'] === 'req-8')) expect(line).not.toHaveProperty('trace_id');
  });
});
