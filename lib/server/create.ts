/** The standalone server's http.Server: its limits, its process-level logger and its request and error handlers. */
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { loadConfig } from '../config';
import { MAX_BODY_BYTES } from '../http/request';
import { createLogger, type Logger } from '../log';
import { secretValues } from '../trtc/credentials';
import { clientErrorStatus, rawErrorResponse } from './client-error';
import { limitPipelining } from './pipelining';
import { declaredLength } from './read-request';
import { createServerMetrics } from './metrics';
import { internalError, serve, type Served, type ServerOptions } from './serve';
import { REQUEST_TIMEOUT_BACKSTOP_MS, SERVER_TIMEOUTS, TIMEOUT_CHECK_INTERVAL_MS } from './limits';

/** The process-level logger (startup, shutdown, connection errors), with the same redaction as invocation logs. */
export function serverLogger(options: ServerOptions): Logger {
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
  const metrics = createServerMetrics();
  const server = http.createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS });
  server.headersTimeout = options.timeouts?.headersTimeoutMs ?? SERVER_TIMEOUTS.headersTimeoutMs;
  server.requestTimeout = (options.timeouts?.requestTimeoutMs ?? SERVER_TIMEOUTS.requestTimeoutMs) + REQUEST_TIMEOUT_BACKSTOP_MS;
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeoutMs;
  const pipelined = limitPipelining(server, log);

  const handle = (req: IncomingMessage, res: ServerResponse, served: Served): void => {
    req.on('error', () => {}); // a reset while reading is handled by readBody; never an uncaught 'error'
    res.on('error', () => {});
    metrics.inFlight.inc();
    res.once('close', () => metrics.inFlight.dec());
    res.once('finish', () => {
      if (!server.listening) server.closeIdleConnections();
    });
    pipelined(req, res, () => void serve(server, options, log, metrics, req, res, served).catch((error: unknown) => internalError(res, error, log)));
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
