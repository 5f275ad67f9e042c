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
 *   (lib/probe.ts): 200 when TRTC's answer proves signature, permission and action, else 503 with the verdict; it
 *   needs the bearer token when AUTH_TOKEN is set and calls TRTC at most once per DEEP_PROBE_INTERVAL_MS
 *   (lib/server/deep-health.ts).
 * - `GET /openapi.json` (and HEAD): the OpenAPI 3.1 description (openapi.yaml, converted to JSON at build time).
 * - `GET /metrics` (and HEAD): Prometheus metrics (lib/server/metrics.ts, docs/operations.md); with METRICS_TOKEN set,
 *   only for a scraper that sends it as a bearer token.
 * - Any other path: 404 `ResourceNotFound` in the error envelope, logged with method and path.
 *
 * Behaviour:
 * - Request bodies are read as a stream with a hard cap of MAX_BODY_BYTES. A larger body (declared or streamed) is
 *   answered 413 with `Connection: close`; the rest of it is discarded, never buffered (read and dropped, up to
 *   1 MiB or 5 s, so the client can read the answer; beyond that the connection is cut). A client that sent
 *   `Expect: 100-continue` with a too-large Content-Length gets the 413 before sending anything.
 * - Connections and pipelining are capped (lib/server/pipelining.ts, numbers in lib/server/limits.ts): a client
 *   that pipelines without reading its answers is no longer read from, so it holds a bounded amount of memory.
 * - Request id: the `X-Request-Id` header when it is a sane token (1 to 128 visible ASCII characters), else a random
 *   UUID; always echoed as `X-Request-Id` and logged as `http_request_id` on the one log line per request.
 * - The request handler never throws; malformed requests, client resets and timeouts are answered or dropped
 *   without affecting the process. Nor does a closed stdout (EPIPE): log lines are then dropped (lib/server/stdio.ts).
 *
 * Run directly (`node dist/server.js`): listens on PORT (default 9000; 0 picks a free port) and HOST (default
 * 0.0.0.0), writes one JSON line `{"level":"info","msg":"listening","port":...}` with the actual port, and on SIGTERM
 * or SIGINT stops accepting connections, lets in-flight requests finish (at most SHUTDOWN_GRACE_MS) and exits 0.
 */
import { parseListenAddress, type Env, type ListenAddress } from '../lib/config';
import { createServer, serverLogger } from '../lib/server/create';
import { exitOnSignals, listen, type StartedServer } from '../lib/server/lifecycle';
import { surviveClosedOutput } from '../lib/server/stdio';
import type { ServerOptions } from '../lib/server/serve';

export { closeGracefully, SHUTDOWN_GRACE_MS, type StartedServer } from '../lib/server/lifecycle';
export { createServer, serverLogger } from '../lib/server/create';
export {
  healthResponse,
  metricsResponse,
  notFoundResponse,
  openApiResponse,
  routeOf,
  HEALTH_PATH,
  METRICS_PATH,
  OPENAPI_PATH,
  REPORT_PATH,
  type Route,
} from '../lib/server/routes';
export { SERVER_SOURCE, type ServerOptions } from '../lib/server/serve';
export { REQUEST_TIMEOUT_BACKSTOP_MS, SERVER_TIMEOUTS, TIMEOUT_CHECK_INTERVAL_MS } from '../lib/server/limits';

/** Where {@link startServer} listens, plus the {@link ServerOptions}. */
export interface StartOptions extends ServerOptions, ListenAddress {}

/** Creates the server and listens; resolves once listening (after logging the "listening" line). */
export function startServer(options: StartOptions): Promise<StartedServer> {
  return listen(createServer(options), options, serverLogger(options));
}

/**
 * The process's entry (`node dist/server.js`): listens on PORT and HOST from `env`, stops gracefully on SIGTERM or
 * SIGINT. Resolves to the listening server, or undefined (exit code 1) when PORT or HOST is invalid.
 */
export async function main(env: Env = process.env): Promise<StartedServer | undefined> {
  // A stdout or stderr whose reader went away (EPIPE) must not end the server.
  surviveClosedOutput();
  const log = serverLogger({ env });
  const listening = parseListenAddress(env);
  if (!listening.ok) {
    log.error('cannot start', { error: listening.errors.join('; ') });
    process.exitCode = 1;
    return undefined;
  }
  const { port, host } = listening.address;
  const server = createServer({ env });
  // Signal handlers first: a SIGTERM right after the "listening" line must already be a graceful one.
  exitOnSignals(server, log);
  try {
    return await listen(server, { port, host }, log);
  } catch (error) {
    log.error('cannot listen', { error, host, port });
    return process.exit(1);
  }
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) void main();
