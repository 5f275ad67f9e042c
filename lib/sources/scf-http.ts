/**
 * SCF's HTTP events: the Function URL (`body, headers, httpMethod, path, queryString`, no requestContext) and the
 * legacy API Gateway trigger (adds requestContext, queryStringParameters, headerParameters, pathParameters,
 * stageVariables and isBase64Encoded as true or "true").
 */
import { decodeEventBody, isBase64Flag, normaliseHeaders, normaliseQuery, type HttpRequest } from '../http/request';
import { isPlainRecord } from '../parse/json';
import type { Parsed } from '../parse/parsed';
import { isAwsAlbEvent, isAwsV1Event } from './aws-http';
import { defineSource } from './types';

export interface ScfFunctionUrlEvent {
  httpMethod: string;
  headers: Record<string, unknown>;
  path?: string;
  queryString?: Record<string, unknown>;
  body?: unknown;
  isBase64Encoded?: unknown;
}

export interface ScfApiGatewayEvent extends ScfFunctionUrlEvent {
  requestContext: { serviceId?: string; requestId?: string; stage?: string; [key: string]: unknown };
  queryStringParameters?: Record<string, unknown>;
  headerParameters?: Record<string, unknown>;
  pathParameters?: Record<string, unknown>;
  stageVariables?: Record<string, unknown>;
}

function hasHttpCore(event: unknown): event is Record<string, unknown> & { httpMethod: string; headers: Record<string, unknown> } {
  return isPlainRecord(event) && typeof event.httpMethod === 'string' && isPlainRecord(event.headers);
}

/**
 * The Function URL shape, and the catch-all for anything HTTP-shaped (httpMethod and headers) that no more specific
 * adapter claims: a `requestContext` that is null, a string, `{}` or another platform's, `multiValueHeaders` or
 * `resource` without AWS's context. Such an event is still an HTTP request and gets an HTTP answer.
 */
export function isScfFunctionUrlEvent(event: unknown): event is ScfFunctionUrlEvent {
  return hasHttpCore(event) && !isScfApiGatewayEvent(event) && !isAwsV1Event(event) && !isAwsAlbEvent(event);
}

export function isScfApiGatewayEvent(event: unknown): event is ScfApiGatewayEvent {
  if (!hasHttpCore(event) || !isPlainRecord(event.requestContext)) return false;
  const ctx = event.requestContext;
  // AWS API Gateway v1 events carry apiId/accountId in requestContext; SCF's carry serviceId.
  return typeof ctx.serviceId === 'string' && !('apiId' in ctx) && !('accountId' in ctx);
}

function toHttpRequest(event: ScfFunctionUrlEvent, requestId: string | undefined): Parsed<HttpRequest> {
  const headers = normaliseHeaders(event.headers);
  const body = decodeEventBody(event.body, isBase64Flag(event.isBase64Encoded));
  if (!body.ok) return body;
  const query = normaliseQuery(event.queryString ?? ('queryStringParameters' in event ? (event as ScfApiGatewayEvent).queryStringParameters : undefined));
  const id = requestId ?? headers['x-api-requestid'] ?? headers['x-request-id'];
  return {
    ok: true,
    value: {
      method: event.httpMethod.toUpperCase(),
      path: typeof event.path === 'string' ? event.path : '/',
      headers,
      query,
      body: body.value,
      ...(id ? { requestId: id } : {}),
    },
  };
}

export const scfFunctionUrl = defineSource('scf-function-url', isScfFunctionUrlEvent, (event) => ({
  kind: 'http',
  request: toHttpRequest(event, undefined),
}));

export const scfApiGateway = defineSource('scf-api-gateway', isScfApiGatewayEvent, (event) => ({
  kind: 'http',
  request: toHttpRequest(event, typeof event.requestContext.requestId === 'string' ? event.requestContext.requestId : undefined),
}));
