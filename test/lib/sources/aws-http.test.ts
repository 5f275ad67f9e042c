/**
 * lib/sources/aws-http.ts: AWS-style HTTP events (API Gateway REST v1, HTTP API / function URL v2.0, ALB targets).
 * Each adapter claims only its own events and turns them into the pipeline's request; ALB answers in its own
 * shape (multi-value when the target group uses multi-value headers). The published fixtures of other projects are
 * read at run time (REAL_EVENTS_DIR) and checked against their expectations where they carry parameters.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { httpParams, type HttpRequest } from '../../../lib/http/request';
import { validateReport } from '../../../lib/report';
import { awsAlb, awsApiGatewayV1, awsHttpApiV2, isAwsAlbEvent, isAwsV1Event, isAwsV2Event } from '../../../lib/sources/aws-http';
import type { EventSource } from '../../../lib/sources/types';
import { ROOT } from '../../support/bundle';
import { BASE, BASE_STRINGS } from '../../support/fixtures';

/** The published fixtures in shared/, beside the checkout (as in CI); REAL_EVENTS_DIR points elsewhere. */
const REAL_EVENTS = process.env['REAL_EVENTS_DIR'] ?? path.join(ROOT, '..', 'shared', 'real-events');

function requestOf(source: EventSource, event: unknown): { request: HttpRequest; format: string | undefined } {
  const adapted = source.adapt(event);
  if (adapted?.kind !== 'http') throw new Error(`expected an HTTP event, got ${JSON.stringify(adapted)}`);
  if (!adapted.request.ok) throw new Error(`expected a request, got ${adapted.request.failure.message}`);
  return { request: adapted.request.value, format: adapted.format };
}

const v1 = {
  resource: '/report',
  path: '/report',
  httpMethod: 'post',
  headers: { 'Content-Type': 'text/plain' },
  multiValueHeaders: { 'Content-Type': ['application/json'] },
  queryStringParameters: { a: '2' },
  multiValueQueryStringParameters: { a: ['1', '2'] },
  requestContext: { accountId: '123456789012', apiId: 'abc123', requestId: 'aws-req-1' },
  body: Buffer.from(JSON.stringify(BASE)).toString('base64'),
  isBase64Encoded: true,
};

const v2 = {
  version: '2.0',
  rawPath: '/report',
  rawQueryString: 'a=1&a=2',
  queryStringParameters: { a: '1,2' },
  headers: { 'content-type': 'application/json' },
  requestContext: { requestId: 'aws-req-2', http: { method: 'post', path: '/report' } },
  body: JSON.stringify(BASE),
  isBase64Encoded: false,
};

const alb = {
  httpMethod: 'GET',
  path: '/lambda',
  headers: { host: 'alb' },
  queryStringParameters: { ...BASE_STRINGS, TroubleMsg: 'a%20b+c%E4%B8%AD' },
  requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:::targetgroup/x' } },
  body: '',
  isBase64Encoded: false,
};

describe('each adapter claims only its own events', () => {
  it.each([
    ['v1', v1, [true, false, false]],
    ['v2', v2, [false, true, false]],
    ['ALB', alb, [false, false, true]],
    ['SCF API Gateway (requestContext.serviceId)', { ...v1, requestContext: { ...v1.requestContext, serviceId: 'service-x' } }, [false, false, false]],
    ['v2 without version but with headers', { ...v2, version: undefined }, [false, true, false]],
    ['nothing HTTP', { Records: [] }, [false, false, false]],
  ])('%s', (_, event, [isV1, isV2, isAlb]) => {
    expect([isAwsV1Event(event), isAwsV2Event(event), isAwsAlbEvent(event)]).toEqual([isV1, isV2, isAlb]);
  });
});

