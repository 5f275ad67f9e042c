import { describe, expect, it } from 'vitest';
import {
  TC3_ALGORITHM,
  authorizationHeader,
  canonicalHeaders,
  canonicalRequest,
  credentialScope,
  hashedPayload,
  parseAuthorization,
  sha256Hex,
  signRequest,
  signature,
  signedHeadersLine,
  signingKey,
  stringToSign,
  utcDate,
  verifyTc3Request,
  type Tc3ReceivedRequest,
} from '../../../tools/shared/tc3-verify';
import { signAsProductClient } from './sdk-signing';

// Official worked example (CVM DescribeInstances), from Tencent Cloud API 3.0 "Signature v3".
const TIMESTAMP = 1551113065;
const SERVICE = 'cvm';
// Byte-exact: the \u672a... sequences are literal backslash escapes, not decoded characters.
const PAYLOAD = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  Host: 'cvm.tencentcloudapi.com',
  'X-TC-Action': 'DescribeInstances',
};
const HASHED_PAYLOAD = '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064';
const WITH_ACTION = ['content-type', 'host', 'x-tc-action'];
const WITHOUT_ACTION = ['content-type', 'host'];

interface VectorRow {
  name: string;
  secretId: string;
  secretKey: string;
  signedHeaders: string[];
  hashedCanonicalRequest: string;
  signature: string;
}

const ROWS: VectorRow[] = [
  {
    name: 'current CN revision',
    secretId: `AKID${'*'.repeat(32)}`,
    secretKey: '*'.repeat(32),
    signedHeaders: WITH_ACTION,
    hashedCanonicalRequest: '7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84',
    signature: '10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f',
  },
  {
    name: 'previous revision (demo keys)',
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
    signedHeaders: WITH_ACTION,
    hashedCanonicalRequest: '7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84',
    signature: 'be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3',
  },
  {
    name: 'older revision (content-type;host)',
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3*******',
    signedHeaders: WITHOUT_ACTION,
    hashedCanonicalRequest: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    signature: '2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
  },
  {
    name: 'oldest EN revision (EXAMPLE keys)',
    secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
    secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    signedHeaders: WITHOUT_ACTION,
    hashedCanonicalRequest: '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
    signature: '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
  },
];

