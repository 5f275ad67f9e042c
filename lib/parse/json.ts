/**
 * Neutral JSON helpers shared by the HTTP path and the message sources: a value's text, a plain-object check, and
 * a JSON object parsed into prototype-free raw parameters with repeated top-level keys kept for validation.
 */
import { badRequest } from '../failures';
import { RepeatedValue } from '../report';
import type { Parsed, RawParams } from './parsed';

/** Any JSON value as text: strings as they are, numbers and booleans printed, anything else as JSON (never throws). */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return '';
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/**
 * A JSON object body, parsed into a prototype-free record so that keys such as `__proto__` or `constructor` are
 * plain (unknown) parameters and can never reach an object's prototype.
 */
export function parseJsonObject(text: string): Parsed<RawParams> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? `: ${error.message.slice(0, 120)}` : '';
    return { ok: false, failure: badRequest(`the request body is not valid JSON${detail}`) };
  }
  if (!isPlainRecord(parsed)) {
    return { ok: false, failure: badRequest('the request body must be a JSON object of CreateTroubleInfo parameters') };
  }
  const out: RawParams = Object.create(null) as RawParams;
  for (const key of Object.keys(parsed)) out[key] = parsed[key];
  // JSON.parse keeps the last of a repeated key; a repeated key is an error, as in a form or a query string.
  for (const [key, values] of repeatedTopLevelKeys(text)) out[key] = new RepeatedValue(values.map(textOf));
  return { ok: true, value: out };
}

/**
 * The keys that occur more than once in the top-level object of `text` (valid JSON), with every value given.
 * A single pass over the text: strings are skipped whole (escapes included), depth is counted by brackets.
 */
export function repeatedTopLevelKeys(text: string): Map<string, unknown[]> {
  const seen = new Map<string, unknown[]>();
  let depth = 0;
  let key: string | undefined;
  let valueStart = -1;
  const endValue = (end: number): void => {
    if (key === undefined || valueStart < 0) return;
    const values = seen.get(key) ?? [];
    values.push(JSON.parse(text.slice(valueStart, end)) as unknown);
    seen.set(key, values);
    key = undefined;
    valueStart = -1;
  };
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i += 1; i < text.length && text[i] !== '"'; i += 1) if (text[i] === '\\') i += 1;
      if (depth === 1 && key === undefined && valueStart < 0) key = JSON.parse(text.slice(start, i + 1)) as string;
    } else if (c === ':' && depth === 1 && valueStart < 0) {
      valueStart = i + 1;
    } else if (c === '{' || c === '[') {
      depth += 1;
    } else if (c === '}' || c === ']') {
      if (depth === 1) endValue(i);
      depth -= 1;
    } else if (c === ',' && depth === 1) {
      endValue(i);
    }
  }
  for (const [name, values] of seen) if (values.length < 2) seen.delete(name);
  return seen;
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
