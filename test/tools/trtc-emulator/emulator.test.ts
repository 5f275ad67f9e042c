import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommonClient } from 'tencentcloud-sdk-nodejs/tencentcloud/common/common_client';
import { MAX_POST_BYTES, TrtcEmulator, throwawayCredential, type EmulatorCredential, type EmulatorFault } from '../../../tools/trtc-emulator';
import { authorizationHeader, signRequest, signature, signingKey, stringToSign, canonicalRequest } from '../../../tools/shared/tc3-verify';
import { postSigned, signAsProductClient } from '../shared/sdk-signing';

// The SDK wraps every request in HttpsProxyAgent(process.env.http_proxy) when no agent is given.
beforeAll(() => {
  delete process.env.http_proxy;
  delete process.env.HTTP_PROXY;
});

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const VALID = {
  SdkAppId: '1400000001',
  RoomId: 'room-42',
  TeacherUserId: 'teacher-1',
  StudentUserId: 'student-7',
  TroubleUserId: 'student-7',
  TroubleType: 3,
  TroubleTime: 1_700_000_000,
  TroubleMsg: '视频卡顿 and audio lost',
} as const;

interface SdkCredential {
  secretId: string;
  secretKey: string;
  token?: string;
}

interface ClientOptions {
  reqMethod?: 'POST' | 'GET';
  reqTimeout?: number;
  version?: string;
  emulator?: TrtcEmulator;
}

/** Fields of TencentCloudSDKHttpException / node-fetch FetchError that the tests look at. */
interface CaughtError extends Error {
  code?: string;
  httpCode?: number;
  requestId?: string;
  traceId?: string;
  type?: string;
}

