import type { HttpRequest } from '../../../lib/http/request';
import type { Adapted } from '../../../lib/sources/types';
import { describe, expect, it } from 'vitest';
import { scfApiGateway, scfFunctionUrl } from '../../../lib/sources/scf-http';
import { apiGatewayEvent, functionUrlEvent } from '../../support/fixtures';

function httpRequestOf(adapted: Adapted | undefined): HttpRequest {
  if (adapted?.kind !== 'http') throw new Error(`expected an HTTP adaptation, got ${adapted?.kind}`);
  if (!adapted.request.ok) throw new Error(`expected a readable request: ${adapted.request.failure.message}`);
  return adapted.request.value;
}

describe('SCF HTTP adapters', () => {
  it('Function URL: method upper-cased, header names lower-cased, query and body kept', () => {
    const req = httpRequestOf(
      scfFunctionUrl.adapt(
        functionUrlEvent({
          method: 'post',
          headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'furl-1' },
          query: { a: 'x', b: true, c: ['1', '2'] },
          body: '{"RoomId":"1"}',
        }),
      ),
    );
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['Content-Type']).toBeUndefined();
    expect({ ...req.query }).toEqual({ a: 'x', b: '', c: ['1', '2'] });
    expect(req.body?.toString('utf8')).toBe('{"RoomId":"1"}');
    expect(req.requestId).toBe('furl-1');
  });

  it('API Gateway: the gateway request id, the complete queryString (not queryStringParameters)', () => {
    const event = { ...apiGatewayEvent({ method: 'GET', query: { RoomId: '1', TroubleType: '2' } }), queryStringParameters: { RoomId: '1' } };
    const req = httpRequestOf(scfApiGateway.adapt(event));
    expect(req.requestId).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
    expect({ ...req.query }).toEqual({ RoomId: '1', TroubleType: '2' });
    expect(req.body).toBeUndefined();
  });

  it('API Gateway: a Base64 body with the flag as "true" is decoded', () => {
    const req = httpRequestOf(scfApiGateway.adapt(apiGatewayEvent({ body: Buffer.from('RoomId=%E4%B8%AD').toString('base64'), isBase64Encoded: 'true' })));
    expect(req.body?.toString('utf8')).toBe('RoomId=%E4%B8%AD');
  });

  it('API Gateway: invalid Base64 is a 400 in the adapted request, not a throw', () => {
    const adapted = scfApiGateway.adapt(apiGatewayEvent({ body: '***', isBase64Encoded: true }));
    expect(adapted?.kind).toBe('http');
    if (adapted?.kind === 'http') expect(adapted.request.ok ? 200 : adapted.request.failure.status).toBe(400);
  });

  it('an empty body is no body', () => {
    expect(httpRequestOf(scfFunctionUrl.adapt(functionUrlEvent({ method: 'POST', body: '' }))).body).toBeUndefined();
  });
});
