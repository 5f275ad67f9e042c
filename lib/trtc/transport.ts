/**
 * One JSON POST over node:http / node:https with a keep-alive agent: the whole HTTP stack the function needs to
 * call a cloud API. Bounded by the caller's AbortSignal. Errors say whether the request was fully written before
 * the connection failed (`sent`), so a caller can tell "never sent" from "maybe recorded". Proxy variables are
 * never read: the agent connects directly.
 */
import http from 'node:http';
import https from 'node:https';
import { AbortedError, HttpStatusError, MalformedResponseError, NetworkError } from './errors';

export interface PostTarget {
  readonly protocol: 'https://' | 'http://';
  /** hostname[:port]. */
  readonly host: string;
}

/** The most of an answer that is read; a cloud API envelope is a few hundred bytes. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

const agents = {
  'http://': new http.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo', timeout: 50_000 }),
  'https://': new https.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo', timeout: 50_000 }),
};

function splitHost(host: string): { hostname: string; port?: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  const hostname = (m?.[1] ?? host).replace(/^\[|\]$/g, '');
  return m?.[2] ? { hostname, port: Number(m[2]) } : { hostname };
}

function errnoOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : '';
  // Node reports a socket closed before any answer as ECONNRESET with the message "socket hang up".
  if (message === 'socket hang up' || typeof code !== 'string' || !/^[A-Z_]+$/.test(code)) return 'socket hang up';
  return code;
}

/** An HTTP 200 answer: its text, and its `Date` header (TRTC's clock, to correct a skewed host clock). */
export interface PostAnswer {
  readonly body: string;
  readonly date?: string;
}

/** POSTs `body` and resolves to the answer when TRTC answered HTTP 200. */
export function postJson(target: PostTarget, headers: Readonly<Record<string, string>>, body: string, signal: AbortSignal): Promise<PostAnswer> {
  return new Promise<PostAnswer>((resolve, reject) => {
    // True once the whole request was handed to the kernel: from then on TRTC may have it.
    let written = false;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const transport = target.protocol === 'https://' ? https : http;
    const req = transport.request({
      ...splitHost(target.host),
      method: 'POST',
      path: '/',
      agent: agents[target.protocol],
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
    });
    const onAbort = (): void => {
      settle(() => reject(new AbortedError(written)));
      req.destroy();
    };
    // Listening first: destroying the request (on abort) emits an error that must not go unhandled.
    req.on('error', (error) => settle(() => reject(new NetworkError(written, errnoOf(error)))));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        settle(() => reject(new HttpStatusError(res.statusCode ?? 0)));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          settle(() => reject(new MalformedResponseError(`TRTC's answer exceeds ${MAX_ANSWER_BYTES} bytes`)));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      const date = res.headers.date;
      res.on('end', () =>
        settle(() =>
          resolve({
            body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
            ...(date !== undefined ? { date } : {}),
          }),
        ),
      );
      res.on('error', (error) => settle(() => reject(new NetworkError(true, errnoOf(error)))));
      res.on('aborted', () => settle(() => reject(new NetworkError(true, 'ECONNRESET'))));
    });
    req.end(body, () => {
      written = true;
    });
  });
}