async function caught(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise;
  } catch (e: unknown) {
    if (e instanceof Error) return e as CaughtError;
    throw new Error(`non-Error rejection: ${String(e)}`);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const temporary: EmulatorCredential = throwawayCredential();
const longTerm: EmulatorCredential = { secretId: `AKID${'L'.repeat(32)}`, secretKey: 'long-term-secret-key-0123456789ab' };
const denied: EmulatorCredential = { ...throwawayCredential(), denied: true };

let emu: TrtcEmulator;

function sdk(credential: SdkCredential, options: ClientOptions = {}): CommonClient {
  const target = options.emulator ?? emu;
  return new CommonClient('trtc.tencentcloudapi.com', options.version ?? '2019-07-22', {
    credential,
    region: 'ap-guangzhou',
    profile: {
      httpProfile: {
        protocol: 'http://',
        endpoint: target.endpoint,
        reqTimeout: options.reqTimeout ?? 5,
        reqMethod: options.reqMethod ?? 'POST',
        agent: new http.Agent(),
      },
    },
  });
}

function asSdk(c: EmulatorCredential): SdkCredential {
  return c.token === undefined ? { secretId: c.secretId, secretKey: c.secretKey } : { secretId: c.secretId, secretKey: c.secretKey, token: c.token };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function raw(options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const url = new URL(emu.url);
  const headers: Record<string, string> = { ...options.headers };
  // Always frame the body: Node would send it unframed for DELETE/OPTIONS otherwise.
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: Number(url.port),
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

interface Envelope {
  Response: { RequestId: string; Error?: { Code: string; Message: string } };
}

function envelope(r: RawResponse): Envelope {
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/json');
  return JSON.parse(r.text) as Envelope;
}

function errorCode(r: RawResponse): string | undefined {
  return envelope(r).Response.Error?.Code;
}

interface SignOptions {
  credential?: EmulatorCredential;
  body?: string | Buffer;
  method?: 'POST' | 'GET';
  query?: string;
  action?: string;
  version?: string;
  timestamp?: number;
  service?: string;
  contentType?: string;
  signedHost?: string;
  signedHeaders?: string[];
  token?: string | null;
}

/** Header set for a hand-signed request (what the SDK would send, but under test control). */
function signedHeaders(o: SignOptions = {}): Record<string, string> {
  const credential = o.credential ?? temporary;
  const method = o.method ?? 'POST';
  const contentType = o.contentType ?? (method === 'GET' ? 'application/x-www-form-urlencoded' : 'application/json');
  const action = o.action ?? 'CreateTroubleInfo';
  const values: Record<string, string> = {
    'content-type': contentType,
    host: o.signedHost ?? '127.0.0.1',
    'x-tc-action': action,
  };
  const signed = signRequest({
    method,
    uri: '/',
    query: o.query ?? '',
    headers: values,
    signedHeaders: o.signedHeaders ?? ['content-type', 'host'],
    payload: o.body ?? '',
    secretId: credential.secretId,
    secretKey: credential.secretKey,
    timestamp: o.timestamp ?? Math.floor(Date.now() / 1000),
    service: o.service ?? '127',
  });
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-TC-Action': action,
    'X-TC-Version': o.version ?? '2019-07-22',
    'X-TC-Timestamp': String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    'X-TC-Region': 'ap-guangzhou',
    Authorization: signed.authorization,
  };
  const token = o.token === undefined ? credential.token : o.token;
  if (token !== undefined && token !== null) headers['X-TC-Token'] = token;
  return headers;
}

beforeAll(async () => {
  emu = new TrtcEmulator({ credentials: [temporary, longTerm, denied] });
  await emu.start();
});

afterAll(async () => {
  await emu.stop();
});

beforeEach(() => {
  emu.reset();
});

describe('lifecycle', () => {
  it('starts on 127.0.0.1 with a random port and exposes url/endpoint', () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('throws on url before start; stop is idempotent', async () => {
    const e = new TrtcEmulator({ credentials: [] });
    expect(() => e.url).toThrow(/not started/);
    await e.stop();
    await e.start();
    await e.stop();
    await e.stop();
  });

  it('throwawayCredential gives random AKID-style temporary keys', () => {
    const a = throwawayCredential();
    const b = throwawayCredential();
    expect(a.secretId).toMatch(/^AKID[A-Za-z0-9_-]{32}$/);
    expect(a.secretKey).toHaveLength(32);
    expect(a.token?.length ?? 0).toBeGreaterThan(32);
    expect(a.secretId).not.toBe(b.secretId);
    expect(a.secretKey).not.toBe(b.secretKey);
    expect(a.token).not.toBe(b.token);
  });
});

describe('success through the real SDK', () => {
  it('creates the record and returns its RequestId (temporary keys with X-TC-Token)', async () => {
    const res = await sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID });
    expect(res.RequestId).toMatch(UUID_RE);
    expect(emu.created).toEqual([{ ...VALID, RequestId: res.RequestId }]);
    expect(emu.calls).toHaveLength(1);
    const call = emu.calls[0];
    expect(call).toMatchObject({
      method: 'POST',
      action: 'CreateTroubleInfo',
      version: '2019-07-22',
      region: 'ap-guangzhou',
      outcome: 'ok',
      requestId: res.RequestId,
      params: VALID,
    });
    expect(call?.headers['x-tc-token']).toBe(temporary.token);
    expect(call?.headers['content-type']).toBe('application/json');
  });

  it('answers a fresh RequestId per call', async () => {
    const client = sdk(asSdk(temporary));
    const ids: string[] = [];
    for (let k = 0; k < 5; k += 1) ids.push((await client.request('CreateTroubleInfo', { ...VALID })).RequestId);
    expect(new Set(ids).size).toBe(5);
    expect(emu.created.map((r) => r.RequestId)).toEqual(ids);
  });

  it('verifies long-term keys (no token)', async () => {
    const res = await sdk(asSdk(longTerm)).request('CreateTroubleInfo', { ...VALID });
    expect(res.RequestId).toMatch(UUID_RE);
    expect(emu.calls[0]?.headers['x-tc-token']).toBeUndefined();
    expect(emu.created).toHaveLength(1);
  });

  it('GET (reqMethod GET) with query parameters succeeds; integers arrive as text', async () => {
    const res = await sdk(asSdk(temporary), { reqMethod: 'GET' }).request('CreateTroubleInfo', {
      ...VALID,
      TroubleMsg: "it's (a+b)*!~ & = 视频",
    });
    expect(emu.created).toEqual([{ ...VALID, TroubleMsg: "it's (a+b)*!~ & = 视频", RequestId: res.RequestId }]);
    expect(emu.calls[0]?.method).toBe('GET');
    expect(emu.calls[0]?.params).toMatchObject({ TroubleType: '3', TroubleTime: '1700000000' });
  });

  it('GET enforces the contract on the text values', async () => {
    const client = sdk(asSdk(temporary), { reqMethod: 'GET' });
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID, TroubleType: 9 }))).code).toBe('InvalidParameterValue');
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID, TroubleTime: 1.5 }))).code).toBe('InvalidParameter');
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID, TroubleTime: -1 }))).code).toBe('InvalidParameterValue');
    const { TroubleMsg: _omit, ...missing } = VALID;
    expect((await caught(client.request('CreateTroubleInfo', missing))).code).toBe('MissingParameter');
    expect(emu.created).toHaveLength(0);
  });

  it('echoes X-TC-TraceId (visible as the SDK error traceId)', async () => {
    const err = await caught(sdk(asSdk(temporary)).request('NoSuchThing', { ...VALID }));
    expect(err.traceId).toMatch(UUID_RE);
    expect(err.traceId).toBe(emu.calls[0]?.headers['x-tc-traceid']);
  });
});

