/**
 * One HTTP request, whatever carried it (SCF Function URL, SCF API Gateway, AWS gateways, the standalone server),
 * and the pure steps that turn it into raw CreateTroubleInfo parameters.
 */
import { badRequest, methodNotAllowed, payloadTooLarge, unsupportedMediaType } from '../failures';
import { decodeUrlEncoded } from '../parse/form';
import { isPlainRecord, parseJsonObject, textOf } from '../parse/json';
import type { Parsed, RawParams } from '../parse/parsed';
import { RepeatedValue } from '../report';

/** Query values as gateways deliver them: a string, several strings for a repeated key. */
export type QueryValue = string | readonly string[];

export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  readonly path: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, QueryValue>>;
  /** The body as the caller sent it, or undefined when there is none. */
  readonly body: Buffer | undefined;
  /** The gateway's or server's id for this request, for logs. */
  readonly requestId?: string;
}

/** The largest request body read (bytes, after Base64 decoding). A report is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Lower-cases header names and turns any value shape into one string. Later duplicates are joined. */
export function normaliseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isPlainRecord(headers)) return out;
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.map(textOf).join(', ') : textOf(value);
    const key = name.toLowerCase();
    out[key] = key in out ? `${out[key]}, ${text}` : text;
  }
  return out;
}

/**
 * Query parameters from any gateway shape: strings, arrays of strings (a repeated key), or `true` (a key without
 * a value, as SCF API Gateway sends it), which becomes "".
 */
export function normaliseQuery(query: unknown): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = Object.create(null) as Record<string, QueryValue>;
  if (!isPlainRecord(query)) return out;
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = value.map((v) => (v === true ? '' : textOf(v)));
    else out[name] = value === true ? '' : textOf(value);
  }
  return out;
}

/**
 * Merges a raw query string (`a=1&a=2&b`) into a query record; repeated keys become arrays. Percent escapes whose
 * bytes are not UTF-8 are a 400 naming the field (lib/parse/form.ts), never U+FFFD.
 */
export function parseQueryString(raw: string): Parsed<Record<string, QueryValue>> {
  const pairs = decodeUrlEncoded(raw);
  if (!pairs.ok) return pairs;
  const out: Record<string, QueryValue> = Object.create(null) as Record<string, QueryValue>;
  for (const [key, value] of pairs.value) {
    const prev = out[key];
    out[key] = prev === undefined ? value : [...(typeof prev === 'string' ? [prev] : prev), value];
  }
  return { ok: true, value: out };
}

/** The media type of a Content-Type value, lower-cased, without parameters (`; charset=...`). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** `isBase64Encoded` may be true or "true" (any case); anything else means the body is plain text. */
export function isBase64Flag(flag: unknown): boolean {
  return flag === true || (typeof flag === 'string' && flag.toLowerCase() === 'true');
}

/** The body bytes of a gateway event, decoding Base64 when flagged. */
export function decodeEventBody(body: unknown, base64: boolean): Parsed<Buffer | undefined> {
  if (body === undefined || body === null || body === '') return { ok: true, value: undefined };
  if (typeof body !== 'string') {
    // Some test tools hand over an already-parsed JSON body; treat it as the JSON it was.
    if (typeof body === 'object') return { ok: true, value: Buffer.from(JSON.stringify(body), 'utf8') };
    return { ok: false, failure: badRequest('the request body must be a string') };
  }
  if (!base64) return { ok: true, value: Buffer.from(body, 'utf8') };
  const compact = body.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    return { ok: false, failure: badRequest('the request body is marked Base64-encoded but is not valid Base64') };
  }
  return { ok: true, value: Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64') };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Raw parameters of an HTTP request: the query string, plus for POST a JSON or form body. A key given in both
 * places, or repeated, is kept as a RepeatedValue so validation can name it.
 */
export function httpParams(req: HttpRequest): Parsed<RawParams> {
  if (req.method !== 'GET' && req.method !== 'POST') return { ok: false, failure: methodNotAllowed(req.method) };
  const params: RawParams = Object.create(null) as RawParams;
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value !== 'string' && value.length === 0) continue;
    params[key] = typeof value === 'string' ? value : value.length === 1 ? value[0] : new RepeatedValue(value);
  }
  if (req.method === 'POST' && req.body !== undefined && req.body.length > 0) {
    const body = bodyParams(req);
    if (!body.ok) return body;
    for (const [key, value] of Object.entries(body.value)) {
      const prev = params[key];
      params[key] = prev === undefined ? value : new RepeatedValue([...asStrings(prev), ...asStrings(value)]);
    }
  }
  return { ok: true, value: params };
}

function asStrings(value: unknown): string[] {
  if (value instanceof RepeatedValue) return [...value.values];
  return [textOf(value)];
}

/** Parameters from a POST body: JSON or form-urlencoded. */
export function bodyParams(req: HttpRequest): Parsed<RawParams> {
  const body = req.body ?? Buffer.alloc(0);
  if (body.length > MAX_BODY_BYTES) return { ok: false, failure: payloadTooLarge(MAX_BODY_BYTES) };
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { ok: false, failure: badRequest('the request body is not valid UTF-8') };
  }
  const type = mediaType(req.headers['content-type']);
  // curl -d and many HTTP clients label a JSON body as a form (or not at all); a body that opens with '{' is JSON.
  const looksLikeJson = text.trimStart().startsWith('{');
  if (isJsonType(type) || ((type === '' || type === 'application/x-www-form-urlencoded') && looksLikeJson)) {
    return parseJsonObject(text);
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') return formParams(text);
  return { ok: false, failure: unsupportedMediaType(type) };
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || type === 'text/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** Form fields; a repeated field becomes a RepeatedValue; bytes that are not UTF-8 are a 400 naming the field. */
export function formParams(text: string): Parsed<RawParams> {
  const fields = parseQueryString(text);
  if (!fields.ok) return fields;
  const out: RawParams = Object.create(null) as RawParams;
  for (const [key, value] of Object.entries(fields.value)) {
    out[key] = typeof value === 'string' ? value : new RepeatedValue(value);
  }
  return { ok: true, value: out };
}
