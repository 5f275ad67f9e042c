/**
 * One request of the standalone server end to end: route, read the body within its limits, run the same pipeline
 * as an SCF HTTP event (its own invocation per request), answer and log.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { payloadTooLarge, requestTimeout, unexpected, FAILURES } from '../failures';
import { handleHttp } from '../http/handle';
import { MAX_BODY_BYTES, parseQueryString } from '../http/request';
import { parseTraceparent, TRACE_ID_HEADER } from '../http/traceparent';
import { outcomeResponse } from '../http/response';
import { openInvocation, type OpenedInvocation } from '../invocation';
import type { Logger } from '../log';
import { failed, type Outcome } from '../outcome';
import type { TroubleInfoClient } from '../trtc/client';
import { deepHealthResponse } from './deep-health';
import { DRAIN_LIMITS, pickRequestId, readBody, splitTarget, toHttpRequest } from './read-request';
import type { ServerMetrics } from './metrics';
import { healthResponse, metricsResponse, notFoundResponse, openApiResponse, routeOf } from './routes';
import { SERVER_TIMEOUTS } from './limits';
import { send } from './write-response';
import type { Env } from '../config';

/** What {@link createServer} may be given instead of the process-wide defaults. */
export interface ServerOptions {
  /** A TRTC client to use instead of the shared SDK client (tests, embedding). */
  readonly client?: TroubleInfoClient;
  /** The environment to read configuration and credentials from; `process.env` by default. */
  readonly env?: Env;
  /** Where log lines go; stdout by default. */
  readonly write?: (line: string) => void;
  /** Slow-client limits other than {@link SERVER_TIMEOUTS} (tests). */
  readonly timeouts?: { readonly headersTimeoutMs?: number; readonly requestTimeoutMs?: number };
}

/** The `source` of this server's invocation log lines. */
export const SERVER_SOURCE = 'http-server';

/**
 * The invocation of one request (the shared opening, lib/invocation.ts), with the server's client, environment and
 * log sink. The request id is the invocation id: an error envelope's RequestId matches the X-Request-Id header.
 */
function openRequest(
  options: ServerOptions,
  metrics: ServerMetrics,
  requestId: string,
  startedAt: number,
  fields: Record<string, unknown> = {},
  traceId?: string,
): OpenedInvocation {
  return openInvocation(
    { request_id: requestId },
    SERVER_SOURCE,
    {
      startedAt,
      tap: metrics.tap,
      ...(traceId === undefined ? {} : { traceId }),
      ...(options.env ? { env: options.env } : {}),
      ...(options.client ? { client: options.client } : {}),
      ...(options.write ? { write: options.write } : {}),
    },
    fields,
  );
}

export interface Served {
  readonly withheld: boolean;
}

/** Handles one request end to end: read, run the pipeline, answer, log. */
export async function serve(
  server: http.Server,
  options: ServerOptions,
  log: Logger,
  metrics: ServerMetrics,
  req: IncomingMessage,
  res: ServerResponse,
  served: Served,
): Promise<void> {
  const startedAt = Date.now();
  const requestId = pickRequestId(req.headers['x-request-id']);
  const method = (req.method ?? 'GET').toUpperCase();
  const { path } = splitTarget(req.url);
  // Answers sent while the server is closing ask the client to close, so shutdown is not held by keep-alive.
  const closing = (): boolean => !server.listening;

  switch (routeOf(path)) {
    case 'health': {
      // `?deep=1` runs the Timer's health probe (one CreateTroubleInfo without parameters); plain /healthz never calls TRTC.
      const query = parseQueryString(splitTarget(req.url).rawQuery);
      const deep = method === 'GET' && query.ok && query.value['deep'] === '1';
      const answer = deep
        ? await deepHealthResponse(server, req.headers.authorization, () => openRequest(options, metrics, requestId, startedAt), requestId)
        : healthResponse(method, requestId);
      send(res, answer, requestId, closing());
      return;
    }
    case 'openapi': {
      const response = openApiResponse(method, requestId);
      send(res, response, requestId, closing());
      log.info('request', { method, path, status: response.statusCode, http_request_id: requestId });
      return;
    }
    case 'metrics':
      send(res, await metricsResponse(method, requestId, req.headers.authorization, options.env ?? process.env, metrics), requestId, closing());
      return;
    case 'not-found':
      // The body (if any) is not read: the connection closes after the answer.
      send(res, notFoundResponse(path, requestId), requestId, true);
      log.info('request', { method, path: path.slice(0, 200), status: FAILURES.notFound.status, http_request_id: requestId });
      return;
    case 'report':
      break;
  }

  const traceparent = req.headers.traceparent;
  const traceId = parseTraceparent(typeof traceparent === 'string' ? traceparent : undefined)?.traceId;
  const opened = openRequest(options, metrics, requestId, startedAt, { method, path, http_request_id: requestId }, traceId);
  const { inv, finish } = opened;
  const trace = { [TRACE_ID_HEADER]: traceId ?? inv.id };

  if (!opened.ok) {
    const outcome = opened.misconfigured;
    send(res, outcomeResponse(outcome, inv.id, trace), requestId, closing());
    finish(outcome);
    return;
  }

  const read = await readBody(req, {
    maxBytes: MAX_BODY_BYTES,
    timeoutMs: (options.timeouts?.requestTimeoutMs ?? SERVER_TIMEOUTS.requestTimeoutMs) - (Date.now() - startedAt),
    drainBytes: DRAIN_LIMITS.bytes,
    drainTimeoutMs: DRAIN_LIMITS.timeoutMs,
    withheld: served.withheld,
  });
  if (read.kind === 'aborted') {
    inv.log.warn('the client went away before sending the whole request', { http_request_id: requestId });
    res.destroy();
    return;
  }
  if (read.kind === 'timeout') {
    const outcome = failed(requestTimeout(options.timeouts?.requestTimeoutMs ?? SERVER_TIMEOUTS.requestTimeoutMs));
    res.once('finish', () => req.socket.destroy());
    send(res, outcomeResponse(outcome, inv.id, trace), requestId, true);
    finish(outcome);
    return;
  }
  if (read.kind === 'too-large') {
    const outcome = failed(payloadTooLarge(MAX_BODY_BYTES));
    // Not drained: the client is still sending; the answer goes out, then the connection is cut.
    if (!read.drained) res.once('finish', () => req.socket.destroy());
    send(res, outcomeResponse(outcome, inv.id, trace), requestId, true);
    finish(outcome);
    return;
  }

  const request = toHttpRequest(req.method, req.url, req.headers, read.body, requestId);
  const { response, outcome } = await handleHttp(request, inv);
  send(res, response, requestId, closing());
  finish(outcome);
}

/** Answers an unexpected failure of {@link serve} with a 500 envelope, logging it. Never throws. */
export function internalError(res: ServerResponse, error: unknown, log: Logger): void {
  log.error('unexpected error while serving a request', { error });
  const requestId = randomUUID();
  const outcome: Outcome = {
    ok: false,
    failure: unexpected('an unexpected error occurred'),
    attempts: 0,
  };
  send(res, outcomeResponse(outcome, requestId), requestId, true);
}
