/**
 * Cloud API credentials, read from the environment on every call and never cached.
 *
 * SCF puts the run role's temporary keys in TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY /
 * TENCENTCLOUD_SESSIONTOKEN, which are not the names the SDK reads (TENCENTCLOUD_SECRET_ID / _SECRET_KEY /
 * _SESSION_TOKEN). The SCF names win; the SDK names are the fallback for local use. The SDK's default credential
 * chain (profile file, CVM metadata, OIDC, console output) is never used.
 */
import type { Env } from '../config';

export interface Credentials {
  readonly secretId: string;
  readonly secretKey: string;
  /** Session token of temporary keys; absent for long-term keys. An empty token counts as absent. */
  readonly token?: string;
  /** Which variables supplied them (for logs; never the values). */
  readonly source: 'scf-role' | 'sdk-env';
}

const SETS = [
  { source: 'scf-role', id: 'TENCENTCLOUD_SECRETID', key: 'TENCENTCLOUD_SECRETKEY', token: 'TENCENTCLOUD_SESSIONTOKEN' },
  { source: 'sdk-env', id: 'TENCENTCLOUD_SECRET_ID', key: 'TENCENTCLOUD_SECRET_KEY', token: 'TENCENTCLOUD_SESSION_TOKEN' },
] as const;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export type CredentialsResult = { ok: true; credentials: Credentials } | { ok: false; message: string };

/** The first complete key pair, SCF's names first. A half-set pair is reported, not skipped silently. */
export function readCredentials(env: Env): CredentialsResult {
  for (const set of SETS) {
    const secretId = value(env, set.id);
    const secretKey = value(env, set.key);
    if (secretId && secretKey) {
      const token = value(env, set.token);
      return { ok: true, credentials: token ? { secretId, secretKey, token, source: set.source } : { secretId, secretKey, source: set.source } };
    }
    if (secretId || secretKey) {
      return { ok: false, message: `${secretId ? set.key : set.id} is not set while ${secretId ? set.id : set.key} is: set both or neither` };
    }
  }
  return {
    ok: false,
    message:
      'no cloud credentials: give the function a run role (SCF sets TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and ' +
      'TENCENTCLOUD_SESSIONTOKEN) or, locally, set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY',
  };
}

/** Every secret value currently in the environment, for log masking. */
export function secretValues(env: Env): string[] {
  const out: string[] = [];
  for (const set of SETS) {
    for (const name of [set.key, set.token]) {
      const v = value(env, name);
      if (v) out.push(v);
    }
  }
  return out;
}
