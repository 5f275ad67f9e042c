/**
 * Cloud API credentials, read from the environment once per invocation (lib/invocation.ts) and handed down to
 * every check and call of that invocation; never cached across invocations.
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

/** The credentials and every secret value of the environment, from one reading of its six variables. */
export interface RunRole {
  readonly credentials: CredentialsResult;
  /** Every secret value present (both sets' keys and tokens), for log masking. */
  readonly secrets: readonly string[];
}

const NO_CREDENTIALS =
  'no cloud credentials: give the function a run role (SCF sets TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY and ' +
  'TENCENTCLOUD_SESSIONTOKEN) or, locally, set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY';

/**
 * Reads the six variables once: the first complete key pair, SCF's names first (a half-set pair is reported, not
 * skipped silently), and the secret values to mask.
 */
export function readRunRole(env: Env): RunRole {
  let credentials: CredentialsResult | undefined;
  const secrets: string[] = [];
  for (const set of SETS) {
    const secretId = value(env, set.id);
    const secretKey = value(env, set.key);
    const token = value(env, set.token);
    if (secretKey) secrets.push(secretKey);
    if (token) secrets.push(token);
    if (credentials !== undefined) continue;
    if (secretId && secretKey) {
      credentials = { ok: true, credentials: token ? { secretId, secretKey, token, source: set.source } : { secretId, secretKey, source: set.source } };
    } else if (secretId || secretKey) {
      credentials = { ok: false, message: `${secretId ? set.key : set.id} is not set while ${secretId ? set.id : set.key} is: set both or neither` };
    }
  }
  return { credentials: credentials ?? { ok: false, message: NO_CREDENTIALS }, secrets };
}

/** The first complete key pair, SCF's names first. A half-set pair is reported, not skipped silently. */
export function readCredentials(env: Env): CredentialsResult {
  return readRunRole(env).credentials;
}

/** Every secret value currently in the environment, for log masking. */
export function secretValues(env: Env): string[] {
  return [...readRunRole(env).secrets];
}
