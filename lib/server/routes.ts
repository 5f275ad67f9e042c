/**
 * The standalone server's routes and the answers that need no invocation: the liveness probe, the OpenAPI
 * description, 404 and 405.
 */
import { loadConfig } from '../config';
import { FAILURES, unauthorized } from '../failures';
import { isAuthorised } from '../http/guard';
import { jsonResponse, outcomeResponse, type HttpResponse } from '../http/response';
import { configurationOutcome } from '../invocation';
import { failed } from '../outcome';
import type { ServerMetrics } from './metrics';

/** The one path that takes reports. */
export const REPORT_PATH = '/';
/** The liveness probe's path. */
export const HEALTH_PATH = '/healthz';
/** Where the OpenAPI description is served. */
export const OPENAPI_PATH = '/openapi.json';

/** Where the Prometheus metrics are served. */
export const METRICS_PATH = '/metrics';

/** What a request path is for. */
export type Route = 'report' | 'health' | 'openapi' | 'metrics' | 'not-found';

/** The route of a request path (without its query). Pure. */
export function routeOf(path: string): Route {
  switch (path) {
    case REPORT_PATH:
      return 'report';
    case HEALTH_PATH:
      return 'health';
    case OPENAPI_PATH:
      return 'openapi';
    case METRICS_PATH:
      return 'metrics';
    default:
      return 'not-found';
  }
}

/** The error envelope for a path that answers only GET and HEAD. */
function getOnly(path: string, requestId: string): HttpResponse {
  return jsonResponse(
    405,
    { Response: { Error: { Code: 'UnsupportedProtocol', Message: `${path} answers GET and HEAD only` }, RequestId: requestId } },
    { Allow: 'GET, HEAD' },
  );
}

/** The answer of the liveness probe: 200 for GET and HEAD, 405 otherwise. */
export function healthResponse(method: string, requestId: string): HttpResponse {
  if (method === 'GET' || method === 'HEAD') return jsonResponse(200, { status: 'ok' });
  return getOnly(HEALTH_PATH, requestId);
}

/** openapi.yaml as JSON text, put in by scripts/build.mjs (esbuild `define`); undefined when run unbundled. */
declare const OPENAPI_DOCUMENT: string | undefined;

/** The OpenAPI description for GET and HEAD (404 when this code runs unbundled, without it), 405 otherwise. */
export function openApiResponse(method: string, requestId: string): HttpResponse {
  if (method !== 'GET' && method !== 'HEAD') return getOnly(OPENAPI_PATH, requestId);
  if (typeof OPENAPI_DOCUMENT === 'undefined') return notFoundResponse(OPENAPI_PATH, requestId);
  // The JSON headers of every answer, with the document's text as the body (it is JSON already).
  return { ...jsonResponse(200, null), body: OPENAPI_DOCUMENT };
}

/** 404 for a path the server does not serve, saying where reports go. */
export function notFoundResponse(path: string, requestId: string): HttpResponse {
  const shown = JSON.stringify(path.slice(0, 100));
  const message = `no such path ${shown}: reports are taken on ${REPORT_PATH} (see ${OPENAPI_PATH})`;
  const { status, code } = FAILURES.notFound;
  return jsonResponse(status, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
}

/**
 * `GET /metrics` (and HEAD): the Prometheus text exposition; 401 without the bearer token when METRICS_TOKEN is
 * set; the configuration failure (500, naming the variables) when the configuration is invalid, so a bad
 * METRICS_TOKEN never leaves the metrics open; 405 for other methods.
 */
export async function metricsResponse(
  method: string,
  requestId: string,
  authorization: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  metrics: ServerMetrics,
): Promise<HttpResponse> {
  if (method !== 'GET' && method !== 'HEAD') return getOnly(METRICS_PATH, requestId);
  const loaded = loadConfig(env);
  if (!loaded.ok) return outcomeResponse(configurationOutcome(loaded.errors), requestId);
  const token = loaded.config.metricsToken;
  if (token !== undefined && !isAuthorised({ authToken: token }, authorization)) {
    return outcomeResponse(failed(unauthorized()), requestId, { 'WWW-Authenticate': 'Bearer' });
  }
  const { contentType, body } = await metrics.render();
  return { isBase64Encoded: false, statusCode: 200, headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' }, body };
}
