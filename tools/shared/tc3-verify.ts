/**
 * Pure TC3-HMAC-SHA256 (Tencent Cloud API 3.0 signature) building blocks.
 *
 * Used by the local TRTC emulator to verify requests and by the tests to reproduce the
 * official worked example. Every function is deterministic and side-effect free; nothing
 * here reads the clock, the environment or the network.
 *
 * Algorithm (Tencent Cloud API 3.0, "Signature v3"):
 * ```
 * CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 * StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n CredentialScope \n hex(sha256(CanonicalRequest))
 * CredentialScope  = Date "/" service "/tc3_request"           (Date = UTC date of Timestamp)
 * SecretDate       = HMAC("TC3" + SecretKey, Date); SecretService = HMAC(SecretDate, service)
 * SecretSigning    = HMAC(SecretService, "tc3_request"); Signature = hex(HMAC(SecretSigning, StringToSign))
 * ```
 */
import { createHash, createHmac } from 'node:crypto';

/** The only signature algorithm name accepted by API 3.0 for TC3 signing. */
export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';

/** Fixed terminator of every TC3 credential scope. */
export const TC3_TERMINATOR = 'tc3_request';

/** Payload accepted by the hashing helpers: text is hashed as UTF-8, bytes as they are. */
export type Tc3Payload = string | Uint8Array;

/** Lower-case hex SHA-256 of `data` (UTF-8 for strings). */
export function sha256Hex(data: Tc3Payload): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Raw HMAC-SHA256 of `data` under `key` (UTF-8 for string inputs). */
export function hmacSha256(key: Tc3Payload, data: Tc3Payload): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * `HashedRequestPayload`: lower-case hex SHA-256 of the exact request body bytes
 * (the empty string for GET requests).
 */
export function hashedPayload(payload: Tc3Payload): string {
  return sha256Hex(payload);
}

/**
 * Normalises a signed-header list: lower-cased, trimmed, de-duplicated and sorted in ASCII order.
 */
export function normalizeSignedHeaders(signedHeaders: readonly string[]): string[] {
  const names = new Set(signedHeaders.map((name) => name.trim().toLowerCase()));
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The `SignedHeaders` line: normalised names joined by `;`, e.g. `content-type;host`. */
export function signedHeadersLine(signedHeaders: readonly string[]): string {
  return normalizeSignedHeaders(signedHeaders).join(';');
}

/**
 * Looks up a header value case-insensitively in a plain record.
 * @returns the value, or `undefined` when the header is absent.
 */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * `CanonicalHeaders`: one `lowercase(key):lowercase(trim(value))\n` line per signed header, sorted by key.
 *
 * @param headers - signed header name → value, as sent (any key case).
 * @param signedHeaders - the names that are signed.
 * @throws RangeError when a signed header has no value in `headers`.
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of normalizeSignedHeaders(signedHeaders)) {
    const value = headerValue(headers, name);
    if (value === undefined) throw new RangeError(`signed header "${name}" has no value`);
    out += `${name}:${value.trim().toLowerCase()}\n`;
  }
  return out;
}

/** Inputs of {@link canonicalRequest}. */
export interface CanonicalRequestInput {
  /** HTTP method, e.g. `POST` or `GET` (upper-cased here). */
  method: string;
  /** Canonical URI; always `/` for API 3.0. */
  uri: string;
  /** Canonical query string: `""` for POST, the URL-encoded query after `?` for GET. */
  query: string;
  /** Signed header name → value as sent. */
  headers: Readonly<Record<string, string>>;
  /** Names of the signed headers (any case/order; normalised here). */
  signedHeaders: readonly string[];
  /** Exact request body (empty for GET). */
  payload: Tc3Payload;
}

/** Builds the canonical request string (six `\n`-separated parts). */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method.toUpperCase(),
    input.uri,
    input.query,
    canonicalHeaders(input.headers, input.signedHeaders),
    signedHeadersLine(input.signedHeaders),
    hashedPayload(input.payload),
  ].join('\n');
}

/**
 * The UTC calendar date (`YYYY-MM-DD`) of a Unix timestamp in seconds. Never the local date:
 * 1551113065 is 2019-02-26 in Beijing but `2019-02-25` here.
 */