describe('authentication', () => {
  it('wrong secret key → AuthFailure.SignatureFailure', async () => {
    const err = await caught(sdk({ ...asSdk(temporary), secretKey: 'x'.repeat(32) }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.SignatureFailure');
    expect(err.requestId).toBe(emu.calls[0]?.requestId);
    expect(err.requestId).toMatch(UUID_RE);
    expect(emu.created).toHaveLength(0);
  });

  it('unknown SecretId → AuthFailure.SecretIdNotFound', async () => {
    const err = await caught(sdk({ secretId: `AKID${'0'.repeat(32)}`, secretKey: 'k' }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.SecretIdNotFound');
  });

  it('temporary keys without X-TC-Token → AuthFailure.TokenFailure', async () => {
    const err = await caught(sdk({ secretId: temporary.secretId, secretKey: temporary.secretKey }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.TokenFailure');
    expect(emu.calls[0]?.detail).toMatch(/missing/);
  });

  it('temporary keys with a wrong X-TC-Token → AuthFailure.TokenFailure', async () => {
    const err = await caught(sdk({ ...asSdk(temporary), token: 'stale-token' }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.TokenFailure');
    expect(emu.calls[0]?.detail).toMatch(/mismatch/);
  });

  it('long-term keys sent with a token → AuthFailure.TokenFailure (strict)', async () => {
    const err = await caught(sdk({ ...asSdk(longTerm), token: 'unexpected' }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.TokenFailure');
  });

  it('denied credential → AuthFailure.UnauthorizedOperation', async () => {
    const err = await caught(sdk(asSdk(denied)).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('AuthFailure.UnauthorizedOperation');
    expect(emu.created).toHaveLength(0);
  });

  // Five seconds either side of the 300 s window: the SDK takes its timestamp before the emulator reads its clock,
  // and under load a second boundary can fall between the two, so ±301/±299 could land on either side.
  describe.each([
    [-305, 'AuthFailure.SignatureExpire'],
    [305, 'AuthFailure.SignatureExpire'],
    [-295, 'ok'],
    [295, 'ok'],
  ])('emulator clock shifted by %i s', (shift, outcome) => {
    let shifted: TrtcEmulator;
    beforeAll(async () => {
      shifted = new TrtcEmulator({ credentials: [temporary], now: () => Date.now() + shift * 1000 });
      await shifted.start();
    });
    afterAll(async () => {
      await shifted.stop();
    });

    it(`→ ${outcome}`, async () => {
      const call = sdk(asSdk(temporary), { emulator: shifted }).request('CreateTroubleInfo', { ...VALID });
      if (outcome === 'ok') {
        expect((await call).RequestId).toMatch(UUID_RE);
        expect(shifted.created).toHaveLength(1);
      } else {
        expect((await caught(call)).code).toBe(outcome);
        expect(shifted.created).toHaveLength(0);
      }
    });
  });

  it('honours maxSkewSeconds', async () => {
    const tight = new TrtcEmulator({ credentials: [temporary], maxSkewSeconds: 10, now: () => Date.now() + 20_000 });
    await tight.start();
    try {
      const err = await caught(sdk(asSdk(temporary), { emulator: tight }).request('CreateTroubleInfo', { ...VALID }));
      expect(err.code).toBe('AuthFailure.SignatureExpire');
    } finally {
      await tight.stop();
    }
  });

  it('a body changed after signing → AuthFailure.SignatureFailure', async () => {
    const signedBody = JSON.stringify(VALID);
    const sentBody = JSON.stringify({ ...VALID, TroubleMsg: 'tampered' });
    const ok = await raw({ headers: signedHeaders({ body: signedBody }), body: signedBody });
    expect(envelope(ok).Response.Error).toBeUndefined();
    const tampered = await raw({ headers: signedHeaders({ body: signedBody }), body: sentBody });
    expect(errorCode(tampered)).toBe('AuthFailure.SignatureFailure');
    expect(emu.created).toHaveLength(1);
    expect(emu.created[0]?.TroubleMsg).toBe(VALID.TroubleMsg);
  });

  it('accepts host signed with or without the port', async () => {
    const body = JSON.stringify(VALID);
    const withPort = new URL(emu.url).host;
    expect(envelope(await raw({ headers: signedHeaders({ body, signedHost: withPort }), body })).Response.Error).toBeUndefined();
    expect(envelope(await raw({ headers: signedHeaders({ body, signedHost: '127.0.0.1' }), body })).Response.Error).toBeUndefined();
    expect(errorCode(await raw({ headers: signedHeaders({ body, signedHost: 'localhost' }), body }))).toBe('AuthFailure.SignatureFailure');
  });

  it('accepts the official style: charset content-type and a signed, lower-cased x-tc-action', async () => {
    const body = JSON.stringify(VALID);
    const headers = signedHeaders({
      body,
      contentType: 'application/json; charset=utf-8',
      signedHeaders: ['content-type', 'host', 'x-tc-action'],
    });
    expect(envelope(await raw({ headers, body })).Response.Error).toBeUndefined();
    // The same signature with a different (unsigned-by-us) content-type fails.
    expect(errorCode(await raw({ headers: { ...headers, 'Content-Type': 'application/json' }, body }))).toBe('AuthFailure.SignatureFailure');
  });

  it('scope service trtc (every client but the Node SDK signs so) or the loopback host label; any other is refused', async () => {
    const body = JSON.stringify(VALID);
    const host = new URL(emu.url).host;
    const product = signAsProductClient({
      host,
      service: 'trtc',
      action: 'CreateTroubleInfo',
      version: '2019-07-22',
      region: 'ap-guangzhou',
      body,
      ...temporary,
    });
    expect((await postSigned(emu.url, product)).Response.Error).toBeUndefined();
    expect(emu.created).toHaveLength(1);
    expect(envelope(await raw({ headers: signedHeaders({ body, service: '127' }), body })).Response.Error).toBeUndefined();
    const other = await raw({ headers: signedHeaders({ body, service: 'scf' }), body });
    expect(errorCode(other)).toBe('AuthFailure.SignatureFailure');
    expect(emu.calls.at(-1)?.detail).toMatch(/scope service scf/);
    expect(emu.created).toHaveLength(2);
  });

  it('scope date must be the UTC date of X-TC-Timestamp', async () => {
    const body = JSON.stringify(VALID);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signedHeaders({ body, timestamp });
    const canonical = canonicalRequest({
      method: 'POST',
      uri: '/',
      query: '',
      headers: { 'content-type': 'application/json', host: '127.0.0.1' },
      signedHeaders: ['content-type', 'host'],
      payload: body,
    });
    const wrongDate = '2019-02-25';
    const sig = signature(signingKey(temporary.secretKey, wrongDate, '127').secretSigning, stringToSign(timestamp, `${wrongDate}/127/tc3_request`, canonical));
    headers.Authorization = authorizationHeader({
      secretId: temporary.secretId,
      date: wrongDate,
      service: '127',
      signedHeaders: ['content-type', 'host'],
      signature: sig,
    });
    expect(errorCode(await raw({ headers, body }))).toBe('AuthFailure.SignatureFailure');
    expect(emu.calls[0]?.detail).toMatch(/UTC date/);
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'Bearer abc'],
    ['truncated', 'TC3-HMAC-SHA256 Credential=AKID/2024-01-01/127/tc3_request'],
  ])('%s Authorization → AuthFailure.InvalidAuthorization', async (_name, value) => {
    const body = JSON.stringify(VALID);
    const headers = signedHeaders({ body });
    if (value === undefined) delete headers.Authorization;
    else headers.Authorization = value;
    expect(errorCode(await raw({ headers, body }))).toBe('AuthFailure.InvalidAuthorization');
  });

  it('a non-TC3 algorithm → AuthFailure.InvalidAuthorization', async () => {
    const body = JSON.stringify(VALID);
    const headers = signedHeaders({ body });
    headers.Authorization = (headers.Authorization ?? '').replace('TC3-HMAC-SHA256', 'HMAC-SHA256');
    expect(errorCode(await raw({ headers, body }))).toBe('AuthFailure.InvalidAuthorization');
  });

  it('SignedHeaders without host or content-type → AuthFailure.InvalidAuthorization', async () => {
    const body = JSON.stringify(VALID);
    for (const list of [['content-type'], ['host'], ['content-type', 'x-tc-action']]) {
      const r = await raw({ headers: signedHeaders({ body, signedHeaders: list }), body });
      expect(errorCode(r)).toBe('AuthFailure.InvalidAuthorization');
    }
  });

  it('missing or malformed X-TC-Timestamp', async () => {
    const body = JSON.stringify(VALID);
    const missing = signedHeaders({ body });
    delete missing['X-TC-Timestamp'];
    expect(errorCode(await raw({ headers: missing, body }))).toBe('MissingParameter');
    const bad = { ...signedHeaders({ body }), 'X-TC-Timestamp': 'yesterday' };
    expect(errorCode(await raw({ headers: bad, body }))).toBe('InvalidParameter');
  });
});

describe('action and version', () => {
  it('wrong action → InvalidAction naming the action', async () => {
    const err = await caught(sdk(asSdk(temporary)).request('DescribeCallDetail', { ...VALID }));
    expect(err.code).toBe('InvalidAction');
    expect(err.message).toBe('The requested action `DescribeCallDetail` does not exist.');
  });

  it('action is case-sensitive', async () => {
    const err = await caught(sdk(asSdk(temporary)).request('createtroubleinfo', { ...VALID }));
    expect(err.code).toBe('InvalidAction');
  });

  it('wrong version → NoSuchVersion', async () => {
    const err = await caught(sdk(asSdk(temporary), { version: '2020-01-01' }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('NoSuchVersion');
  });

  it('missing X-TC-Action → MissingParameter', async () => {
    const body = JSON.stringify(VALID);
    const headers = signedHeaders({ body });
    delete headers['X-TC-Action'];
    expect(errorCode(await raw({ headers, body }))).toBe('MissingParameter');
  });

  it('X-TC-Region is optional', async () => {
    const body = JSON.stringify(VALID);
    const headers = signedHeaders({ body });
    delete headers['X-TC-Region'];
    expect(envelope(await raw({ headers, body })).Response.Error).toBeUndefined();
    expect(emu.calls[0]?.region).toBeUndefined();
  });
});

describe('CreateTroubleInfo parameter contract (via the SDK)', () => {
  const names = Object.keys(VALID) as Array<keyof typeof VALID>;

  it.each(names)('missing %s → MissingParameter', async (name) => {
    const params: Record<string, unknown> = { ...VALID };
    delete params[name];
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', params));
    expect(err.code).toBe('MissingParameter');
    expect(err.message).toBe(`The request is missing a required parameter \`${name}\`.`);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an extra key', { ...VALID, Extra: 'x' }, 'UnknownParameter'],
    ['SdkAppId as a number', { ...VALID, SdkAppId: 1400000001 }, 'InvalidParameter'],
    ['RoomId as a number', { ...VALID, RoomId: 42 }, 'InvalidParameter'],
    ['TroubleMsg as an object', { ...VALID, TroubleMsg: { text: 'x' } }, 'InvalidParameter'],
    ['TroubleUserId as a boolean', { ...VALID, TroubleUserId: true }, 'InvalidParameter'],
    ['TroubleType as a string', { ...VALID, TroubleType: '3' }, 'InvalidParameter'],
    ['TroubleTime as a string', { ...VALID, TroubleTime: '1700000000' }, 'InvalidParameter'],
    ['TroubleType 0', { ...VALID, TroubleType: 0 }, 'InvalidParameterValue'],
    ['TroubleType 9', { ...VALID, TroubleType: 9 }, 'InvalidParameterValue'],
    ['TroubleType 2.5', { ...VALID, TroubleType: 2.5 }, 'InvalidParameter'],
    ['TroubleTime 0', { ...VALID, TroubleTime: 0 }, 'InvalidParameterValue'],
    ['TroubleTime negative', { ...VALID, TroubleTime: -5 }, 'InvalidParameterValue'],
    ['TroubleTime float', { ...VALID, TroubleTime: 1700000000.5 }, 'InvalidParameter'],
    ['an empty RoomId', { ...VALID, RoomId: '' }, 'InvalidParameterValue'],
    ['an empty TroubleMsg', { ...VALID, TroubleMsg: '' }, 'InvalidParameterValue'],
    ['null TroubleMsg (the SDK drops nulls)', { ...VALID, TroubleMsg: null }, 'MissingParameter'],
  ];

  it.each(cases)('%s → %s', async (_name, params, code) => {
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', params));
    expect(err.code).toBe(code);
    expect(emu.created).toHaveLength(0);
    expect(emu.calls[0]?.outcome).toBe(code);
  });

  it.each(['1..8'].flatMap(() => [1, 2, 3, 4, 5, 6, 7, 8]))('TroubleType %i is accepted', async (t) => {
    await sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID, TroubleType: t });
    expect(emu.created[0]?.TroubleType).toBe(t);
  });

  it.each([
    ['not JSON', '{"SdkAppId":'],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a JSON string', '"hello"'],
    ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x7b])],
  ])('a signed body that is %s → InvalidParameter', async (_name, body) => {
    expect(errorCode(await raw({ headers: signedHeaders({ body }), body }))).toBe('InvalidParameter');
  });

  it('a JSON null value (raw) is a wrong type → InvalidParameter', async () => {
    const body = JSON.stringify({ ...VALID, RoomId: null });
    expect(errorCode(await raw({ headers: signedHeaders({ body }), body }))).toBe('InvalidParameter');
  });
});

describe('protocol', () => {
  it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'])('%s → UnsupportedProtocol', async (method) => {
    const body = JSON.stringify(VALID);
    expect(errorCode(await raw({ method, headers: signedHeaders({ body }), body }))).toBe('UnsupportedProtocol');
  });

  it('a path other than / → UnsupportedProtocol', async () => {
    const body = JSON.stringify(VALID);
    expect(errorCode(await raw({ path: '/v2', headers: signedHeaders({ body }), body }))).toBe('UnsupportedProtocol');
  });

  it('POST form-urlencoded (legacy v1) → UnsupportedProtocol', async () => {
    const body = 'Action=CreateTroubleInfo';
    const headers = signedHeaders({ body, contentType: 'application/x-www-form-urlencoded' });
    expect(errorCode(await raw({ headers, body }))).toBe('UnsupportedProtocol');
  });

  it('POST body over 10 MB → RequestSizeLimitExceeded', async () => {
    const body = Buffer.alloc(MAX_POST_BYTES + 1, 0x20);
    expect(errorCode(await raw({ headers: signedHeaders({ body }), body }))).toBe('RequestSizeLimitExceeded');
  });

  it('GET over 32 KB → RequestSizeLimitExceeded', async () => {
    const query = new URLSearchParams({ ...VALID, TroubleType: '3', TroubleTime: '1700000000', TroubleMsg: 'x'.repeat(33 * 1024) }).toString();
    const headers = signedHeaders({ method: 'GET', query });
    expect(errorCode(await raw({ method: 'GET', path: `/?${query}`, headers }))).toBe('RequestSizeLimitExceeded');
  });

  it('a hand-signed GET succeeds', async () => {
    const query = new URLSearchParams({ ...VALID, TroubleType: '8', TroubleTime: '1700000000' }).toString();
    const headers = signedHeaders({ method: 'GET', query });
    expect(envelope(await raw({ method: 'GET', path: `/?${query}`, headers })).Response.Error).toBeUndefined();
    expect(emu.created[0]?.TroubleType).toBe(8);
    // Changing the query after signing breaks the signature.
    const other = query.replace('TroubleType=8', 'TroubleType=7');
    expect(errorCode(await raw({ method: 'GET', path: `/?${other}`, headers }))).toBe('AuthFailure.SignatureFailure');
  });

  it('answers the real envelope shape with Content-Type application/json and no TraceId unless sent', async () => {
    const r = await raw({ headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const env = envelope(r);
    expect(Object.keys(env.Response).sort()).toEqual(['Error', 'RequestId']);
    expect(Object.keys(env.Response.Error ?? {}).sort()).toEqual(['Code', 'Message']);
    expect(env.Response.RequestId).toMatch(UUID_RE);
    expect(r.headers['x-tc-traceid']).toBeUndefined();
    const traced = await raw({ headers: { 'Content-Type': 'application/json', 'X-TC-TraceId': 'trace-123' }, body: '{}' });
    expect(traced.headers['x-tc-traceid']).toBe('trace-123');
  });

  it('survives garbage on the socket and keeps serving', async () => {
    const url = new URL(emu.url);
    for (const garbage of ['GARBAGE\r\n\r\n', 'POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n', '\x00\x01\x02\xff']) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => socket.end(garbage));
        socket.on('data', () => undefined);
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
    const res = await sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID });
    expect(res.RequestId).toMatch(UUID_RE);
  });

  it('never writes to stdout/stderr or the console', async () => {
    const spies = [
      vi.spyOn(process.stdout, 'write'),
      vi.spyOn(process.stderr, 'write'),
      vi.spyOn(console, 'log'),
      vi.spyOn(console, 'error'),
      vi.spyOn(console, 'warn'),
      vi.spyOn(console, 'info'),
      vi.spyOn(console, 'debug'),
    ];
    try {
      const client = sdk(asSdk(temporary));
      await client.request('CreateTroubleInfo', { ...VALID });
      await caught(sdk({ ...asSdk(temporary), secretKey: 'wrong' }).request('CreateTroubleInfo', { ...VALID }));
      await caught(client.request('CreateTroubleInfo', { ...VALID, TroubleType: 0 }));
      emu.inject({ kind: 'reset' });
      await caught(client.request('CreateTroubleInfo', { ...VALID }));
      await raw({ method: 'PUT', body: 'x' });
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('fault injection', () => {
  it.each([
    'RequestLimitExceeded',
    'InternalError',
    'InternalError.BackendTimeOut',
    'InvalidAction',
    'ActionOffline',
    'AuthFailure.SignatureExpire',
    'AuthFailure.TokenFailure',
    'ServiceUnavailable',
    'Some.Custom.Code',
  ])('api-error %s → HTTP 200 envelope, then the next call succeeds', async (code) => {
    emu.inject({ kind: 'api-error', code });
    const client = sdk(asSdk(temporary));
    const err = await caught(client.request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.requestId).toBe(emu.calls[0]?.requestId);
    expect(emu.calls[0]?.outcome).toBe(code);
    expect(emu.created).toHaveLength(0);
    await client.request('CreateTroubleInfo', { ...VALID });
    expect(emu.created).toHaveLength(1);
  });

  it('api-error uses realistic default messages and honours a custom one', async () => {
    const client = sdk(asSdk(temporary));
    emu.inject({ kind: 'api-error', code: 'RequestLimitExceeded' });
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).message).toMatch(/frequency limit `20`/);
    emu.inject({ kind: 'api-error', code: 'InvalidAction' });
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).message).toBe('The requested action `CreateTroubleInfo` does not exist.');
    emu.inject({ kind: 'api-error', code: 'InternalError', message: 'custom text' });
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).message).toBe('custom text');
  });

  it('faults are checked before authentication', async () => {
    emu.inject({ kind: 'api-error', code: 'RequestLimitExceeded' });
    const err = await caught(sdk({ secretId: 'AKIDnobody', secretKey: 'x' }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.code).toBe('RequestLimitExceeded');
  });

  it('http-status 502 → SDK error with httpCode 502 and no code', async () => {
    emu.inject({ kind: 'http-status', status: 502 });
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID }));
    expect(err.httpCode).toBe(502);
    expect(err.code).toBeUndefined();
    expect(err.message).toBe('Bad Gateway');
    expect(emu.calls[0]?.outcome).toBe('http-status');
    expect(emu.calls[0]?.params).toEqual(VALID);
  });

  it('http-status answers an HTML body', async () => {
    emu.inject({ kind: 'http-status', status: 503 });
    const r = await raw({ body: '{}' });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.text).toContain('503 Service Unavailable');
  });

  it('no-answer → the SDK times out (reqTimeout)', async () => {
    emu.inject({ kind: 'no-answer' });
    const started = Date.now();
    const err = await caught(sdk(asSdk(temporary), { reqTimeout: 1 }).request('CreateTroubleInfo', { ...VALID }));
    expect(err.message).toMatch(/network timeout/);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(emu.calls[0]?.outcome).toBe('no-answer');
    expect(emu.created).toHaveLength(0);
  });

  it('no-answer → an AbortSignal deadline aborts the call', async () => {
    emu.inject({ kind: 'no-answer' });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    try {
      const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID }, { signal: controller.signal }));
      expect(err.message).toMatch(/abort/i);
    } finally {
      clearTimeout(timer);
    }
  });

  it('no-answer → stop() still returns promptly and releases the held socket', async () => {
    const own = new TrtcEmulator({ credentials: [temporary] });
    await own.start();
    own.inject({ kind: 'no-answer' });
    const pending = caught(sdk(asSdk(temporary), { emulator: own, reqTimeout: 30 }).request('CreateTroubleInfo', { ...VALID }));
    await vi.waitFor(() => expect(own.calls).toHaveLength(1), { timeout: 3000, interval: 10 });
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    const err = await pending;
    expect(err.message).toMatch(/socket hang up|ECONNRESET/);
  });

  it('reset → ECONNRESET in the SDK error message', async () => {
    emu.inject({ kind: 'reset' });
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID }));
    expect(err.message).toMatch(/ECONNRESET/);
    expect(emu.calls[0]?.outcome).toBe('reset');
  });

  it('invalid-json → node-fetch FetchError of type invalid-json', async () => {
    emu.inject({ kind: 'invalid-json' });
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID }));
    expect(err.type).toBe('invalid-json');
    expect(emu.calls[0]?.outcome).toBe('invalid-json');
  });

  it('delay → answers normally after the delay', async () => {
    emu.inject({ kind: 'delay', ms: 300 });
    const started = Date.now();
    const res = await sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(emu.created).toEqual([{ ...VALID, RequestId: res.RequestId }]);
    expect(emu.calls[0]?.fault).toEqual({ kind: 'delay', ms: 300 });
  });

  it('delay → stop() during the delay returns promptly and nothing is created', async () => {
    const own = new TrtcEmulator({ credentials: [temporary] });
    await own.start();
    own.inject({ kind: 'delay', ms: 10_000 });
    const pending = caught(sdk(asSdk(temporary), { emulator: own, reqTimeout: 30 }).request('CreateTroubleInfo', { ...VALID }));
    await vi.waitFor(() => expect(own.calls).toHaveLength(1), { timeout: 3000, interval: 10 });
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await pending).message).toMatch(/socket hang up|ECONNRESET/);
    expect(own.created).toHaveLength(0);
  });

  it('delay still runs every check afterwards', async () => {
    emu.inject({ kind: 'delay', ms: 50 });
    const err = await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID, TroubleType: 0 }));
    expect(err.code).toBe('InvalidParameterValue');
  });

  it('inject(fault, 2) applies to exactly two calls', async () => {
    emu.inject({ kind: 'api-error', code: 'RequestLimitExceeded' }, 2);
    expect(emu.pendingFaults).toBe(2);
    const client = sdk(asSdk(temporary));
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).code).toBe('RequestLimitExceeded');
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).code).toBe('RequestLimitExceeded');
    const res = await client.request('CreateTroubleInfo', { ...VALID });
    expect(emu.calls.map((c) => c.outcome)).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok']);
    expect(emu.created).toEqual([{ ...VALID, RequestId: res.RequestId }]);
    expect(emu.pendingFaults).toBe(0);
  });

  it('faults queue in order across kinds', async () => {
    emu.inject({ kind: 'api-error', code: 'InternalError' });
    emu.inject({ kind: 'http-status', status: 500 });
    const client = sdk(asSdk(temporary));
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).code).toBe('InternalError');
    expect((await caught(client.request('CreateTroubleInfo', { ...VALID }))).httpCode).toBe(500);
    await client.request('CreateTroubleInfo', { ...VALID });
    expect(emu.calls.map((c) => c.outcome)).toEqual(['InternalError', 'http-status', 'ok']);
  });

  it('reset() clears calls, created and queued faults', async () => {
    emu.inject({ kind: 'api-error', code: 'InternalError' }, 3);
    await caught(sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID }));
    emu.reset();
    expect(emu.calls).toHaveLength(0);
    expect(emu.created).toHaveLength(0);
    expect(emu.pendingFaults).toBe(0);
    await sdk(asSdk(temporary)).request('CreateTroubleInfo', { ...VALID });
    expect(emu.created).toHaveLength(1);
  });

  it.each<[string, EmulatorFault]>([
    ['empty code', { kind: 'api-error', code: '' }],
    ['status 99', { kind: 'http-status', status: 99 }],
    ['status 600', { kind: 'http-status', status: 600 }],
    ['negative delay', { kind: 'delay', ms: -1 }],
  ])('inject rejects an invalid fault (%s)', (_name, fault) => {
    expect(() => emu.inject(fault)).toThrow(RangeError);
    expect(emu.pendingFaults).toBe(0);
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});
