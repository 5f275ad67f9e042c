import { describe, expect, it } from 'vitest';
import { readCredentials, secretValues, type Credentials, type CredentialsResult } from '../../../lib/trtc/credentials';

const SCF = {
  TENCENTCLOUD_SECRETID: 'AKIDscfRoleSecretId000000000000',
  TENCENTCLOUD_SECRETKEY: 'scfRoleSecretKeyValue0000000000',
  TENCENTCLOUD_SESSIONTOKEN: 'scfRoleSessionTokenValue000000',
};

const SDK = {
  TENCENTCLOUD_SECRET_ID: 'AKIDsdkLocalSecretId00000000000',
  TENCENTCLOUD_SECRET_KEY: 'sdkLocalSecretKeyValue000000000',
  TENCENTCLOUD_SESSION_TOKEN: 'sdkLocalSessionTokenValue000000',
};

const ALL_VALUES = [...Object.values(SCF), ...Object.values(SDK)];

function credentialsOf(result: CredentialsResult): Credentials {
  if (!result.ok) throw new Error(`expected credentials, got: ${result.message}`);
  return result.credentials;
}

function messageOf(result: CredentialsResult): string {
  if (result.ok) throw new Error('expected a credentials error');
  for (const secret of ALL_VALUES) expect(result.message).not.toContain(secret);
  return result.message;
}

describe('readCredentials', () => {
  it('reads SCF run-role names, with the session token', () => {
    expect(credentialsOf(readCredentials(SCF))).toEqual({
      secretId: SCF.TENCENTCLOUD_SECRETID,
      secretKey: SCF.TENCENTCLOUD_SECRETKEY,
      token: SCF.TENCENTCLOUD_SESSIONTOKEN,
      source: 'scf-role',
    });
  });

  it('reads SDK names when the SCF names are absent', () => {
    expect(credentialsOf(readCredentials(SDK))).toEqual({
      secretId: SDK.TENCENTCLOUD_SECRET_ID,
      secretKey: SDK.TENCENTCLOUD_SECRET_KEY,
      token: SDK.TENCENTCLOUD_SESSION_TOKEN,
      source: 'sdk-env',
    });
  });

  it('SCF names win over SDK names', () => {
    const c = credentialsOf(readCredentials({ ...SDK, ...SCF }));
    expect(c.source).toBe('scf-role');
    expect(c.secretId).toBe(SCF.TENCENTCLOUD_SECRETID);
    expect(c.secretKey).toBe(SCF.TENCENTCLOUD_SECRETKEY);
    expect(c.token).toBe(SCF.TENCENTCLOUD_SESSIONTOKEN);
  });

  it('SCF keys are never paired with the SDK token', () => {
    const c = credentialsOf(readCredentials({ ...SDK, TENCENTCLOUD_SECRETID: SCF.TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY: SCF.TENCENTCLOUD_SECRETKEY }));
    expect(c.source).toBe('scf-role');
    expect(c).not.toHaveProperty('token');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['white space', '  \t '],
  ])('a %s token counts as absent (no token key)', (_label, token) => {
    for (const [env, tokenName] of [
      [SCF, 'TENCENTCLOUD_SESSIONTOKEN'],
      [SDK, 'TENCENTCLOUD_SESSION_TOKEN'],
    ] as const) {
      const c = credentialsOf(readCredentials({ ...env, [tokenName]: token }));
      expect(c).not.toHaveProperty('token');
      expect(Object.keys(c).sort()).toEqual(['secretId', 'secretKey', 'source']);
    }
  });

  it.each([
    ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', SCF],
    ['TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SECRETID', SCF],
    ['TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY', SDK],
    ['TENCENTCLOUD_SECRET_KEY', 'TENCENTCLOUD_SECRET_ID', SDK],
  ] as const)('only %s set → an error naming %s, without the value', (present, missing, set) => {
    const value = (set as Readonly<Record<string, string>>)[present];
    const message = messageOf(readCredentials({ [present]: value }));
    expect(message).toContain(missing);
  });

  it('a half-set SCF pair is an error even when the SDK pair is complete', () => {
    const message = messageOf(readCredentials({ ...SDK, TENCENTCLOUD_SECRETID: SCF.TENCENTCLOUD_SECRETID }));
    expect(message).toContain('TENCENTCLOUD_SECRETKEY');
  });

  it('a white-space value counts as absent in a pair', () => {
    const message = messageOf(readCredentials({ TENCENTCLOUD_SECRETID: SCF.TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY: '   ' }));
    expect(message).toContain('TENCENTCLOUD_SECRETKEY');
  });

  it.each([
    ['nothing set', {}],
    ['only tokens', { TENCENTCLOUD_SESSIONTOKEN: SCF.TENCENTCLOUD_SESSIONTOKEN, TENCENTCLOUD_SESSION_TOKEN: SDK.TENCENTCLOUD_SESSION_TOKEN }],
    ['all empty', { TENCENTCLOUD_SECRETID: '', TENCENTCLOUD_SECRETKEY: ' ', TENCENTCLOUD_SECRET_ID: '', TENCENTCLOUD_SECRET_KEY: '' }],
  ])('%s → an error that names the variables', (_label, env) => {
    const message = messageOf(readCredentials(env));
    for (const name of ['TENCENTCLOUD_SECRETID', 'TENCENTCLOUD_SECRETKEY', 'TENCENTCLOUD_SECRET_ID', 'TENCENTCLOUD_SECRET_KEY']) {
      expect(message).toContain(name);
    }
  });

  it('reads the environment it is given on every call (nothing cached)', () => {
    expect(readCredentials({}).ok).toBe(false);
    expect(readCredentials(SCF).ok).toBe(true);
    expect(readCredentials({}).ok).toBe(false);
  });
});

describe('secretValues', () => {
  it('lists every secret key and token present, not the key IDs', () => {
    const values = secretValues({ ...SCF, ...SDK });
    expect(new Set(values)).toEqual(
      new Set([SCF.TENCENTCLOUD_SECRETKEY, SCF.TENCENTCLOUD_SESSIONTOKEN, SDK.TENCENTCLOUD_SECRET_KEY, SDK.TENCENTCLOUD_SESSION_TOKEN]),
    );
  });

  it('skips empty and white-space values', () => {
    expect(secretValues({ TENCENTCLOUD_SECRETKEY: '', TENCENTCLOUD_SESSIONTOKEN: '  ' })).toEqual([]);
    expect(secretValues({})).toEqual([]);
  });
});
