/**
 * Generic FaaS HTTP events, so the same bundle runs behind AWS-style gateways: API Gateway REST (payload v1:
 * httpMethod, multiValueHeaders, requestContext.apiId), HTTP API / Lambda function URLs (payload v2.0:
 * requestContext.http) and Application Load Balancer targets (requestContext.elb). All are answered with the
 * integration response (ALB's adds statusDescription, and multiValueHeaders when the target group uses them).
 */
import { decodeEventBody, isBase64Flag, normaliseHeaders, normaliseQuery, parseQueryString, type HttpRequest, type QueryValue } from '../http/request';
import { decodeFormComponent, notUtf8 } from '../parse/form';
import { isPlainRecord } from '../parse/json';
import type { Parsed } from '../parse/parsed';
import { defineSource } from './types';

export interface AwsV1Event {
  httpMethod: string;
  path?: string;
  headers?: Record<string, unknown> | null;
  multiValueHeaders?: Record<string, unknown> | null;
  queryStringParameters?: Record<string, unknown> | null;
  multiValueQueryStringParameters?: Record<string, unknown> | null;
  requestContext: { apiId?: string; accountId?: string; requestId?: string; [key: string]: unknown };
  body?: unknown;
  isBase64Encoded?: unknown;
}

export function isAwsV1Event(event: unknown): event is AwsV1Event {
  if (!isPlainRecord(event) || typeof event.httpMethod !== 'string' || !isPlainRecord(event.requestContext)) return false;
  const ctx = event.requestContext;
  return (typeof ctx.apiId === 'string' || typeof ctx.accountId === 'string') && !('serviceId' in ctx) && !('elb' in ctx);
}

export interface AwsV2Event {
  version: '2.0';
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, unknown>;
  queryStringParameters?: Record<string, unknown>;
  requestContext: { requestId?: string; http: { method: string; path?: string } };
  body?: unknown;
  isBase64Encoded?: unknown;
}

/** Payload v2.0: `requestContext.http.method`, with `version: "2.0"` or headers (whatever the version says). */
export function isAwsV2Event(event: unknown): event is AwsV2Event {
  return (
    isPlainRecord(event) &&
    typeof event.httpMethod !== 'string' &&
    (event.version === '2.0' || isPlainRecord(event.headers)) &&
    isPlainRecord(event.requestContext) &&
    isPlainRecord(event.requestContext.http) &&
    typeof event.requestContext.http.method === 'string'
  );
}

// ── AWS Application Load Balancer target (Lambda as an ALB target) ──────────────────────────────────────────────

export interface AwsAlbEvent {
  httpMethod: string;
  path?: string;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown>;
  queryStringParameters?: Record<string, unknown>;
  multiValueQueryStringParameters?: Record<string, unknown>;
  requestContext: { elb: { targetGroupArn?: string } };
  body?: unknown;
  isBase64Encoded?: unknown;
}

export function isAwsAlbEvent(event: unknown): event is AwsAlbEvent {
  return isPlainRecord(event) && typeof event.httpMethod === 'string' && isPlainRecord(event.requestContext) && isPlainRecord(event.requestContext.elb);
}

/**
 * ALB passes query names and values as the client sent them, still percent-encoded: decoded as a form is (a bad
 * escape stays as it is); bytes that are not UTF-8 are a 400 naming the field.
 */
function albQuery(query: unknown): Parsed<Record<string, QueryValue>> {
  const out: Record<string, QueryValue> = Object.create(null) as Record<string, QueryValue>;
  for (const [rawName, value] of Object.entries(normaliseQuery(query))) {
    const name = decodeFormComponent(rawName);
    if (name === undefined) return notUtf8(`the parameter name ${rawName}`, rawName);
    const values: string[] = [];
    for (const raw of typeof value === 'string' ? [value] : value) {
      const decoded = decodeFormComponent(raw);
      if (decoded === undefined) return notUtf8(name, raw);
      values.push(decoded);
    }
    out[name] = typeof value === 'string' ? values[0]! : values;
  }
  return { ok: true, value: out };
}

export const awsAlb = defineSource('aws-alb', isAwsAlbEvent, (event) => {
  const multiValue = isPlainRecord(event.multiValueHeaders);
  const headers = normaliseHeaders(multiValue ? event.multiValueHeaders : event.headers);
  const query = albQuery(event.multiValueQueryStringParameters ?? event.queryStringParameters);
  return {
    kind: 'http',
    // With multi-value headers enabled on the target group, ALB requires multiValueHeaders in the answer too.
    format: multiValue ? 'alb-multi-value' : 'alb',
    request: query.ok
      ? withBody(
          { method: event.httpMethod.toUpperCase(), path: typeof event.path === 'string' ? event.path : '/', headers, query: query.value },
          event.body,
          event.isBase64Encoded,
        )
      : query,
  };
});

function withBody(base: Omit<HttpRequest, 'body'>, body: unknown, base64: unknown): Parsed<HttpRequest> {
  const decoded = decodeEventBody(body, isBase64Flag(base64));
  return decoded.ok ? { ok: true, value: { ...base, body: decoded.value } } : decoded;
}

export const awsApiGatewayV1 = defineSource('aws-api-gateway-v1', isAwsV1Event, (event) => {
  const headers = normaliseHeaders(event.multiValueHeaders ?? event.headers ?? {});
  const query = normaliseQuery(event.multiValueQueryStringParameters ?? event.queryStringParameters);
  const requestId = typeof event.requestContext.requestId === 'string' ? event.requestContext.requestId : undefined;
  return {
    kind: 'http',
    request: withBody(
      { method: event.httpMethod.toUpperCase(), path: typeof event.path === 'string' ? event.path : '/', headers, query, ...(requestId ? { requestId } : {}) },
      event.body,
      event.isBase64Encoded,
    ),
  };
});

export const awsHttpApiV2 = defineSource('aws-http-api-v2', isAwsV2Event, (event) => {
  const headers = normaliseHeaders(event.headers);
  // rawQueryString keeps repeated keys; queryStringParameters joins them with commas.
  const query: Parsed<Record<string, QueryValue>> =
    typeof event.rawQueryString === 'string' ? parseQueryString(event.rawQueryString) : { ok: true, value: normaliseQuery(event.queryStringParameters) };
  const requestId = typeof event.requestContext.requestId === 'string' ? event.requestContext.requestId : undefined;
  if (!query.ok) return { kind: 'http', request: query };
  return {
    kind: 'http',
    request: withBody(
      {
        method: event.requestContext.http.method.toUpperCase(),
        path: typeof event.rawPath === 'string' ? event.rawPath : '/',
        headers,
        query: query.value,
        ...(requestId ? { requestId } : {}),
      },
      event.body,
      event.isBase64Encoded,
    ),
  };
});
