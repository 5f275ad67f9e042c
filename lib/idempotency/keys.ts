/**
 * Idempotency keys: which report an attempt is about, as a bounded, printable store key.
 *
 * Three kinds, chosen in this order by the caller of the store:
 * - `caller:<value>`: the HTTP caller's own `Idempotency-Key` header;
 * - `message:<source>:<identity>:<fingerprint>`: a batch message's identity (CKafka topic/partition/offset,
 *   EventBridge source/id, CMQ msgId) and its report's fingerprint, so a redelivered message is recognised and a
 *   reused identity (a re-created topic, another cluster, an event without its source) can never stand for a
 *   different report;
 * - `report:<fingerprint>`: otherwise, the SHA-256 of the eight parameters, so an identical report is recorded once.
 *
 * Every key starts with {@link KEY_NAMESPACE}. Parts that come from outside (header values, message identities)
 * are kept as they are when short and made of {@link SAFE_PART} characters, and replaced by
 * `sha256-<64 hex>` otherwise: the key stays short, printable and free of anything a log line or a Redis tool
 * could misread. A hashed part (71 characters) can never equal a kept part (at most 64), so distinct inputs give
 * distinct keys.
 */
import { createHash } from 'node:crypto';
import { PARAMETER_NAMES, type TroubleReport } from '../report';

/** Prefix of every idempotency key: the application and the key format's version. */
export const KEY_NAMESPACE = 'trtc-trouble:v1:';

/** The HTTP header that carries a caller's idempotency key. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Longest accepted `Idempotency-Key` header value, in characters (after trimming surrounding white space). */
export const MAX_CALLER_KEY_LENGTH = 128;

/** Longest key part kept verbatim; longer parts are hashed. */
export const MAX_PLAIN_PART_LENGTH = 64;

/** Characters a key part may keep verbatim; a part with any other character is hashed. */
export const SAFE_PART = /^[A-Za-z0-9._:/-]+$/;

/** A message source name: lower-case letters, digits and dashes, e.g. `ckafka`, `eventbridge`, `cmq`. */
const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

// Printable ASCII: space through tilde.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Result of {@link callerKey}: the key, or why the header value is not acceptable (for a 400 response). */
export type CallerKeyResult = { readonly ok: true; readonly key: string } | { readonly ok: false; readonly error: string };

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * A key part as stored: verbatim when at most {@link MAX_PLAIN_PART_LENGTH} characters of {@link SAFE_PART},
 * else `sha256-` and the SHA-256 (hex) of its UTF-8 bytes.
 */
export function safePart(part: string): string {
  if (part.length <= MAX_PLAIN_PART_LENGTH && SAFE_PART.test(part)) return part;
  return `sha256-${sha256Hex(part)}`;
}

/**
 * SHA-256 (lower-case hex) of the report's canonical JSON: an object with exactly the eight parameters, in
 * {@link PARAMETER_NAMES} order, with their validated JSON types. Any other property of `report` is ignored, and
 * the order in which its properties were set does not matter.
 *
 * @example
 * fingerprint(report) // => 'a3f1…' (64 hex digits)
 */
export function fingerprint(report: Readonly<TroubleReport>): string {
  const canonical: Record<string, string | number> = {};
  for (const name of PARAMETER_NAMES) canonical[name] = report[name];
  return sha256Hex(JSON.stringify(canonical));
}

/**
 * The key of a report without a caller key or message identity: `trtc-trouble:v1:report:<fingerprint>`
 * (`print`: the report's {@link fingerprint} when the caller already has it).
 */
export function reportKey(report: Readonly<TroubleReport>, print: string = fingerprint(report)): string {
  return `${KEY_NAMESPACE}report:${print}`;
}

/** The store key of a checked report, as its source decided it: applied once the report is validated. */
export type ReportKeyOf = (report: Readonly<TroubleReport>) => string;

/**
 * The key function of a batch message: {@link messageKey} of `source`, `identity` and the report's fingerprint
 * when the message has an identity, {@link reportKey} otherwise.
 */
export function messageKeyOf(source: string, identity: string | undefined): ReportKeyOf {
  if (identity === undefined || identity === '') return reportKey;
  return (report) => messageKey(source, identity, fingerprint(report));
}

/**
 * The key for an HTTP caller's `Idempotency-Key` header: `trtc-trouble:v1:caller:<value>` (the value hashed when
 * long or unusual). Surrounding white space is not part of a header value and is trimmed; what remains must be
 * 1 to {@link MAX_CALLER_KEY_LENGTH} printable ASCII characters.
 *
 * @returns the key, or an error message that names the header and the reason (never echoing the value).
 */
export function callerKey(header: string): CallerKeyResult {
  const value = header.trim();
  if (value === '') return { ok: false, error: `${IDEMPOTENCY_KEY_HEADER} header must not be empty` };
  if (value.length > MAX_CALLER_KEY_LENGTH) {
    return {
      ok: false,
      error: `${IDEMPOTENCY_KEY_HEADER} header must be at most ${MAX_CALLER_KEY_LENGTH} characters, got ${value.length}`,
    };
  }
  if (!PRINTABLE_ASCII.test(value)) {
    return {
      ok: false,
      error: `${IDEMPOTENCY_KEY_HEADER} header must contain only printable ASCII characters (no control or non-ASCII characters)`,
    };
  }
  return { ok: true, key: `${KEY_NAMESPACE}caller:${safePart(value)}` };
}

/**
 * The key of a batch message: `trtc-trouble:v1:message:<source>:<identity>:<fingerprint>`, e.g.
 * `messageKey('ckafka', 'reports/3/1842', fingerprint(report))`. The identity may contain any characters (it is
 * hashed when long or unusual); the fingerprint makes the key name the report as well as the message, so a
 * message identity reused for a different report gets a different key (it is sent, never taken for a replay).
 *
 * @param source - the trigger kind, chosen by our code: 1 to 32 of `a-z`, `0-9` and `-`, starting with a letter or digit.
 * @param identity - the message's identity within the source; must not be empty.
 * @param reportFingerprint - {@link fingerprint} of the message's report (64 hex digits).
 * @throws TypeError when an argument is not acceptable (a programming error, not caller input).
 */
export function messageKey(source: string, identity: string, reportFingerprint: string): string {
  if (!SOURCE_NAME.test(source)) {
    throw new TypeError(`message source must be 1 to 32 of a-z, 0-9 and "-", got ${JSON.stringify(source.slice(0, 40))}`);
  }
  if (identity === '') throw new TypeError(`message identity for source ${source} must not be empty`);
  if (!/^[0-9a-f]{64}$/.test(reportFingerprint)) throw new TypeError('message key needs the report fingerprint (64 hex digits)');
  return `${KEY_NAMESPACE}message:${source}:${safePart(identity)}:${reportFingerprint}`;
}
