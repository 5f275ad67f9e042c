/**
 * The limits of one SCF API call and the agents that enforce them on the client's own sockets: an answer is cut off
 * past a size, and every socket is destroyed when a call runs out of time, so a bad answer can neither grow the
 * process nor keep it alive.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/** An SCF API answer is cut off past this size (a GetFunction answer is a few KB). */
export const MAX_ANSWER_BYTES = 10 * 1024 * 1024;
/** The longest one SCF API call may take, its answer included. */
export const CALL_TIMEOUT_MS = 60_000;
/** Invoke waits for the function itself; the API gives up at 300 s. */
export const INVOKE_TIMEOUT_MS = 300_000;

export interface CallLimits {
  readonly callTimeoutMs?: number;
  readonly maxAnswerBytes?: number;
}

/**
 * The sockets of one client: each answer bounded in size; `cut` destroys them all (the SDK's fetch never gives up
 * on a body that stops, and buffers any size), so nothing is left to keep the process alive.
 */
export class SocketGuard {
  private readonly sockets = new Set<Duplex>();
  onCut: ((reason: string) => void) | undefined;

  constructor(private readonly maxBytes: number) {}

  track(socket: Duplex | null | undefined): Duplex | null | undefined {
    if (!socket) return socket;
    this.sockets.add(socket);
    let bytes = 0;
    // Counted where the socket hands its bytes on, not with a 'data' listener: the SDK's fetch takes any 'data'
    // listener left on the socket after a chunked answer for a premature close.
    const push = socket.push.bind(socket);
    socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (chunk instanceof Uint8Array || typeof chunk === 'string') bytes += chunk.length;
      if (bytes <= this.maxBytes) return push(chunk, encoding);
      this.cut(`the answer exceeded ${this.maxBytes / 1024 / 1024} MB`);
      return false;
    };
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  }

  cut(reason: string): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.onCut?.(reason);
  }
}

export class GuardedHttpAgent extends http.Agent {
  constructor(private readonly guard: SocketGuard) {
    super({ keepAlive: false });
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return this.guard.track(super.createConnection(options, callback));
  }
}

export class GuardedHttpsAgent extends https.Agent {
  constructor(private readonly guard: SocketGuard) {
    super({ keepAlive: false });
  }
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return this.guard.track(super.createConnection(options, callback));
  }
}
