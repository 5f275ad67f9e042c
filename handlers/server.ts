/**
 * The function as a plain HTTP server (built to dist/server.js), for SCF web functions (`scf_bootstrap` starts it on
 * PORT 9000, the web-function contract) and for any container. Every real HTTP request becomes an {@link HttpRequest}
 * and goes through the same pipeline as an SCF HTTP event (`handleHttp`), so the answers are the same JSON envelopes.
 *
 * Routes ({@link routeOf}):
 * - `/`: `POST` with a JSON or form body, or `GET` with a query string, records a report and answers
 *   200 `{"Response":{"RequestId":"<TRTC's>"}}`; errors use the cloud API's error envelope and status (400, 405,
 *   413, 415, 5xx). `OPTIONS` answers 204. openapi.yaml describes it.
 * - `GET /healthz` (and HEAD): 200 `{"status":"ok"}`. A liveness probe: it never touches TRTC, reads no credentials
 *   and writes no log line. Other methods on that path get 405. `GET /healthz?deep=1` runs the Timer's health probe
 *   (lib/probe.ts): 200 when TRTC's answer proves signature, permission and action, else 503 with the verdict.
 * - `GET /openapi.json` (and HEAD): the OpenAPI 3.1 description (openapi.yaml, converted to JSON at build time).
 * - Any other path: 404 `ResourceNotFound` in the error envelope, logged with method and path.
 *
 * Behaviour:
 * - Request bodies are read as a stream with a hard cap of MAX_BODY_BYTES. A larger body (declared or streamed) is
 *   answered 413 with `Connection: close`; the rest of it is discarded, never buffered (read and dropped, up to
 *   1 MiB or 5 s, so the client can read the answer; beyond that the connection is cut). A client that sent
 *   `Expect: 100-continue` with a too-large Content-Length gets the 413 before sending anything.
 * - Request id: the `X-Request-Id` header when it is a sane token (1 to 128 visible ASCII characters), else a random
 *   UUID; always echoed as `X-Request-Id` and logged as `http_request_id` on the one log line per request.
 * - The request handler never throws; malformed requests, client resets and timeouts are answered or dropped
 *   without affecting the process.
 *
 * Run directly (`node dist/server.js`): listens on PORT (default 9000; 0 picks a free port) and HOST (default
 * 0.0.0.0), writes one JSON line `{"level":"info","msg":"listening","port":...}` with the actual port, and on SIGTERM
 * or SIGINT stops accepting connections, lets in-flight requests finish (at most SHUTDOWN_GRACE_MS) and exits 0.
 */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { loadConfig, parseListenAddress } from '../lib/config';
import { FAILURES, payloadTooLarge, requestTimeout, unexpected } from '../lib/failures';
import { handleHttp } from '../lib/http/handle';
import { MAX_BODY_BYTES, parseQueryString } from '../lib/http/request';
import { jsonResponse, outcomeResponse, type HttpResponse } from '../lib/http/response';
import { openInvocation, type OpenedInvocation } from '../lib/invocation';
import { createLogger, type Logger } from '../lib/log';
import { failed, type Outcome } from '../lib/outcome';
import { clientErrorStatus, rawErrorResponse } from '../lib/server/client-error';
import { exitOnSignals, listen, type ListenAddress, type StartedServer } from '../lib/server/lifecycle';
import { declaredLength, DRAIN_LIMITS, pickRequestId, readBody, splitTarget, toHttpRequest } from '../lib/server/read-request';
import { send } from '../lib/server/write-response';
import { probeUpstream } from '../lib/probe';
import type { TroubleInfoClient } from '../lib/trtc/client';
import { secretValues } from '../lib/trtc/credentials';

export { closeGracefully, SHUTDOWN_GRACE_MS, type StartedServer } from '../lib/server/lifecycle';

type Env = Readonly<Record<string, string | undefined>>;

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

/** Where {@link startServer} listens, plus the {@link ServerOptions}. */
export interface StartOptions extends ServerOptions, ListenAddress {}

/** The `source` of this server's invocation log lines. */
export const SERVER_SOURCE = 'http-server';
/** The one path that takes reports. */
export const REPORT_PATH = '/';
/** The liveness probe's path. */
export const HEALTH_PATH = '/healthz';
/** Where the OpenAPI description is served. */
export const OPENAPI_PATH = '/openapi.json';