export function utcDate(timestamp: number): string {
  const d = new Date(timestamp * 1000);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid timestamp ${String(timestamp)}`);
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  const month = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

/** `CredentialScope` = `<UTC date>/<service>/tc3_request`. */
export function credentialScope(timestamp: number, service: string): string {
  return `${utcDate(timestamp)}/${service}/${TC3_TERMINATOR}`;
}

/** `StringToSign` = algorithm, timestamp, scope and the hex SHA-256 of the canonical request. */
export function stringToSign(timestamp: number, scope: string, canonical: string): string {
  return `${TC3_ALGORITHM}\n${String(timestamp)}\n${scope}\n${sha256Hex(canonical)}`;
}

/** The derived signing keys (all raw 32-byte HMAC outputs). */
export interface SigningKeys {
  /** HMAC("TC3" + SecretKey, Date) */
  secretDate: Buffer;
  /** HMAC(SecretDate, service) */
  secretService: Buffer;
  /** HMAC(SecretService, "tc3_request"); the key that signs the StringToSign. */
  secretSigning: Buffer;
}

/** Derives the TC3 key chain for `date` (`YYYY-MM-DD`) and `service`; intermediates are returned for tests. */
export function signingKey(secretKey: string, date: string, service: string): SigningKeys {
  const secretDate = hmacSha256(`TC3${secretKey}`, date);
  const secretService = hmacSha256(secretDate, service);
  const secretSigning = hmacSha256(secretService, TC3_TERMINATOR);
  return { secretDate, secretService, secretSigning };
}

/** Lower-case hex `Signature` = HMAC(SecretSigning, StringToSign). */
export function signature(secretSigning: Uint8Array, toSign: string): string {
  return hmacSha256(secretSigning, toSign).toString('hex');
}

/** Inputs of {@link authorizationHeader}. */
export interface AuthorizationParts {
  secretId: string;
  /** Credential scope date, `YYYY-MM-DD`. */
  date: string;
  service: string;
  signedHeaders: readonly string[];
  signature: string;
}

/**
 * The `Authorization` header value:
 * `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<list>, Signature=<hex>`.
 */
export function authorizationHeader(parts: AuthorizationParts): string {
  return (
    `${TC3_ALGORITHM} Credential=${parts.secretId}/${parts.date}/${parts.service}/${TC3_TERMINATOR}, ` +
    `SignedHeaders=${signedHeadersLine(parts.signedHeaders)}, Signature=${parts.signature}`
  );
}

/** Everything needed to sign one request in one go (see {@link signRequest}). */
export interface SignRequestInput extends CanonicalRequestInput {
  secretId: string;
  secretKey: string;
  /** X-TC-Timestamp, Unix seconds. */
  timestamp: number;
  /** Product name in the scope, e.g. `trtc`. */
  service: string;
}

/** All intermediate values of one signing run. */
export interface SignedRequest {
  canonicalRequest: string;
  credentialScope: string;
  stringToSign: string;
  keys: SigningKeys;
  signature: string;
  authorization: string;
}

/** Convenience: canonical request → string to sign → key chain → signature → Authorization header. */
export function signRequest(input: SignRequestInput): SignedRequest {
  const canonical = canonicalRequest(input);
  const date = utcDate(input.timestamp);
  const scope = `${date}/${input.service}/${TC3_TERMINATOR}`;
  const toSign = stringToSign(input.timestamp, scope, canonical);
  const keys = signingKey(input.secretKey, date, input.service);
  const sig = signature(keys.secretSigning, toSign);
  return {
    canonicalRequest: canonical,
    credentialScope: scope,
    stringToSign: toSign,
    keys,
    signature: sig,
    authorization: authorizationHeader({
      secretId: input.secretId,
      date,
      service: input.service,
      signedHeaders: input.signedHeaders,
      signature: sig,
    }),
  };
}

/** A successfully parsed `Authorization` header. */
export interface ParsedAuthorization {
  /** The algorithm token as sent (the caller decides whether it is acceptable). */
  algorithm: string;
  secretId: string;
  /** Scope date, `YYYY-MM-DD` (format-checked only). */
  date: string;
  service: string;
  /** Signed header names exactly as listed (lower-case is required by the format). */
  signedHeaders: string[];
  /** 64 lower-case hex digits. */
  signature: string;
}

/** Why an `Authorization` header could not be parsed. */
export type AuthorizationParseErrorReason =
  | 'empty'
  | 'missing-algorithm'
  | 'malformed-field'
  | 'duplicate-field'
  | 'unknown-field'
  | 'missing-field'
  | 'malformed-credential'
  | 'malformed-signed-headers'
  | 'malformed-signature';

/** A typed parse failure (returned, never thrown). */
export interface AuthorizationParseError {
  reason: AuthorizationParseErrorReason;
  message: string;
}

/** Result of {@link parseAuthorization}: a discriminated union on `ok`. */
export type ParseAuthorizationResult = { ok: true; value: ParsedAuthorization } | { ok: false; error: AuthorizationParseError };

function parseFailure(reason: AuthorizationParseErrorReason, message: string): ParseAuthorizationResult {
  return { ok: false, error: { reason, message } };
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const HEADER_NAME_RE = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE_RE = /^[0-9a-f]{64}$/;

/**
 * Parses `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=a;b, Signature=<hex>`.
 *
 * Accepts any whitespace around the comma separators and the three fields in any order, each exactly once.
 * The algorithm token is returned as sent and is not checked here. The SecretId may not contain `/`,
 * the date must look like `YYYY-MM-DD`, SignedHeaders must be non-empty lower-case header names, and
 * the signature must be 64 lower-case hex digits.
 */
export function parseAuthorization(header: string): ParseAuthorizationResult {
  const text = header.trim();
  if (text === '') return parseFailure('empty', 'the Authorization header is empty');
  const space = text.search(/\s/);
  if (space <= 0) return parseFailure('missing-algorithm', 'expected "<algorithm> Credential=..., SignedHeaders=..., Signature=..."');
  const algorithm = text.slice(0, space);
  const fields = new Map<string, string>();
  for (const rawField of text.slice(space).split(',')) {
    const field = rawField.trim();
    const eq = field.indexOf('=');
    if (eq <= 0) return parseFailure('malformed-field', `malformed field "${field}"`);
    const key = field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (key !== 'Credential' && key !== 'SignedHeaders' && key !== 'Signature') {
      return parseFailure('unknown-field', `unknown field "${key}"`);
    }
    if (fields.has(key)) return parseFailure('duplicate-field', `duplicate field "${key}"`);
    fields.set(key, value);
  }
  const credential = fields.get('Credential');
  const signedHeadersText = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  if (credential === undefined) return parseFailure('missing-field', 'missing field "Credential"');
  if (signedHeadersText === undefined) return parseFailure('missing-field', 'missing field "SignedHeaders"');
  if (sig === undefined) return parseFailure('missing-field', 'missing field "Signature"');

  const parts = credential.split('/');
  const [secretId, date, service, terminator] = parts;
  if (
    parts.length !== 4 ||
    secretId === undefined ||
    date === undefined ||
    service === undefined ||
    terminator !== TC3_TERMINATOR ||
    secretId === '' ||
    service === '' ||
    !DATE_RE.test(date)
  ) {
    return parseFailure('malformed-credential', 'Credential must be "<SecretId>/<YYYY-MM-DD>/<service>/tc3_request"');
  }
  const signedHeaders = signedHeadersText.split(';');
  if (!signedHeaders.every((name) => HEADER_NAME_RE.test(name))) {
    return parseFailure('malformed-signed-headers', 'SignedHeaders must be lower-case header names joined by ";"');
  }
  if (!SIGNATURE_RE.test(sig)) {
    return parseFailure('malformed-signature', 'Signature must be 64 lower-case hex digits');
  }
  return { ok: true, value: { algorithm, secretId, date, service, signedHeaders, signature: sig } };
}

/** A request as a TC3 verifier sees it: lower-case header names, the exact body bytes. */
export interface Tc3ReceivedRequest {
  method: string;
  /** The query after `?` (`""` for POST). */
  rawQuery: string;
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
}

/** What a verifier knows about a SecretId. */
export interface Tc3KnownKey {
  secretKey: string;
  /** Present ⇒ temporary keys: X-TC-Token is required and must equal it. */
  token?: string;
}

/** The verdict of {@link verifyTc3Request}: the SecretId, or the API error to answer. */
export type Tc3Verdict = { ok: true; secretId: string } | { ok: false; code: string; message: string; detail: string };

function tc3Equal(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return ha.equals(hb);
}

function withoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** How a server verifies: its product's service name, the keys it knows, its clock. */
export interface Tc3VerifyOptions {
  /** The product name the credential scope must carry: `scf`, `trtc`, `cls` (what the real cloud requires). */
  service: string;
  lookup: (secretId: string) => Tc3KnownKey | undefined;
  nowMs: number;
  /** The accepted distance between X-TC-Timestamp and the clock (default 300 s, the real API's window). */
  maxSkewSeconds?: number;
}

/** True when `hostname` (no port) is a loopback address or name. */
function isLoopback(hostname: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === 'localhost' || hostname === '[::1]';
}

/**
 * The scope services accepted: the product's name (as every Tencent client signs, and the real cloud requires), and,
 * on a loopback Host only, the first label of its hostname (`127` for `127.0.0.1:PORT`): the Node SDK derives the
 * service from the endpoint, so it signs that when pointed at a loopback address.
 */
export function acceptedServices(service: string, hostHeader: string): string[] {
  const hostname = withoutPort(hostHeader).toLowerCase();
  const label = hostname.split('.')[0] ?? '';
  return isLoopback(hostname) && label !== service ? [service, label] : [service];
}

/**
 * Verifies a TC3-HMAC-SHA256 request exactly as received. The scope service must be the product's name, or on a
 * loopback Host the first label of its hostname (see {@link acceptedServices}); `host` may have been signed with or
 * without its `:port`. Checks, in order: Authorization syntax, X-TC-Timestamp, scope date, scope service, clock
 * skew, the SecretId, the signature, then X-TC-Token.
 */
export function verifyTc3Request(request: Tc3ReceivedRequest, options: Tc3VerifyOptions): Tc3Verdict {
  const { lookup, nowMs, maxSkewSeconds = 300 } = options;
  const fail = (code: string, message: string, detail: string): Tc3Verdict => ({ ok: false, code, message, detail });
  const invalid = (detail: string): Tc3Verdict => fail('AuthFailure.InvalidAuthorization', 'The `Authorization` header is invalid.', detail);
  const mismatch = (detail: string): Tc3Verdict =>
    fail('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.', detail);
  const headers = request.headers;
  const header = headers['authorization'];
  if (header === undefined || header.trim() === '') return invalid('missing Authorization header');
  const parsed = parseAuthorization(header);
  if (!parsed.ok) return invalid(parsed.error.message);
  const auth = parsed.value;
  if (auth.algorithm !== TC3_ALGORITHM) return invalid(`unsupported algorithm ${auth.algorithm}`);
  if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host')) {
    return invalid('SignedHeaders must include content-type and host');
  }
  const timestampText = headers['x-tc-timestamp'];
  if (timestampText === undefined || timestampText === '') {
    return fail('MissingParameter', 'The request is missing a required parameter `Timestamp`.', 'no X-TC-Timestamp');
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    return fail('InvalidParameter', `The parameter \`Timestamp\` is invalid: \`${timestampText.slice(0, 32)}\`.`, 'bad X-TC-Timestamp');
  }
  const timestamp = Number(timestampText);
  if (auth.date !== utcDate(timestamp)) return mismatch('scope date is not the UTC date of X-TC-Timestamp');
  const hostHeader = headers['host']?.trim();
  if (hostHeader === undefined || hostHeader === '') return mismatch('missing Host header');
  const services = acceptedServices(options.service, hostHeader);
  if (!services.includes(auth.service)) return mismatch(`scope service ${auth.service} is not ${services.join(' or ')}`);
  const nowSeconds = Math.floor(nowMs / 1000);
  if (Math.abs(timestamp - nowSeconds) > maxSkewSeconds) {
    return fail(
      'AuthFailure.SignatureExpire',
      `Signature expired. Timestamp is ${String(timestamp)}, server time is ${String(nowSeconds)}; the difference exceeds ${String(maxSkewSeconds)} seconds.`,
      'clock skew',
    );
  }
  const key = lookup(auth.secretId);
  if (key === undefined) {
    return fail('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.', 'unknown SecretId');
  }
  const signedValues: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headers[name];
    if (value === undefined) return mismatch(`signed header ${name} missing from the request`);
    signedValues[name] = value;
  }
  const keys = signingKey(key.secretKey, auth.date, auth.service);
  const scope = `${auth.date}/${auth.service}/${TC3_TERMINATOR}`;
  let matched = false;
  for (const hostValue of [hostHeader, withoutPort(hostHeader)]) {
    const canonical = canonicalRequest({
      method: request.method,
      uri: '/',
      query: request.rawQuery,
      headers: { ...signedValues, host: hostValue },
      signedHeaders: auth.signedHeaders,
      payload: request.body,
    });
    // Every candidate is evaluated (no early exit).
    matched = tc3Equal(signature(keys.secretSigning, stringToSign(timestamp, scope, canonical)), auth.signature) || matched;
  }
  if (!matched) return mismatch('signature mismatch');
  const token = headers['x-tc-token'] ?? '';
  const tokenFailure = 'The provided token is invalid or has expired.';
  if (key.token !== undefined) {
    if (token === '' || !tc3Equal(token, key.token)) {
      return fail('AuthFailure.TokenFailure', tokenFailure, token === '' ? 'X-TC-Token missing' : 'X-TC-Token mismatch');
    }
  } else if (token !== '') {
    return fail('AuthFailure.TokenFailure', tokenFailure, 'X-TC-Token sent with long-term keys');
  }
  return { ok: true, secretId: auth.secretId };
}
