/**
 * lib/http/response.ts: the answer an HTTP caller gets for an outcome (status, headers, cloud-API envelope), and the
 * shape it is returned in (integration response, ALB, ALB with multi-value headers).
 */
import { describe, expect, it } from 'vitest';
import { badRequest, methodNotAllowed, noCallSlot, queued } from '../../../lib/failures';
import { formatAnswer, jsonResponse, outcomeResponse } from '../../../lib/http/response';
import { failed, type Outcome } from '../../../lib/outcome';

const SAFE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

describe('jsonResponse', () => {
  it('is an integration response with the JSON headers and the body as JSON text; extra headers add or override', () => {
    expect(jsonResponse(201, { a: 1 }, { 'X-Extra': 'y', 'Cache-Control': 'max-age=1' })).toEqual({
      isBase64Encoded: false,
      statusCode: 201,
      headers: { ...SAFE_HEADERS, 'X-Extra': 'y', 'Cache-Control': 'max-age=1' },
      body: '{"a":1}',
    });
  });
});

describe('outcomeResponse', () => {
  it('200 with the RequestId for a recorded report', () => {
    const response = outcomeResponse({ ok: true, requestId: 'trtc-1', attempts: 1 }, 'inv-1');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ Response: { RequestId: 'trtc-1' } });
    expect(response.headers['Idempotent-Replayed']).toBeUndefined();
  });

  it('a replayed answer says so in Idempotent-Replayed, keeping the caller headers', () => {
    const response = outcomeResponse({ ok: true, requestId: 'trtc-1', attempts: 0, replayed: true }, 'inv-1', { traceparent: 't' });
    expect(response.headers).toMatchObject({ 'Idempotent-Replayed': 'true', traceparent: 't' });
  });

  it("a failure: its status, the error envelope with the invocation's id", () => {
    const response = outcomeResponse(failed(badRequest('RoomId is missing')), 'inv-2');
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ Response: { Error: { Code: 'InvalidParameter', Message: 'RoomId is missing' }, RequestId: 'inv-2' } });
    expect(response.headers['Retry-After']).toBeUndefined();
    expect(response.headers['Allow']).toBeUndefined();
  });

  it('429 carries Retry-After in whole seconds', () => {
    const response = outcomeResponse(failed(noCallSlot('no slot', 2_500)), 'inv-3');
    expect(response.statusCode).toBe(429);
    expect(response.headers['Retry-After']).toBe('3');
  });

  it('405 carries Allow', () => {
    const response = outcomeResponse(failed(methodNotAllowed('PUT')), 'inv-4');
    expect(response.statusCode).toBe(405);
    expect(response.headers['Allow']).toBe('GET, POST, OPTIONS');
  });

  it('a parked report is 202 with its key in the envelope', () => {
    const response = outcomeResponse(failed(queued('k-1')), 'inv-5');
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body).Response.Key).toBe('k-1');
  });

  it("TRTC's RequestId wins over the invocation's when TRTC answered", () => {
    const outcome: Outcome = failed({ status: 502, code: 'InternalError', message: 'm', retryable: true, upstreamRequestId: 'trtc-9' });
    expect(JSON.parse(outcomeResponse(outcome, 'inv-6').body).Response.RequestId).toBe('trtc-9');
  });
});

describe('formatAnswer', () => {
  const response = jsonResponse(404, { x: 1 }, { 'X-Request-Id': 'r' });

  it('integration (the default): the response itself', () => {
    expect(formatAnswer(response)).toBe(response);
    expect(formatAnswer(response, 'integration')).toBe(response);
  });

  it('ALB: adds statusDescription, keeps headers', () => {
    expect(formatAnswer(response, 'alb')).toEqual({
      isBase64Encoded: false,
      statusCode: 404,
      statusDescription: '404 Not Found',
      headers: response.headers,
      body: response.body,
    });
  });

  it('ALB with multi-value headers: every header as a one-element list, no `headers`', () => {
    const answer = formatAnswer(response, 'alb-multi-value');
    expect(answer).not.toHaveProperty('headers');
    expect(answer).toMatchObject({ statusDescription: '404 Not Found', body: response.body });
    expect('multiValueHeaders' in answer ? answer.multiValueHeaders : undefined).toEqual({
      'Content-Type': ['application/json; charset=utf-8'],
      'Cache-Control': ['no-store'],
      'X-Content-Type-Options': ['nosniff'],
      'X-Request-Id': ['r'],
    });
  });

  it('a status Node has no phrase for is described by its number alone', () => {
    const answer = formatAnswer(jsonResponse(599, {}), 'alb');
    expect('statusDescription' in answer ? answer.statusDescription : undefined).toBe('599');
  });
});
