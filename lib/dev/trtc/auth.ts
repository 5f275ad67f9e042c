/**
 * The emulator's authentication: the keys it knows, and TC3-HMAC-SHA256 verification of a request exactly as
 * received (then the token, then CAM's permission).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  TC3_ALGORITHM,
  canonicalRequest,
  parseAuthorization,
  signature as tc3Signature,
  signingKey,
  stringToSign,
  utcDate,
} from '../tc3';
import { EMULATED_ACTION, type ReceivedRequest } from './contract';
import { apiError, defaultMessage, type ApiError } from './messages';

/** A key pair known to the emulator. */
export interface EmulatorCredential {
  secretId: string;
  secretKey: string;
  /** Present ⇒ temporary keys: X-TC-Token is required and must equal it. */
  token?: string;
  /** Signature accepted but CAM denies the action: `AuthFailure.UnauthorizedOperation`. */
  denied?: boolean;
}

/** Generates a random temporary credential (AKID-style id, 32-char key, random token). */
export function throwawayCredential(): EmulatorCredential {
  return {
    secretId: `AKID${randomBytes(24).toString('base64url').slice(0, 32)}`,
    secretKey: randomBytes(24).toString('base64url').slice(0, 32),
    token: randomBytes(48).toString('base64url'),
  };
}

/** Strips a `:port` suffix from a Host header value (keeps IPv6 literals in brackets intact). */
function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Constant-time equality of two strings (hashing first so lengths never leak). */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Constant-time equality of two lower-case hex signatures. */
function signatureEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(received, 'hex');
  // parseAuthorization guarantees 64 hex digits, so both are 32 bytes; guard anyway.
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(a, b);
}

/** TC3-HMAC-SHA256 verification of the request exactly as received. */
export function verifyAuth(
  r: ReceivedRequest,
  at: number,
  credentials: ReadonlyMap<string, EmulatorCredential>,
  maxSkewSeconds: number,
): ApiError | undefined {
  const failure = (detail: string): ApiError =>
    apiError('AuthFailure.SignatureFailure', defaultMessage('AuthFailure.SignatureFailure', ''), detail);
  const invalid = (detail: string): ApiError =>
    apiError('AuthFailure.InvalidAuthorization', defaultMessage('AuthFailure.InvalidAuthorization', ''), detail);

  const header = r.headers['authorization'];
  if (header === undefined || header.trim() === '') return invalid('missing Authorization header');
  const parsed = parseAuthorization(header);
  if (!parsed.ok) return invalid(parsed.error.message);
  const auth = parsed.value;
  if (auth.algorithm !== TC3_ALGORITHM) return invalid(`unsupported algorithm ${auth.algorithm}`);
  if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host')) {
    return invalid('SignedHeaders must include content-type and host');
  }

  const timestampText = r.headers['x-tc-timestamp'];
  if (timestampText === undefined || timestampText === '') {
    return apiError('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    return apiError('InvalidParameter', `The parameter \`Timestamp\` is invalid: \`${timestampText.slice(0, 32)}\`.`);
  }
  const timestamp = Number(timestampText);

  if (auth.date !== utcDate(timestamp)) return failure('scope date is not the UTC date of X-TC-Timestamp');
  const hostHeader = r.headers['host'];
  if (hostHeader === undefined || hostHeader === '') return failure('missing Host header');
  const hostname = hostWithoutPort(hostHeader.trim()).toLowerCase();
  const expectedService = hostname.split('.')[0] ?? '';
  if (auth.service !== expectedService) {
    return failure(`scope service ${auth.service} does not match host label ${expectedService}`);
  }

  const nowSeconds = Math.floor(at / 1000);
  if (Math.abs(timestamp - nowSeconds) > maxSkewSeconds) {
    return apiError(
      'AuthFailure.SignatureExpire',
      `Signature expired. Timestamp is ${String(timestamp)}, server time is ${String(nowSeconds)}; the difference exceeds ${String(maxSkewSeconds)} seconds.`,
    );
  }

  const credential = credentials.get(auth.secretId);
  if (credential === undefined) {
    return apiError('AuthFailure.SecretIdNotFound', defaultMessage('AuthFailure.SecretIdNotFound', ''));
  }

  // Canonical headers from the received values; host may have been signed with or without the port.
  const signedValues: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = r.headers[name];
    if (value === undefined) return failure(`signed header ${name} missing from the request`);
    signedValues[name] = value;
  }
  const hostCandidates = [hostHeader, hostWithoutPort(hostHeader.trim())];
  const keys = signingKey(credential.secretKey, auth.date, auth.service);
  const scope = `${auth.date}/${auth.service}/tc3_request`;
  let matched = false;
  for (const hostValue of hostCandidates) {
    const canonical = canonicalRequest({
      method: r.method,
      uri: '/',
      query: r.rawQuery,
      headers: { ...signedValues, host: hostValue },
      signedHeaders: auth.signedHeaders,
      payload: r.body,
    });
    const expected = tc3Signature(keys.secretSigning, stringToSign(timestamp, scope, canonical));
    // Evaluate every candidate (no early exit) to keep timing independent of which one matched.
    matched = signatureEqual(expected, auth.signature) || matched;
  }
  if (!matched) return failure('signature mismatch');

  const token = r.headers['x-tc-token'] ?? '';
  if (credential.token !== undefined) {
    if (token === '' || !safeEqual(token, credential.token)) {
      return apiError('AuthFailure.TokenFailure', defaultMessage('AuthFailure.TokenFailure', ''), token === '' ? 'X-TC-Token missing' : 'X-TC-Token mismatch');
    }
  } else if (token !== '') {
    return apiError('AuthFailure.TokenFailure', defaultMessage('AuthFailure.TokenFailure', ''), 'X-TC-Token sent with long-term keys');
  }
  if (credential.denied === true) {
    return apiError('AuthFailure.UnauthorizedOperation', defaultMessage('AuthFailure.UnauthorizedOperation', EMULATED_ACTION));
  }
  return undefined;
}
