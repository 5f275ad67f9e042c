/**
 * Percent-decoding of query strings and form bodies (application/x-www-form-urlencoded), as the URL Standard's
 * urlencoded parser (URLSearchParams) does it — `&` separates pairs, the first `=` a name from its value, `+` is a
 * space, `%XX` is one byte, a `%` not followed by two hex digits stays as it is — with one difference: bytes that are
 * not UTF-8 are an error naming the field. URLSearchParams turns each into U+FFFD, so `RoomId=%ff`, `%fe` and `%c0`
 * would become the same text (one report, one idempotency key) and be recorded as a character nobody sent.
 */
import { badRequest } from '../failures';
import type { Parsed } from './parsed';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** One name or value percent-decoded (with `+` as a space); undefined when its bytes are not UTF-8. */
export function decodeFormComponent(text: string): string | undefined {
  const spaced = text.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  const bytes = Buffer.from(spaced, 'utf8');
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i]!;
    if (byte === 0x25 && i + 2 < bytes.length) {
      const high = hexValue(bytes[i + 1]!);
      const low = hexValue(bytes[i + 2]!);
      if (high >= 0 && low >= 0) {
        out[n] = high * 16 + low;
        n += 1;
        i += 2;
        continue;
      }
    }
    out[n] = byte;
    n += 1;
  }
  try {
    return UTF8.decode(out.subarray(0, n));
  } catch {
    return undefined;
  }
}

/** A name as an error message may show it: bounded, printable ASCII (anything else as `?`). */
export function shownName(name: string): string {
  const clean = name.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/** The error for a name or value whose percent escapes are not UTF-8, naming the field. */
export function notUtf8(field: string, raw: string): Parsed<never> {
  const shown = raw.length > 24 ? `${raw.slice(0, 24)}…` : raw;
  return {
    ok: false,
    failure: badRequest(`${shownName(field)} is not valid UTF-8: its percent-encoded bytes ("${shownName(shown)}") must form UTF-8 text`),
  };
}

/**
 * The name/value pairs of a query string or form body, in order, decoded strictly; the first name or value whose
 * bytes are not UTF-8 is a 400 naming the field (a name that cannot be decoded is shown as it was sent).
 */
export function decodeUrlEncoded(raw: string): Parsed<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq >= 0 ? part.slice(0, eq) : part;
    const rawValue = eq >= 0 ? part.slice(eq + 1) : '';
    const name = decodeFormComponent(rawName);
    if (name === undefined) return notUtf8(`the parameter name ${rawName}`, rawName);
    const value = decodeFormComponent(rawValue);
    if (value === undefined) return notUtf8(name, rawValue);
    pairs.push([name, value]);
  }
  return { ok: true, value: pairs };
}