/**
 * Server timeouts. Headers must arrive within 15 s and the whole request (with its ≤ 64 KiB body) within 30 s,
 * which bounds slow clients. Idle keep-alive connections are kept 65 s, longer than the 60 s idle timeout common to
 * load balancers and gateways, so the proxy in front always closes first and never reuses a closing connection.
 */
export const SERVER_TIMEOUTS = { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000 } as const;
/**
 * How often Node checks the header and request timeouts (its default, 30 s, let headers take 30 s and a body 60 s).
 * A body still arriving at requestTimeoutMs is answered 408 by readBody; Node's own request timeout is a backstop
 * {@link REQUEST_TIMEOUT_BACKSTOP_MS} later.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 250;
export const REQUEST_TIMEOUT_BACKSTOP_MS = 2_000;

/** What a request path is for. */
export type Route = 'report' | 'health' | 'openapi' | 'not-found';

/** The route of a request path (without its query). Pure. */
export function routeOf(path: string): Route {
  switch (path) {
    case REPORT_PATH:
      return 'report';
    case HEALTH_PATH:
      return 'health';
    case OPENAPI_PATH:
      return 'openapi';
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
 * The invocation of one request (the shared opening, lib/invocation.ts), with the server's client, environment and
 * log sink. The request id is the invocation id: an error envelope's RequestId matches the X-Request-Id header.
 */
function openRequest(options: ServerOptions, requestId: string, startedAt: number, fields: Record<string, unknown> = {}): OpenedInvocation {
  return openInvocation(
    { request_id: requestId },
    SERVER_SOURCE,
    {
      startedAt,
      ...(options.env ? { env: options.env } : {}),
      ...(options.client ? { client: options.client } : {}),
      ...(options.write ? { write: options.write } : {}),
    },
    fields,
  );
}

/** `GET /healthz?deep=1`: the health probe's report, 200 when healthy, 503 otherwise. */
async function deepHealthResponse(options: ServerOptions, requestId: string, startedAt: number): Promise<HttpResponse> {
  const opened = openRequest(options, requestId, startedAt);
  if (!opened.ok) {
    return jsonResponse(503, { status: 'unhealthy', probe: { healthy: false, verdict: 'configuration', detail: opened.inv.mask(opened.errors.join('; ')) } });
  }
  const probe = await probeUpstream(opened.inv);
  opened.inv.log[probe.healthy ? 'info' : 'error']('health probe', {
    verdict: probe.verdict,
    code: probe.upstreamCode,
    ...(probe.healthy ? {} : { message: probe.detail }),
  });
  return jsonResponse(probe.healthy ? 200 : 503, { status: probe.healthy ? 'ok' : 'unhealthy', probe });
}

interface Served {
  readonly withheld: boolean;
}

/** Handles one request end to end: read, run the pipeline, answer, log. */
async function serve(server: http.Server, options: ServerOptions, log: Logger, req: IncomingMessage, res: ServerResponse, served: Served): Promise<void> {
  const startedAt = Date.now();
  const requestId = pickRequestId(req.headers['x-request-id']);
  const method = (req.method ?? 'GET').toUpperCase();
  const { path } = splitTarget(req.url);
  // Answers sent while the server is closing ask the client to close, so shutdown is not held by keep-alive.
  const closing = (): boolean => !server.listening;

  switch (routeOf(path)) {
    case 'health': {
      // `?deep=1` runs the Timer's health probe (one CreateTroubleInfo without parameters); plain /healthz never calls TRTC.
      const deep = method === 'GET' && parseQueryString(splitTarget(req.url).rawQuery)['deep'] === '1';
      send(res, deep ? await deepHealthResponse(options, requestId, startedAt) : healthResponse(method, requestId), requestId, closing());
      return;
    }
    case 'openapi': {
      const response = openApiResponse(method, requestId);
      send(res, response, requestId, closing());
      log.info('request', { method, path, status: response.statusCode, http_request_id: requestId });
      return;
    }
    case 'not-found':
      // The body (if any) is not read: the connection closes after the answer.
      send(res, notFoundResponse(path, requestId), requestId, true);
      log.info('request', { method, path: path.slice(0, 200), status: FAILURES.notFound.status, http_request_id: requestId });
      return;
    case 'report':
      break;
  }

  const opened = openRequest(options, requestId, startedAt, { method, path, http_request_id: requestId });
  const { inv, finish } = opened;

  if (!opened.ok) {
    const outcome = opened.misconfigured;
    send(res, outcomeResponse(outcome, inv.id), requestId, closing());
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
    send(res, outcomeResponse(outcome, inv.id), requestId, true);
    finish(outcome);
    return;
  }
  if (read.kind === 'too-large') {
    const outcome = failed(payloadTooLarge(MAX_BODY_BYTES));
    // Not drained: the client is still sending; the answer goes out, then the connection is cut.
    if (!read.drained) res.once('finish', () => req.socket.destroy());
    send(res, outcomeResponse(outcome, inv.id), requestId, true);
    finish(outcome);
    return;
  }

  const request = toHttpRequest(req.method, req.url, req.headers, read.body, requestId);
  const { response, outcome } = await handleHttp({ ok: true, value: request }, inv);
  send(res, response, requestId, closing());
  finish(outcome);
}

/** Answers an unexpected failure of {@link serve} with a 500 envelope, logging it. Never throws. */
function internalError(res: ServerResponse, error: unknown, log: Logger): void {
  log.error('unexpected error while serving a request', { error });
  const requestId = randomUUID();
  const outcome: Outcome = {
    ok: false,
    failure: unexpected('an unexpected error occurred'),
    attempts: 0,
  };
  send(res, outcomeResponse(outcome, requestId), requestId, true);
}

/** The process-level logger (startup, shutdown, connection errors), with the same redaction as invocation logs. */
function serverLogger(options: ServerOptions): Logger {
  const env = options.env ?? process.env;
  const loaded = loadConfig(env);
  return createLogger({
    level: loaded.ok ? loaded.config.logLevel : 'info',
    secrets: () => secretValues(env),
    ...(options.write ? { write: options.write } : {}),
  });
}

/**
 * The HTTP server (not yet listening). Each request runs the report pipeline with its own invocation (deadline from
 * TIME_LIMIT_MS), so configuration and credentials are read per request, as in the event function.
 */
export function createServer(options: ServerOptions = {}): http.Server {
  const log = serverLogger(options);
  const server = http.createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS });
  server.headersTimeout = options.timeouts?.headersTimeoutMs ?? SERVER_TIMEOUTS.headersTimeoutMs;
  server.requestTimeout = (options.timeouts?.requestTimeoutMs ?? SERVER_TIMEOUTS.requestTimeoutMs) + REQUEST_TIMEOUT_BACKSTOP_MS;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeoutMs;

  const handle = (req: IncomingMessage, res: ServerResponse, served: Served): void => {
    req.on('error', () => {}); // a reset while reading is handled by readBody; never an uncaught 'error'
    res.on('error', () => {});
    res.once('finish', () => {
      if (!server.listening) server.closeIdleConnections();
    });
    serve(server, options, log, req, res, served).catch((error: unknown) => internalError(res, error, log));
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, { withheld: false }));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = declaredLength(req.headers['content-length']);
    const withheld = declared !== undefined && declared > MAX_BODY_BYTES;
    if (!withheld) res.writeContinue();
    handle(req, res, { withheld });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const status = clientErrorStatus(error.code);
    // As Node's default handler does: answer only when no response is under way on this connection.
    const current: unknown = Reflect.get(socket, '_httpMessage');
    const responding = current !== null && current !== undefined;
    if (status === undefined || !socket.writable || responding) {
      socket.destroy();
      return;
    }
    log.warn('malformed or timed-out request', { code: error.code, status });
    try {
      socket.end(rawErrorResponse(status, randomUUID()));
    } catch {
      socket.destroy();
    }
  });
  return server;
}

/** Creates the server and listens; resolves once listening (after logging the "listening" line). */
export function startServer(options: StartOptions): Promise<StartedServer> {
  return listen(createServer(options), options, serverLogger(options));
}

function main(): void {
  const log = serverLogger({});
  const listening = parseListenAddress(process.env);
  if (!listening.ok) {
    log.error('cannot start', { error: listening.errors.join('; ') });
    process.exitCode = 1;
    return;
  }
  const { port, host } = listening.address;
  const server = createServer();
  // Signal handlers first: a SIGTERM right after the "listening" line must already be a graceful one.
  exitOnSignals(server, log);
  listen(server, { port, host }, log).catch((error: unknown) => {
    log.error('cannot listen', { error, host, port });
    process.exit(1);
  });
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) main();
