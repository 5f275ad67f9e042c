/**
 * lib/http/handle.ts: the HTTP pipeline every HTTP-shaped source shares. The method, a CORS preflight and the
 * bearer token come first, then the parameters, the Idempotency-Key and the report; every answer names the trace
 * id, and nothing reaches TRTC unless every check passed.
 */
import { describe, expect, it } from 'vitest';
import { badRequest } from '../../../lib/failures';
import { handleHttp } from '../../../lib/http/handle';
import type { HttpRequest } from '../../../lib/http/request';
import { MemoryIdempotencyStore } from '../../../lib/idempotency/memory';
import { prepareInvocation, type Invocation } from '../../../lib/invocation';
import { BASE, BASE_STRINGS, RecordingClient, TEST_ENV } from '../../support/fixtures';

const TOKEN = 'handle-test-token-0123456789';

function setup(env: Record<string, string> = {}, traceId?: string): { inv: Invocation; client: RecordingClient } {
  const client = new RecordingClient();
  const prepared = prepareInvocation(
    { request_id: 'inv-http', time_limit_in_ms: 10_000 },
    {
      env: { ...TEST_ENV, IDEMPOTENCY_TTL_SECONDS: '60', ...env },
      client,
      idempotency: new MemoryIdempotencyStore(),
      write: () => undefined,
      ...(traceId ? { traceId } : {}),
    },
  );
  if (!prepared.ok) throw new Error(prepared.errors.join('; '));
  return { inv: prepared.inv, client };
}

function request(fields: Partial<HttpRequest> = {}): { ok: true; value: HttpRequest } {
  return {
    ok: true,
    value: { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, query: {}, body: Buffer.from(JSON.stringify(BASE)), ...fields },
  };
}

function body(response: { body: string }): { Response: { RequestId: string; Error?: { Code: string; Message: string } } } {
  return JSON.parse(response.body) as { Response: { RequestId: string; Error?: { Code: string; Message: string } } };
}

describe('handleHttp', () => {
  it('POST JSON: sends the report, 200 with the RequestId and the trace id', async () => {
    const { inv, client } = setup();
    const { response, outcome } = await handleHttp(request(), inv);
    expect(response.statusCode).toBe(200);
    expect(body(response).Response.RequestId).toBe('trtc-request-1');
    expect(response.headers['X-Trace-Id']).toBe('inv-http');
    expect(outcome?.ok).toBe(true);
    expect(client.calls).toEqual([BASE]);
  });

  it('GET with the query string works as well; the caller trace id is named', async () => {
    const { inv, client } = setup({}, 'b'.repeat(32));
    const { response } = await handleHttp(request({ method: 'GET', headers: {}, body: undefined, query: { ...BASE_STRINGS } }), inv);
    expect(response.statusCode).toBe(200);
    expect(response.headers['X-Trace-Id']).toBe('b'.repeat(32));
    expect(client.calls).toEqual([BASE]);
  });

  it('a request that could not be read: its failure, with the invocation id, nothing sent', async () => {
    const { inv, client } = setup();
    const { response } = await handleHttp({ ok: false, failure: badRequest('body is not Base64') }, inv);
    expect(response.statusCode).toBe(400);
    expect(body(response).Response).toEqual({ Error: { Code: 'InvalidParameter', Message: 'body is not Base64' }, RequestId: 'inv-http' });
    expect(client.calls).toEqual([]);
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s: 405 with Allow, nothing sent', async (method) => {
    const { inv, client } = setup();
    const { response } = await handleHttp(request({ method }), inv);
    expect(response.statusCode).toBe(405);
    expect(response.headers['Allow']).toBe('GET, POST, OPTIONS');
    expect(client.calls).toEqual([]);
  });

  it('OPTIONS: a 204 preflight with no outcome; CORS headers only for an allowed origin', async () => {
    const { inv, client } = setup({ CORS_ALLOWED_ORIGINS: 'https://app.example.com' });
    const allowed = await handleHttp(request({ method: 'OPTIONS', headers: { origin: 'https://app.example.com' } }), inv);
    expect(allowed.outcome).toBeUndefined();
    expect(allowed.response).toMatchObject({ statusCode: 204, body: '' });
    expect(allowed.response.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'https://app.example.com', 'X-Trace-Id': 'inv-http' });
    const other = await handleHttp(request({ method: 'OPTIONS', headers: { origin: 'https://evil.example.com' } }), inv);
    expect(other.response.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(client.calls).toEqual([]);
  });

  it('AUTH_TOKEN set: 401 with WWW-Authenticate without the token, sent with it', async () => {
    const { inv, client } = setup({ AUTH_TOKEN: TOKEN });
    const refused = await handleHttp(request(), inv);
    expect(refused.response.statusCode).toBe(401);
    expect(refused.response.headers['WWW-Authenticate']).toBe('Bearer');
    expect(client.calls).toEqual([]);
    const accepted = await handleHttp(request({ headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } }), inv);
    expect(accepted.response.statusCode).toBe(200);
    expect(client.calls).toHaveLength(1);
  });

  it('bad parameters: 400 naming the field, nothing sent', async () => {
    const { inv, client } = setup();
    const { response } = await handleHttp(request({ body: Buffer.from(JSON.stringify({ ...BASE, RoomId: '' })) }), inv);
    expect(response.statusCode).toBe(400);
    expect(body(response).Response.Error?.Message).toContain('RoomId');
    expect(client.calls).toEqual([]);
  });

  it('Idempotency-Key: the same key replays the answer (Idempotent-Replayed), a bad key is 400', async () => {
    const { inv, client } = setup();
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-42' };
    const first = await handleHttp(request({ headers }), inv);
    const second = await handleHttp(request({ headers }), inv);
    expect(first.response.statusCode).toBe(200);
    expect(second.response.headers['Idempotent-Replayed']).toBe('true');
    expect(body(second.response).Response.RequestId).toBe(body(first.response).Response.RequestId);
    expect(client.calls).toHaveLength(1);
    const bad = await handleHttp(request({ headers: { ...headers, 'idempotency-key': 'has space\u0001' } }), inv);
    expect(bad.response.statusCode).toBe(400);
    expect(body(bad.response).Response.Error?.Message).toMatch(/Idempotency-Key/);
    expect(client.calls).toHaveLength(1);
  });

  it('CORS headers on the answer for an allowed origin', async () => {
    const { inv } = setup({ CORS_ALLOWED_ORIGINS: '*' });
    const { response } = await handleHttp(request({ headers: { 'content-type': 'application/json', origin: 'https://x.example' } }), inv);
    expect(response.headers['Access-Control-Allow-Origin']).toBe('*');
  });
});
