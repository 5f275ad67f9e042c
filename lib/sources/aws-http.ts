/**
 * Generic FaaS HTTP events, so the same bundle runs behind AWS-style gateways: API Gateway REST (payload v1:
 * httpMethod, multiValueHeaders, requestContext.apiId) and HTTP API / Lambda function URLs (payload v2.0:
 * version "2.0", requestContext.http). Both are answered with the same integration response.
 */
import {
  decodeEventBody,
  isBase64Flag,
  isPlainRecord,
  normaliseHeaders,
  normaliseQuery,
  parseQueryString,
  type HttpRequest,
  type Parsed,
} from '../http/request';
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
  return (typeof ctx.apiId === 'string' || typeof ctx.accountId === 'string' || typeof ctx.elb === 'object') && !('serviceId' in ctx);
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

export function isAwsV2Event(event: unknown): event is AwsV2Event {
  return (
    isPlainRecord(event) &&
    event.version === '2.0' &&
    isPlainRecord(event.requestContext) &&
    isPlainRecord(event.requestContext.http) &&
    typeof event.requestContext.http.method === 'string'
  );
}

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