describe('API Gateway REST (v1)', () => {
  it('prefers the multi-value headers and query, decodes a Base64 body, upper-cases the method, keeps the request id', () => {
    const { request, format } = requestOf(awsApiGatewayV1, v1);
    expect(format).toBeUndefined();
    expect(request).toMatchObject({ method: 'POST', path: '/report', query: { a: ['1', '2'] }, requestId: 'aws-req-1' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body?.toString()).toBe(JSON.stringify(BASE));
  });

  it('the console test event (headers null, no query) is read', () => {
    const { request } = requestOf(awsApiGatewayV1, {
      ...v1,
      headers: null,
      multiValueHeaders: null,
      multiValueQueryStringParameters: null,
      queryStringParameters: null,
    });
    expect(request.headers).toEqual({});
    expect(request.query).toEqual({});
  });
});

describe('HTTP API / function URL (v2.0)', () => {
  it('reads rawQueryString (repeated keys kept), rawPath and the method of requestContext.http', () => {
    const { request } = requestOf(awsHttpApiV2, v2);
    expect(request).toMatchObject({ method: 'POST', path: '/report', query: { a: ['1', '2'] }, requestId: 'aws-req-2' });
    expect(request.body?.toString()).toBe(JSON.stringify(BASE));
  });

  it('without rawQueryString, queryStringParameters', () => {
    const { request } = requestOf(awsHttpApiV2, { ...v2, rawQueryString: undefined });
    expect(request.query).toEqual({ a: '1,2' });
  });

  it('a rawQueryString that is not UTF-8 is a 400 naming the field', () => {
    const adapted = awsHttpApiV2.adapt({ ...v2, rawQueryString: 'RoomId=%ff' });
    expect(adapted?.kind === 'http' && !adapted.request.ok && adapted.request.failure).toMatchObject({
      status: 400,
      message: expect.stringContaining('RoomId'),
    });
  });
});

describe('ALB target', () => {
  it('decodes the still-encoded query as a form, answers in ALB shape', () => {
    const { request, format } = requestOf(awsAlb, alb);
    expect(format).toBe('alb');
    expect(request.path).toBe('/lambda');
    expect(request.query['TroubleMsg']).toBe('a b c中');
    expect(request.body).toBeUndefined();
  });

  it('multi-value headers: multi-value answer, multi-value query decoded value by value', () => {
    const event = {
      ...alb,
      headers: undefined,
      multiValueHeaders: { Host: ['alb'] },
      queryStringParameters: undefined,
      multiValueQueryStringParameters: { 'Room%49d': ['x%2B1', 'y'] },
    };
    const { request, format } = requestOf(awsAlb, event);
    expect(format).toBe('alb-multi-value');
    expect(request.headers['host']).toBe('alb');
    expect(request.query).toEqual({ RoomId: ['x+1', 'y'] });
  });

  it('a query name or value that is not UTF-8 is a 400 naming it', () => {
    for (const [query, named] of [
      [{ RoomId: '%ff' }, 'RoomId'],
      [{ 'Room%ffId': '1' }, 'Room%ffId'],
    ] as const) {
      const adapted = awsAlb.adapt({ ...alb, queryStringParameters: query });
      expect(adapted?.kind === 'http' && !adapted.request.ok && adapted.request.failure.message).toContain(named);
    }
  });
});

describe.skipIf(!existsSync(REAL_EVENTS))('published AWS fixtures', () => {
  const ADAPTERS: Record<string, EventSource> = {
    'aws-apigw-v1': awsApiGatewayV1,
    'aws-httpapi-v2': awsHttpApiV2,
    'aws-lambda-url': awsHttpApiV2,
    alb: awsAlb,
  };
  const cases = existsSync(REAL_EVENTS)
    ? readdirSync(REAL_EVENTS)
        .filter((name) => name.endsWith('.expect.json'))
        .map((name) => {
          const expectation = JSON.parse(readFileSync(path.join(REAL_EVENTS, name), 'utf8')) as { trigger?: string; params?: Record<string, unknown> };
          return { name: name.replace(/\.expect\.json$/, ''), expectation };
        })
        .filter(({ expectation }) => expectation.trigger !== undefined && expectation.trigger in ADAPTERS)
    : [];

  it('there are fixtures of every AWS HTTP kind', () => {
    expect(new Set(cases.map((c) => c.expectation.trigger))).toEqual(new Set(Object.keys(ADAPTERS)));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: claimed by its adapter alone; its report read as expected', (_, { name, expectation }) => {
    const event: unknown = JSON.parse(readFileSync(path.join(REAL_EVENTS, `${name}.json`), 'utf8'));
    const adapter = ADAPTERS[expectation.trigger ?? ''];
    if (!adapter) throw new Error('unreachable');
    for (const other of new Set(Object.values(ADAPTERS))) expect(other.canHandle(event), other.name).toBe(other === adapter);
    if (!expectation.params) return;
    const { request } = requestOf(adapter, event);
    const params = httpParams(request);
    if (!params.ok) throw new Error(params.failure.message);
    const report = validateReport(params.value);
    expect(report.ok && report.report).toEqual(expectation.params);
  });
});
