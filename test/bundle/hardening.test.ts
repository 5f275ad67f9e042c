/**
 * Who may write where, through the built bundle: the SdkAppId allow-list (403), the bearer token (401, constant-
 * time compare), CORS with an origin allow-list and preflight, methods, media types and body size — none of these
 * refusals sends anything upstream, and an invalid security setting is a configuration error, not an open door.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { distinctReport } from '../support/fixtures';
import { loadBundle } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { captureStdout } from '../support/logs';

const { emulator } = useEmulator({ IDEMPOTENCY_TTL_SECONDS: '0' });
const TOKEN = 'tok_4f9c2b7e8a1d6053e2b9c4a7';

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...distinctReport('feedback', { TroubleType: 7 }), ...overrides };
}

function event(method: string, headers: Record<string, string>, body?: string): unknown {
  return { httpMethod: method, path: '/', headers, queryString: {}, ...(body === undefined ? {} : { body }) };
}

async function send(env: Record<string, string | undefined>, ev: unknown): Promise<{ answer: Answer; lines: string[] }> {
  const undo = withEnv(env);
  try {
    const run = await captureStdout(() => loadBundle().main_handler(ev, { request_id: randomUUID(), time_limit_in_ms: 5000 }));
    expect(run.error).toBeUndefined();
    return { answer: run.value as Answer, lines: run.lines };
  } finally {
    undo();
  }
}

const json = { 'content-type': 'application/json' };
const code = (a: Answer): string | undefined => (JSON.parse(a.body) as { Response: { Error?: { Code: string } } }).Response.Error?.Code;

describe('SdkAppId allow-list (ALLOWED_SDK_APP_IDS)', () => {
  it('refuses an application outside the list with 403 and sends nothing; lets a listed one through', async () => {
    const env = { ALLOWED_SDK_APP_IDS: '1400000001, 1400188366' };
    const refused = await send(env, event('POST', json, JSON.stringify(report({ SdkAppId: '1400999999' }))));
    expect(refused.answer.statusCode).toBe(403);
    expect(code(refused.answer)).toBe('UnauthorizedOperation.SdkAppId');
    expect(emulator.calls).toHaveLength(0);
    const allowed = await send(env, event('POST', json, JSON.stringify(report())));
    expect(allowed.answer.statusCode).toBe(200);
    expect(emulator.calls).toHaveLength(1);
  });

  it('skips a batch record outside the list as poison instead of failing the batch', async () => {
    const undo = withEnv({ ALLOWED_SDK_APP_IDS: '1400188366' });
    try {
      const batch = {
        EventList: [report(), report({ SdkAppId: '1400999999' })].map((data, i) => ({
          specversion: '1.0',
          id: `ev-${i}-${randomUUID()}`,
          source: 'classroom.app',
          type: 't',
          data,
        })),
      };
      const run = await captureStdout(() => loadBundle().main_handler(batch, { request_id: randomUUID(), time_limit_in_ms: 5000 }));
      expect(run.value).toMatchObject({ sent: 1, skipped: 1, failed: 0 });
      expect(emulator.calls).toHaveLength(1);
    } finally {
      undo();
    }
  });
});

describe('caller authentication (AUTH_TOKEN)', () => {
  const env = { AUTH_TOKEN: TOKEN };

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }],
    ['a token that is a prefix of the right one', { authorization: `Bearer ${TOKEN.slice(0, 10)}` }],
    ['the right token with another scheme', { authorization: `Basic ${TOKEN}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('answers 401 for %s, sending nothing', async (_name, headers) => {
    const { answer, lines } = await send(env, event('POST', { ...json, ...headers }, JSON.stringify(report())));
    expect(answer.statusCode).toBe(401);
    expect(code(answer)).toBe('AuthFailure.Unauthorized');
    expect(answer.headers['WWW-Authenticate']).toBe('Bearer');
    expect(emulator.calls).toHaveLength(0);
    for (const line of lines) expect(line).not.toContain(TOKEN);
  });

  it('accepts the right token (scheme in any case) and never logs it', async () => {
    // At debug level the function logs the invocation and the call: there are lines in which the token could leak.
    const { answer, lines } = await send(
      { ...env, LOG_LEVEL: 'debug' },
      event('POST', { ...json, Authorization: `bearer ${TOKEN}` }, JSON.stringify(report())),
    );
    expect(answer.statusCode).toBe(200);
    expect(emulator.calls).toHaveLength(1);
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toContain('invocation');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).not.toContain(TOKEN);
  });

  it('never logs a refused token either, at any level', async () => {
    const wrong = `${TOKEN.slice(0, -1)}X`;
    const { answer, lines } = await send(
      { ...env, LOG_LEVEL: 'debug' },
      event('POST', { ...json, Authorization: `Bearer ${wrong}` }, JSON.stringify(report())),
    );
    expect(answer.statusCode).toBe(401);
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('invocation');
    for (const line of lines) {
      expect(line).not.toContain(wrong);
      expect(line).not.toContain(TOKEN);
    }
  });

  it('checks the token before reading the body: a bad body from an unauthenticated caller is still 401', async () => {
    const { answer } = await send(env, event('POST', json, '{not json'));
    expect(answer.statusCode).toBe(401);
  });

  it('treats a too-short AUTH_TOKEN as a configuration error (500), never as "no authentication"', async () => {
    const { answer } = await send({ AUTH_TOKEN: 'short' }, event('POST', json, JSON.stringify(report())));
    expect(answer.statusCode).toBe(500);
    expect(code(answer)).toBe('InternalError.Configuration');
    expect(emulator.calls).toHaveLength(0);
  });
});

describe('CORS (CORS_ALLOWED_ORIGINS)', () => {
  const env = { CORS_ALLOWED_ORIGINS: 'https://classroom.example.com,https://admin.example.com' };

  it('answers a preflight from an allowed origin with the allowed methods and headers', async () => {
    const { answer } = await send(env, event('OPTIONS', { origin: 'https://classroom.example.com', 'access-control-request-method': 'POST' }));
    expect(answer.statusCode).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://classroom.example.com');
    expect(answer.headers['Access-Control-Allow-Methods']).toBe('GET, POST, OPTIONS');
    expect(answer.headers['Access-Control-Allow-Headers']).toContain('Idempotency-Key');
    expect(answer.headers['Vary']).toBe('Origin');
    expect(emulator.calls).toHaveLength(0);
  });

  it('gives no CORS headers to another origin, on preflight or on the request', async () => {
    const pre = await send(env, event('OPTIONS', { origin: 'https://evil.example.net' }));
    expect(pre.answer.headers['Access-Control-Allow-Origin']).toBeUndefined();
    const post = await send(env, event('POST', { ...json, origin: 'https://evil.example.net' }, JSON.stringify(report())));
    expect(post.answer.headers['Access-Control-Allow-Origin']).toBeUndefined();
  });

  it('adds the origin to the answer of an allowed cross-origin request, error answers included', async () => {
    const ok = await send(env, event('POST', { ...json, origin: 'https://admin.example.com' }, JSON.stringify(report())));
    expect(ok.answer.statusCode).toBe(200);
    expect(ok.answer.headers['Access-Control-Allow-Origin']).toBe('https://admin.example.com');
    const bad = await send(env, event('POST', { ...json, origin: 'https://admin.example.com' }, '{}'));
    expect(bad.answer.statusCode).toBe(400);
    expect(bad.answer.headers['Access-Control-Allow-Origin']).toBe('https://admin.example.com');
  });
});

describe('methods, media types, sizes', () => {
  it.each([
    ['PUT', json, JSON.stringify(report()), 405, 'UnsupportedProtocol'],
    ['DELETE', {}, undefined, 405, 'UnsupportedProtocol'],
    ['POST', { 'content-type': 'text/plain' }, 'video froze', 415, 'UnsupportedMediaType'],
    ['POST', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415, 'UnsupportedMediaType'],
    ['POST', json, JSON.stringify({ ...report(), TroubleMsg: 'x'.repeat(70 * 1024) }), 413, 'RequestSizeLimitExceeded'],
  ])('%s %j → %i', async (method, headers, body, status, errorCode) => {
    const { answer } = await send({}, event(method, headers, body));
    expect(answer.statusCode).toBe(status);
    expect(code(answer)).toBe(errorCode);
    if (status === 405) expect(answer.headers['Allow']).toBe('GET, POST, OPTIONS');
    expect(emulator.calls).toHaveLength(0);
  });

  it('parses __proto__ and constructor as unknown parameters without touching any prototype', async () => {
    const body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(report()).slice(1)}`;
    const { answer } = await send({}, event('POST', json, body));
    expect(answer.statusCode).toBe(400);
    expect(code(answer)).toBe('UnknownParameter');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(emulator.calls).toHaveLength(0);
  });
});
