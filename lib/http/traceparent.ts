/**
 * W3C Trace Context's `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header): the caller's
 * trace id, honoured as the request's trace id when the header is valid, ignored otherwise.
 */

/** version "-" trace-id "-" parent-id "-" trace-flags, lower-case hex; a later version may append "-" and more. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);

export interface TraceParent {
  readonly version: string;
  /** 32 lower-case hex digits, not all zeros. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zeros. */
  readonly parentId: string;
  readonly flags: string;
}

/**
 * The parts of a valid `traceparent`, or undefined. Version 00 must be exactly the four fields; version ff is
 * invalid; a later version is read by its first four fields when what follows starts with "-", as the spec asks.
 * An all-zero trace id or parent id makes the header invalid.
 */
export function parseTraceparent(header: string | undefined): TraceParent | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  // Longer than any version 00 value by far: a header that long is not one we read.
  if (value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined;
  return { version, traceId, parentId, flags };
}

/** The trace id of a request's headers (lower-case names): the valid `traceparent`'s, else undefined. */
export function traceIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  return parseTraceparent(headers['traceparent'])?.traceId;
}

/** The response header that gives the caller the request's trace id. */
export const TRACE_ID_HEADER = 'X-Trace-Id';
