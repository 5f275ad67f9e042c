/**
 * Generic FaaS HTTP events, so the same bundle runs behind AWS-style gateways: API Gateway REST (payload v1:
 * httpMethod, multiValueHeaders, requestContext.apiId), HTTP API / Lambda function URLs (payload v2.0:
 * requestContext.http) and Application Load Balancer targets (requestContext.elb). All are answered with the
 * integration response (ALB's adds statusDescription, and multiValueHeaders when the target group uses them).
 */
import { decodeEventBody, isBase64Flag, normaliseHeaders, normaliseQuery, parseQueryString, type HttpRequest, type QueryValue } from '../http/request';
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

/** ALB passes query names and values as the client sent them, still percent-encoded; a bad escape stays as it is. */
function albDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function albQuery(query: unknown): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = Object.create(null) as Record<string, QueryValue>;
  for (const [name, value] of Object.entries(normaliseQuery(query))) {
    out[albDecode(name)] = typeof value === 'string' ? albDecode(value) : value.map(albDecode);
  }
  return out;
}

export const awsAlb = defineSource('aws-alb', isAwsAlbEvent, (event) => {
  const multiValue = isPlainRecord(event.multiValueHeaders);
  const headers = normaliseHeaders(multiValue ? event.multiValueHeaders : event.headers);
  const query = albQuery(event.multiValueQueryStringParameters ?? event.queryStringParameters);
  return {
    kind: 'http',
    // With multi-value headers enabled on the target group, ALB requires multiValueHeaders in the answer too.
    format: multiValue ? 'alb-multi-value' : 'alb',
    request: withBody(
      { method: event.httpMethod.toUpperCase(), path: typeof event.path === 'string' ? event.path : '/', headers, query },
      event.body,
      event.isBase64Encoded,
    ),
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
  const query = typeof event.rawQueryString === 'string' ? parseQueryString(event.rawQueryString) : normaliseQuery(event.queryStringParameters);
  const requestId = typeof event.requestContext.requestId === 'string' ? event.requestContext.requestId : undefined;
  return {
    kind: 'http',
    request: withBody(
      {
        method: event.requestContext.http.method.toUpperCase(),
        path: typeof event.rawPath === 'string' ? event.rawPath : '/',
        headers,
        query,
        ...(requestId ? { requestId } : {}),
      },
      event.body,
      event.isBase64Encoded,
    ),
  };
});
