/**
 * The emulator's authentication: the keys it knows, and TC3-HMAC-SHA256 verification of a request exactly as
 * received (then the token, then CAM's permission), with the TC3 check shared with the local SCF.
 */
import { randomBytes } from 'node:crypto';
import { verifyTc3Request } from '../shared/tc3-verify';
import { SERVICE_HOST } from '../../lib/trtc/client';
import { EMULATED_ACTION, type ReceivedRequest } from './contract';

/** TRTC's service name in the credential scope: the first label of its API domain (`trtc`). */
const TRTC_SERVICE = SERVICE_HOST.split('.')[0] ?? SERVICE_HOST;
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

/**
 * TC3-HMAC-SHA256 verification of the request exactly as received (tools/shared/tc3-verify.ts's verifyTc3Request, which the
 * local SCF uses too; scope service `trtc`, or the loopback host label), then CAM's permission: a denied key gets `AuthFailure.UnauthorizedOperation`.
 */
export function verifyAuth(r: ReceivedRequest, at: number, credentials: ReadonlyMap<string, EmulatorCredential>, maxSkewSeconds: number): ApiError | undefined {
  const verdict = verifyTc3Request(r, { service: TRTC_SERVICE, lookup: (secretId) => credentials.get(secretId), nowMs: at, maxSkewSeconds });
  if (!verdict.ok) return apiError(verdict.code, verdict.message, verdict.detail);
  if (credentials.get(verdict.secretId)?.denied === true) {
    return apiError('AuthFailure.UnauthorizedOperation', defaultMessage('AuthFailure.UnauthorizedOperation', EMULATED_ACTION));
  }
  return undefined;
}
