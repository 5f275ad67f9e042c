/**
 * Pipelining and connection limits of the standalone server (numbers in ./limits.ts). Node parses every request a
 * client pipelines as soon as it arrives and, with an asynchronous handler, would serve them all at once: a client
 * that sends without ever reading its answers grew the server by tens of megabytes per connection. Here at most
 * PIPELINE_DEPTH requests of a connection are served at once; the rest wait in order, and while any wait the server
 * stops reading from that connection (the client's own buffers fill and it cannot send more). A connection stopped
 * for PIPELINE_STALL_MS is closed. Requests per connection and connections are capped by Node (maxRequestsPerSocket,
 * maxConnections).
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log';
import { MAX_CONNECTIONS, MAX_REQUESTS_PER_SOCKET, PIPELINE_DEPTH, PIPELINE_STALL_MS } from './limits';

interface Pipeline {
  active: number;
  readonly waiting: (() => void)[];
  stopped: boolean;
  /** Past its last request: never read from again. */
  ended: boolean;
  /** Requests seen on the connection. */
  served: number;
  stall?: NodeJS.Timeout;
}

/** How often a stopped connection is checked for a stall or a shutdown. */
const STALL_CHECK_MS = 1_000;

/** How often a refused connection is logged at most (one line with the count since the last). */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Applies the connection limits to `server` and returns the gate every request goes through: `serve` runs now, or
 * once the requests before it on the same connection leave room.
 */
export function limitPipelining(server: http.Server, log: Logger): (req: IncomingMessage, res: ServerResponse, serve: () => void) => void {
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
  let refused = 0;
  let lastLogged = 0;
  server.on('drop', () => {
    refused += 1;
    if (Date.now() - lastLogged < DROP_LOG_INTERVAL_MS) return;
    lastLogged = Date.now();
    log.warn('connections refused: the server is at its connection limit', { refused, max_connections: MAX_CONNECTIONS });
    refused = 0;
  });

  const pipelines = new WeakMap<Socket, Pipeline>();
  // A request past MAX_REQUESTS_PER_SOCKET (Node answers it 503): the client ignored `Connection: close` on the last
  // answer and kept sending. Nothing more is read from it, and the connection is closed once the 503 is written
  // (Node itself leaves it open: a client that waits there would stall until PIPELINE_STALL_MS).
  server.on('dropRequest', (_req: IncomingMessage, socket: Socket) => {
    const p = pipelineOf(socket);
    p.ended = true;
    stop(socket, p);
    setImmediate(() => socket.end());
  });
  const stop = (socket: Socket, p: Pipeline): void => {
    if (p.stopped) return;
    p.stopped = true;
    socket.pause();
    // A stopped socket does not see its client leave (nothing is read); it is closed when it stalls, or at once when
    // the server shuts down (its client is not reading the answers a graceful shutdown would wait for).
    const since = Date.now();
    p.stall = setInterval(() => {
      if (!server.listening || Date.now() - since >= PIPELINE_STALL_MS) socket.destroy();
    }, STALL_CHECK_MS);
    p.stall.unref();
  };
  const next = (socket: Socket, p: Pipeline): void => {
    while (p.active < PIPELINE_DEPTH && p.waiting.length > 0) {
      p.active += 1;
      p.waiting.shift()!();
    }
    if (p.waiting.length === 0 && p.stopped && !p.ended) {
      p.stopped = false;
      clearInterval(p.stall);
      socket.resume();
    }
  };
  const pipelineOf = (socket: Socket): Pipeline => {
    const known = pipelines.get(socket);
    if (known) return known;
    const p: Pipeline = { active: 0, waiting: [], stopped: false, ended: false, served: 0 };
    pipelines.set(socket, p);
    // Reading a request body resumes the socket (Node's IncomingMessage); while requests wait, it stays stopped.
    socket.on('resume', () => {
      if (p.stopped) socket.pause();
    });
    socket.once('close', () => {
      p.waiting.length = 0;
      clearInterval(p.stall);
    });
    return p;
  };

  return (req, res, serve) => {
    const socket = req.socket;
    const p = pipelineOf(socket);
    p.served += 1;
    // The last request the connection may carry: its answer says `Connection: close` (Node), and the connection is
    // ended once it is written, so a client that ignores the header reconnects at once instead of waiting.
    if (p.served >= MAX_REQUESTS_PER_SOCKET) res.once('finish', () => socket.end());
    res.once('close', () => {
      p.active -= 1;
      next(socket, p);
    });
    if (p.active < PIPELINE_DEPTH) {
      p.active += 1;
      serve();
      return;
    }
    p.waiting.push(serve);
    stop(socket, p);
  };
}