function signedHeaderValues(names: readonly string[]): Record<string, string> {
  const all: Record<string, string> = {
    'content-type': HEADERS['Content-Type'],
    host: HEADERS.Host,
    'x-tc-action': HEADERS['X-TC-Action'],
  };
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = all[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

describe('TC3 official worked example', () => {
  it('hashes the payload byte-exactly', () => {
    expect(hashedPayload(PAYLOAD)).toBe(HASHED_PAYLOAD);
    expect(hashedPayload(Buffer.from(PAYLOAD, 'utf8'))).toBe(HASHED_PAYLOAD);
  });

  it('hashes the empty GET payload', () => {
    expect(hashedPayload('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('builds the documented canonical request text (x-tc-action variant)', () => {
    const canonical = canonicalRequest({
      method: 'POST',
      uri: '/',
      query: '',
      headers: HEADERS,
      signedHeaders: WITH_ACTION,
      payload: PAYLOAD,
    });
    expect(canonical).toBe(
      [
        'POST',
        '/',
        '',
        'content-type:application/json; charset=utf-8',
        'host:cvm.tencentcloudapi.com',
        'x-tc-action:describeinstances',
        '',
        'content-type;host;x-tc-action',
        HASHED_PAYLOAD,
      ].join('\n'),
    );
  });

  it('derives the credential scope with the UTC date', () => {
    expect(credentialScope(TIMESTAMP, SERVICE)).toBe('2019-02-25/cvm/tc3_request');
  });

  describe.each(ROWS)('$name', (row) => {
    const input = {
      method: 'POST',
      uri: '/',
      query: '',
      headers: signedHeaderValues(row.signedHeaders),
      signedHeaders: row.signedHeaders,
      payload: PAYLOAD,
    };

    it('hashed payload', () => {
      expect(hashedPayload(input.payload)).toBe(HASHED_PAYLOAD);
    });

    it('hashed canonical request', () => {
      expect(sha256Hex(canonicalRequest(input))).toBe(row.hashedCanonicalRequest);
    });

    it('signature (step by step)', () => {
      const scope = credentialScope(TIMESTAMP, SERVICE);
      const toSign = stringToSign(TIMESTAMP, scope, canonicalRequest(input));
      expect(toSign).toBe(`TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n${row.hashedCanonicalRequest}`);
      const keys = signingKey(row.secretKey, utcDate(TIMESTAMP), SERVICE);
      expect(signature(keys.secretSigning, toSign)).toBe(row.signature);
    });

    it('signature (signRequest, headers given with any case)', () => {
      const signed = signRequest({
        ...input,
        headers: HEADERS,
        secretId: row.secretId,
        secretKey: row.secretKey,
        timestamp: TIMESTAMP,
        service: SERVICE,
      });
      expect(signed.signature).toBe(row.signature);
      expect(signed.authorization).toBe(
        `TC3-HMAC-SHA256 Credential=${row.secretId}/2019-02-25/cvm/tc3_request, ` + `SignedHeaders=${row.signedHeaders.join(';')}, Signature=${row.signature}`,
      );
    });
  });

  it('current revision: published intermediate keys and final Authorization header', () => {
    const row = ROWS[0];
    if (row === undefined) throw new Error('missing row');
    const keys = signingKey(row.secretKey, '2019-02-25', 'cvm');
    expect(keys.secretDate.toString('hex')).toBe('da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0');
    expect(keys.secretService.toString('hex')).toBe('8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f');
    expect(keys.secretSigning.toString('hex')).toBe('b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af');
    expect(
      authorizationHeader({
        secretId: row.secretId,
        date: '2019-02-25',
        service: 'cvm',
        signedHeaders: row.signedHeaders,
        signature: row.signature,
      }),
    ).toBe(
      'TC3-HMAC-SHA256 Credential=AKID********************************/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host;x-tc-action, ' +
        'Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f',
    );
  });
});

describe('UTC date rule', () => {
  it('1551113065 (2019-02-26 00:44 in UTC+8) is 2019-02-25', () => {
    expect(utcDate(1551113065)).toBe('2019-02-25');
  });

  it('handles day boundaries in UTC', () => {
    expect(utcDate(1551139199)).toBe('2019-02-25'); // 23:59:59Z
    expect(utcDate(1551139200)).toBe('2019-02-26'); // 00:00:00Z
    expect(utcDate(0)).toBe('1970-01-01');
  });

  it('rejects a non-finite timestamp', () => {
    expect(() => utcDate(Number.NaN)).toThrow(RangeError);
  });
});

describe('canonical headers', () => {
  it('lower-cases keys and trimmed values, sorts by key', () => {
    expect(canonicalHeaders({ Host: '  Example.COM ', 'Content-Type': 'Application/JSON' }, ['Host', 'Content-Type'])).toBe(
      'content-type:application/json\nhost:example.com\n',
    );
    expect(signedHeadersLine(['Host', 'content-type', 'X-TC-Action'])).toBe('content-type;host;x-tc-action');
  });

  it('throws when a signed header has no value', () => {
    expect(() => canonicalHeaders({ host: 'a' }, ['content-type', 'host'])).toThrow(RangeError);
  });
});

describe('parseAuthorization', () => {
  const valid =
    'TC3-HMAC-SHA256 Credential=AKID********************************/2019-02-25/cvm/tc3_request, ' +
    'SignedHeaders=content-type;host;x-tc-action, ' +
    'Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f';

  it('parses the official header', () => {
    expect(parseAuthorization(valid)).toEqual({
      ok: true,
      value: {
        algorithm: TC3_ALGORITHM,
        secretId: `AKID${'*'.repeat(32)}`,
        date: '2019-02-25',
        service: 'cvm',
        signedHeaders: ['content-type', 'host', 'x-tc-action'],
        signature: '10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f',
      },
    });
  });

  it('round-trips authorizationHeader → parseAuthorization → authorizationHeader', () => {
    const parts = {
      secretId: 'AKIDabc',
      date: '2024-01-31',
      service: 'trtc',
      signedHeaders: ['content-type', 'host'],
      signature: 'a'.repeat(64),
    };
    const header = authorizationHeader(parts);
    const parsed = parseAuthorization(header);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toEqual({ algorithm: TC3_ALGORITHM, ...parts });
    expect(authorizationHeader(parsed.value)).toBe(header);
  });

  it('tolerates field order and whitespace around commas', () => {
    const parsed = parseAuthorization(
      `TC3-HMAC-SHA256   Signature=${'b'.repeat(64)},SignedHeaders=content-type;host ,  Credential=AKIDx/2024-01-01/trtc/tc3_request`,
    );
    expect(parsed.ok && parsed.value.secretId).toBe('AKIDx');
  });

  it('returns the algorithm as sent (checked by the caller)', () => {
    const parsed = parseAuthorization(valid.replace('TC3-HMAC-SHA256', 'HMAC-SHA1'));
    expect(parsed.ok && parsed.value.algorithm).toBe('HMAC-SHA1');
  });

  const malformed: Array<[string, string, string]> = [
    ['empty', '', 'empty'],
    ['blank', '   ', 'empty'],
    ['algorithm only', 'TC3-HMAC-SHA256', 'missing-algorithm'],
    ['no algorithm', 'Credential=a/2019-02-25/cvm/tc3_request', 'missing-algorithm'],
    ['field without =', 'TC3-HMAC-SHA256 Credential', 'malformed-field'],
    ['empty field', `${valid},`, 'malformed-field'],
    ['unknown field', `${valid}, Nonce=1`, 'unknown-field'],
    ['duplicate field', `${valid}, Signature=${'c'.repeat(64)}`, 'duplicate-field'],
    ['missing Signature', valid.replace(/, Signature=[0-9a-f]+/, ''), 'missing-field'],
    ['missing SignedHeaders', valid.replace(/, SignedHeaders=[^,]+/, ''), 'missing-field'],
    ['missing Credential', valid.replace(/Credential=[^,]+, /, ''), 'missing-field'],
    ['credential with 3 parts', valid.replace('/cvm/tc3_request', '/tc3_request'), 'malformed-credential'],
    ['credential with 5 parts', valid.replace('/cvm/', '/cvm/x/'), 'malformed-credential'],
    ['wrong terminator', valid.replace('tc3_request', 'tc2_request'), 'malformed-credential'],
    ['bad date', valid.replace('2019-02-25', '20190225'), 'malformed-credential'],
    ['empty secret id', valid.replace(`AKID${'*'.repeat(32)}`, ''), 'malformed-credential'],
    ['empty service', valid.replace('/cvm/', '//'), 'malformed-credential'],
    ['empty signed header', valid.replace('content-type;host', 'content-type;;host'), 'malformed-signed-headers'],
    ['upper-case signed header', valid.replace('content-type;host', 'Content-Type;host'), 'malformed-signed-headers'],
    ['short signature', valid.replace(/Signature=[0-9a-f]+/, 'Signature=abc'), 'malformed-signature'],
    ['upper-case signature', valid.replace(/Signature=[0-9a-f]+/, `Signature=${'A'.repeat(64)}`), 'malformed-signature'],
    ['non-hex signature', valid.replace(/Signature=[0-9a-f]+/, `Signature=${'g'.repeat(64)}`), 'malformed-signature'],
  ];

  it.each(malformed)('%s → %s', (_name, header, reason) => {
    const parsed = parseAuthorization(header);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.reason).toBe(reason);
    expect(parsed.error.message.length).toBeGreaterThan(0);
  });
});

describe('verifyTc3Request: the credential scope service', () => {
  const KEY = { secretId: `AKID${'s'.repeat(32)}`, secretKey: 'k'.repeat(32) };
  const NOW = 1_780_000_000_000;
  const lookup = (id: string): { secretKey: string } | undefined => (id === KEY.secretId ? { secretKey: KEY.secretKey } : undefined);
  const body = '{"FunctionName":"f"}';

  function received(host: string, service: string): Tc3ReceivedRequest {
    const signed = signAsProductClient({ host, service, action: 'GetFunction', version: '2018-04-16', body, timestamp: NOW / 1000, ...KEY });
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { method: 'POST', rawQuery: '', headers, body: Buffer.from(body) };
  }

  it.each([
    ['the product name, host signed with its port (Python/Go SDKs, tccli, capi)', '127.0.0.1:9000', 'scf'],
    ['the product name, host without a port', '127.0.0.1', 'scf'],
    ['the loopback host label (the Node SDK on 127.0.0.1)', '127.0.0.1:9000', '127'],
    ['the host label when it is the product name', 'scf.tencentcloudapi.com', 'scf'],
  ])('accepts %s', (_what, host, service) => {
    expect(verifyTc3Request(received(host, service), { service: 'scf', lookup, nowMs: NOW })).toEqual({ ok: true, secretId: KEY.secretId });
  });

  it.each([
    ['another product', '127.0.0.1:9000', 'trtc'],
    ['the first label of a host that is not loopback', 'example.com', 'example'],
    ['a loopback-looking label on a host that is not loopback', 'scf.tencentcloudapi.com', '127'],
  ])('refuses %s with SignatureFailure naming the service', (_what, host, service) => {
    const verdict = verifyTc3Request(received(host, service), { service: 'scf', lookup, nowMs: NOW });
    expect(verdict).toMatchObject({ ok: false, code: 'AuthFailure.SignatureFailure' });
    if (!verdict.ok) expect(verdict.detail).toContain(`scope service ${service}`);
  });
});
