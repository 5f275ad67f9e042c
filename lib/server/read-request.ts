/**
 * Reading a Node HTTP request for the standalone server: the request id, the request target split into path and
 * query, the declared Content-Length, the body read as a stream with a hard cap (drained past it), and the
 * pipeline's view of the request. Node's HTTP objects in, plain values out.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { normaliseHeaders, parseQueryString, type HttpRequest } from '../http/request';
import type { Parsed } from '../parse/parsed';

/** How much of a too-large body is read and dropped, and for how long, so the client can read the 413. */
export const DRAIN_LIMITS = { bytes: 1024 * 1024, timeoutMs: 5_000 } as const;

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The `X-Request-Id` header when it is a sane token (1–128 visible ASCII characters), else a fresh UUID. */
export function pickRequestId(header: string | readonly string[] | undefined, generate: () => string = randomUUID): string {
  const value = typeof header === 'string' ? header.trim() : undefined;
  return value !== undefined && REQUEST_ID.test(value) ? value : generate();
}

/** Splits a request target (`/path?query`, or absolute-form `http://host/path?query`) into path and raw query. */
export function splitTarget(target: string | undefined): { path: string; rawQuery: string } {
  let rest = target ?? '/';
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf('?');
  const path = question >= 0 ? rest.slice(0, question) : rest;
  return { path: path === '' ? '/' : path, rawQuery: question >= 0 ? rest.slice(question + 1) : '' };
}

/** The Content-Length a request declares, when it declares a valid one. */
export function declaredLength(header: string | undefined): number | undefined {
  return header !== undefined && /^[0-9]{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

/** The pipeline's view of a real HTTP request; a query whose escapes are not UTF-8 is a 400 naming the field. */
export function toHttpRequest(
  method: string | undefined,
  target: string | undefined,
  headers: IncomingMessage['headers'],
  body: Buffer | undefined,
  requestId: string,
): Parsed<HttpRequest> {
  const { path, rawQuery } = splitTarget(target);
  const query = parseQueryString(rawQuery);
  if (!query.ok) return query;
  return {
    ok: true,
    value: {
      method: (method ?? 'GET').toUpperCase(),
      path,
      headers: normaliseHeaders(headers),
      query: query.value,
      body,
      requestId,
    },
  };
}

/** A body read to the end, a body over the cap (drained: the rest was read and dropped), a vanished or too slow client. */
export type BodyRead =
  | { readonly kind: 'body'; readonly body: Buffer | undefined }
  | { readonly kind: 'too-large'; readonly drained: boolean }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'timeout' };

/** Limits for {@link readBody}. */
export interface BodyLimits {
  readonly maxBytes: number;
  /** The whole body must have arrived this many ms from now, else the read ends with `timeout`. */
  readonly timeoutMs?: number;
  readonly drainBytes: number;
  readonly drainTimeoutMs: number;
  /** True when the client is waiting for `100 Continue` that will not come: nothing will be sent to drain. */
  readonly withheld?: boolean;
}

/**
 * Reads a request body with a hard cap. Past the cap nothing more is kept: the rest is read and dropped until the
 * request ends (drained), or until `drainBytes` more arrived or `drainTimeoutMs` passed (not drained: the caller
 * closes the connection). Never rejects.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<BodyRead> {
  return new Promise((resolve) => {
    const declared = declaredLength(req.headers['content-length']);
    let over = declared !== undefined && declared > limits.maxBytes;
    if (over && (limits.withheld === true || (declared ?? 0) > limits.maxBytes + limits.drainBytes)) {
      resolve({ kind: 'too-large', drained: limits.withheld === true });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const startDrainTimer = (): void => {
      timer = setTimeout(() => settle({ kind: 'too-large', drained: false }), limits.drainTimeoutMs);
    };
    const settle = (result: BodyRead): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      clearTimeout(slow);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (!over && size > limits.maxBytes) {
        over = true;
        chunks.length = 0;
        startDrainTimer();
      }
      if (!over) chunks.push(chunk);
      else if (size > limits.maxBytes + limits.drainBytes) settle({ kind: 'too-large', drained: false });
    };
    const onEnd = (): void => {
      settle(over ? { kind: 'too-large', drained: true } : { kind: 'body', body: size === 0 ? undefined : Buffer.concat(chunks, size) });
    };
    const onClose = (): void => {
      if (req.complete) onEnd();
      else settle(over ? { kind: 'too-large', drained: false } : { kind: 'aborted' });
    };
    const onError = (): void => settle(over ? { kind: 'too-large', drained: false } : { kind: 'aborted' });
    const slow = limits.timeoutMs === undefined ? undefined : setTimeout(() => settle({ kind: 'timeout' }), Math.max(0, limits.timeoutMs));
    req.once('close', () => clearTimeout(slow));
    if (over) startDrainTimer();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
  });
}
