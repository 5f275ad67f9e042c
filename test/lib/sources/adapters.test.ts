import { describe, expect, it } from 'vitest';
import { direct, isDirectEvent } from '../../../lib/sources/direct';
import { isScfApiGatewayEvent, isScfFunctionUrlEvent, scfApiGateway, scfFunctionUrl } from '../../../lib/sources/scf-http';
import type { EventSource } from '../../../lib/sources/types';
import { apiGatewayEvent, BASE, BASE_STRINGS, functionUrlEvent } from '../../support/fixtures';

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
  // HTTP-shaped events no specific adapter claims are still HTTP requests (reliability item 8).
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
