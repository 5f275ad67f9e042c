import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../../lib/http/request';
import { submitReport } from '../../../lib/pipeline';
import { direct, isDirectEvent } from '../../../lib/sources/direct';
import { isScfApiGatewayEvent, isScfFunctionUrlEvent, scfApiGateway, scfFunctionUrl } from '../../../lib/sources/scf-http';
import type { Adapted, EventSource } from '../../../lib/sources/types';
import { apiGatewayEvent, BASE, BASE_STRINGS, functionUrlEvent, RecordingClient, testInvocation } from '../../support/fixtures';

type Claimant = 'scf-function-url' | 'scf-api-gateway' | 'direct' | 'none';

const OURS: readonly EventSource[] = [scfFunctionUrl, scfApiGateway, direct];

const awsV1 = {
  resource: '/report',
  path: '/report',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  multiValueHeaders: { 'Content-Type': ['application/json'] },
  queryStringParameters: null,
  requestContext: { accountId: '123456789012', apiId: 'abc123', stage: 'prod', requestId: 'r' },
  body: JSON.stringify(BASE),
  isBase64Encoded: false,
};

const awsV2 = {
  version: '2.0',
  routeKey: 'POST /report',
  rawPath: '/report',
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: { apiId: 'abc123', http: { method: 'POST', path: '/report' } },
  body: JSON.stringify(BASE),
  isBase64Encoded: false,
};

/** Every fixture and the one of our three sources that must claim it. */
const MATRIX: ReadonlyArray<readonly [string, unknown, Claimant]> = [
  ['SCF Function URL GET', functionUrlEvent({ method: 'GET', query: { ...BASE_STRINGS } }), 'scf-function-url'],
  [
    'SCF Function URL POST',
    functionUrlEvent({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BASE) }),
    'scf-function-url',
  ],
  ['SCF API Gateway POST', apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(BASE) }), 'scf-api-gateway'],
  ['SCF API Gateway GET, Base64 flag as a string', apiGatewayEvent({ method: 'GET', query: { ...BASE_STRINGS }, isBase64Encoded: 'false' }), 'scf-api-gateway'],
  ['direct: the API example', { ...BASE }, 'direct'],
  ['direct: with Action and Version', { Action: 'CreateTroubleInfo', Version: '2019-07-22', ...BASE }, 'direct'],
  ['direct: one parameter only (reported as missing the rest)', { SdkAppId: '1400188366' }, 'direct'],
  ['AWS API Gateway v1', awsV1, 'none'],
  ['AWS HTTP API v2', awsV2, 'none'],
  ['console Hello World template', { key1: 'test value 1', key2: 'test value 2' }, 'none'],
  ['timer', { Type: 'Timer', TriggerName: 'every-minute', Time: '2026-01-01T00:00:00Z', Message: '' }, 'none'],
  ['COS notification', { Records: [{ cos: { cosBucket: { name: 'b' }, cosObject: { key: 'k' } }, event: { eventName: 'cos:ObjectCreated:Put' } }] }, 'none'],
  ['an empty object', {}, 'none'],
  ['null', null, 'none'],
  ['undefined', undefined, 'none'],
  ['a string', JSON.stringify(BASE), 'none'],
  ['an array of reports', [{ ...BASE }], 'none'],
  ['a number', 42, 'none'],
  ['httpMethod without headers', { httpMethod: 'GET', queryString: {} }, 'none'],
  ['headers that are not an object', { httpMethod: 'GET', headers: 'host: x', queryString: {} }, 'none'],
  // HTTP-shaped events no specific adapter claims are still HTTP requests (issue 8, item 8).
  ['API Gateway shape without serviceId', { ...apiGatewayEvent(), requestContext: { requestId: 'x' } }, 'scf-function-url'],
  ['HTTP-shaped, requestContext null', { ...functionUrlEvent({ method: 'GET' }), requestContext: null }, 'scf-function-url'],
  ['HTTP-shaped, requestContext a string', { ...functionUrlEvent({ method: 'GET' }), requestContext: 'ctx' }, 'scf-function-url'],
  ['HTTP-shaped, requestContext {}', { ...functionUrlEvent({ method: 'GET' }), requestContext: {} }, 'scf-function-url'],
  [
    "HTTP-shaped, another platform's requestContext",
    { ...functionUrlEvent({ method: 'GET' }), requestContext: { platform: 'other', id: 'x' } },
    'scf-function-url',
  ],
  ['HTTP-shaped, multiValueHeaders without AWS context', { ...functionUrlEvent({ method: 'GET' }), multiValueHeaders: { host: ['x'] } }, 'scf-function-url'],
  ['HTTP-shaped, resource without AWS context', { ...functionUrlEvent({ method: 'GET' }), resource: '/r' }, 'scf-function-url'],
  ['HTTP-shaped, carrying Records too', { ...functionUrlEvent({ method: 'GET' }), Records: [{ Ckafka: {} }] }, 'scf-function-url'],
];

describe('source guards: each event is claimed by exactly one of ours, or by none', () => {
  it.each(MATRIX)('%s', (_name, event, expected) => {
    const claimed = OURS.filter((s) => s.canHandle(event)).map((s) => s.name);
    expect(claimed).toEqual(expected === 'none' ? [] : [expected]);
    for (const source of OURS) {
      const adapted = source.adapt(event);
      expect(adapted === undefined).toBe(source.name !== expected);
    }
  });

  it('the exported guards agree with the sources', () => {
    for (const [, event, expected] of MATRIX) {
      expect(isScfFunctionUrlEvent(event)).toBe(expected === 'scf-function-url');
      expect(isScfApiGatewayEvent(event)).toBe(expected === 'scf-api-gateway');
      expect(isDirectEvent(event)).toBe(expected === 'direct');
    }
  });

  it('a direct event that names a parameter only through its prototype is not claimed', () => {
    const event: unknown = Object.create({ SdkAppId: '1400188366' });
    expect(isDirectEvent(event)).toBe(false);
  });
});

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

describe('direct adapter', () => {
  it('hands over the parameters as given, in a prototype-free copy', () => {
    const event = { ...BASE, TroubleType: '2' };
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    expect({ ...adapted.params }).toEqual(event);
    expect(adapted.params).not.toBe(event);
    expect(Object.getPrototypeOf(adapted.params)).toBeNull();
  });

  it('Action and Version naming this API are accepted and dropped; the port gets exactly the eight parameters', async () => {
    const event = JSON.parse(
      '{"Action":"CreateTroubleInfo","Version":"2019-07-22","SdkAppId":1400188366,"RoomId":1587879309,"TeacherUserId":"teacher",' +
        '"StudentUserId":"student","TroubleUserId":"student","TroubleType":2,"TroubleTime":87654321,"TroubleMsg":"VoiceException"}',
    ) as unknown;
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok).toBe(true);
    expect(client.calls).toEqual([{ ...BASE, TroubleType: 2 }]);
    expect(Object.keys(client.calls[0] ?? {})).toEqual(Object.keys(BASE));
  });

  it.each([
    ['Action', 'DescribeRoomInfo'],
    ['Version', '2020-01-01'],
  ])('%s=%s → rejected, nothing sent', async (name, value) => {
    const adapted = direct.adapt({ ...BASE, [name]: value });
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok ? 200 : outcome.failure.status).toBe(400);
    expect(client.calls).toEqual([]);
  });

  it('__proto__ in a parsed direct event is an unknown parameter and pollutes nothing', async () => {
    const event = JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(BASE).slice(1)}`) as unknown;
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok ? undefined : outcome.failure.code).toBe('UnknownParameter');
    expect(client.calls).toEqual([]);
  });
});
