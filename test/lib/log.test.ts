import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../lib/config';
import { createLogger, droppedLogLines, REDACTED, redact, type Logger } from '../../lib/log';

const SECRET_KEY_VALUE = 'tcSecretKeyValue-9f8e7d6c5b4a';
const TOKEN_VALUE = 'tcSessionTokenValue-0123456789abcdef';

interface Capture {
  readonly log: Logger;
  readonly lines: string[];
  /** Each written line parsed; fails unless it is exactly one JSON object followed by one newline. */
  records(): Record<string, unknown>[];
}

function capture(level: LogLevel = 'debug', secrets: () => readonly string[] = () => [SECRET_KEY_VALUE, TOKEN_VALUE]): Capture {
  const lines: string[] = [];
  const log = createLogger({ level, secrets, write: (line) => lines.push(line), now: () => new Date('2026-01-01T00:00:00.000Z') }, { request_id: 'r-1' });
  return {
    log,
    lines,
    records: () =>
      lines.map((line) => {
        expect(line.endsWith('\n')).toBe(true);
        expect(line.slice(0, -1)).not.toContain('\n');
        const parsed: unknown = JSON.parse(line);
        expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
        return parsed as Record<string, unknown>;
      }),
  };
}

function only(c: Capture): Record<string, unknown> {
  const records = c.records();
  expect(records).toHaveLength(1);
  const [record] = records;
  if (!record) throw new Error('unreachable');
  return record;
}

describe('log lines', () => {
  it('one JSON object per line, with level, time, msg and the base fields', () => {
    const c = capture();
    c.log.info('hello', { n: 1 });
    c.log.warn('second');
    expect(c.lines).toHaveLength(2);
    const [first, second] = c.records();
    expect(first).toEqual({ level: 'info', time: '2026-01-01T00:00:00.000Z', msg: 'hello', request_id: 'r-1', n: 1 });
    expect(second).toMatchObject({ level: 'warn', msg: 'second' });
  });

  it('line breaks inside messages and fields stay inside the one line', () => {
    const c = capture();
    c.log.error('line one\nline two\r\n', { detail: 'a\nb', list: ['x\ny'], err: new Error('multi\nline') });
    expect(only(c)).toMatchObject({ msg: 'line one\nline two\r\n', detail: 'a\nb' });
  });

  it('filters by level; silent writes nothing', () => {
    const warn = capture('warn');
    warn.log.debug('d');
    warn.log.info('i');
    warn.log.warn('w');
    warn.log.error('e');
    expect(warn.records().map((r) => r.level)).toEqual(['warn', 'error']);
    const silent = capture('silent');
    silent.log.error('e');
    expect(silent.lines).toEqual([]);
  });

  it('child loggers add their fields to every line', () => {
    const c = capture();
    c.log.child({ source: 'scf-api-gateway' }).info('x', { attempt: 2 });
    expect(only(c)).toMatchObject({ request_id: 'r-1', source: 'scf-api-gateway', attempt: 2 });
  });

  it('a field that cannot be serialised never throws', () => {
    const c = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => c.log.info('cyclic', { cyclic, big: 10n, fn: () => 1 })).not.toThrow();
    expect(c.records()).toHaveLength(1);
  });
});

describe('redaction by key name', () => {
  const keys = [
    'secret',
    'secretKey',
    'SecretId',
    'TENCENTCLOUD_SECRETKEY',
    'token',
    'sessionToken',
    'X-TC-Token',
    'password',
    'passwd',
    'Authorization',
    'authorisation',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
    'credential',
    'credentials',
    'signature',
    'X-TC-Signature',
  ];

  it.each(keys)('%s is redacted at the top level', (key) => {
    const c = capture('debug', () => []);
    c.log.info('x', { [key]: 'visible-value' });
    expect(only(c)[key]).toBe(REDACTED);
    expect(c.lines.join('')).not.toContain('visible-value');
  });

  it.each(keys)('%s is redacted when nested in objects and arrays', (key) => {
    const c = capture('debug', () => []);
    c.log.info('x', { request: { headers: { [key]: 'visible-value' } }, list: [{ inner: [{ [key]: 'visible-value' }] }] });
    const record = only(c);
    expect(record.request).toEqual({ headers: { [key]: REDACTED } });
    expect(record.list).toEqual([{ inner: [{ [key]: REDACTED }] }]);
  });

  it('a secret-named key hides a whole object or array, not just strings', () => {
    const c = capture('debug', () => []);
    c.log.info('x', { credentials: { secretId: 'AKID', secretKey: 'k' }, tokens: ['a', 'b'], signature: 12345 });
    const record = only(c);
    expect(record.credentials).toBe(REDACTED);
    expect(record.tokens).toBe(REDACTED);
    expect(record.signature).toBe(REDACTED);
  });

  it('nothing under a secret-named key leaks however deep it is', () => {
    let nested: Record<string, unknown> = { token: 'deep-visible-value', password: 'deep-visible-value' };
    for (let i = 0; i < 12; i++) nested = { level: nested };
    const c = capture('debug', () => []);
    c.log.info('deep', { nested });
    expect(c.records()).toHaveLength(1);
    expect(c.lines.join('')).not.toContain('deep-visible-value');
  });

  it('ordinary keys are kept', () => {
    const c = capture('debug', () => []);
    c.log.info('x', { attempt: 1, upstream_request_id: 'abc', code: 'InternalError', status: 502 });
    expect(only(c)).toMatchObject({ attempt: 1, upstream_request_id: 'abc', code: 'InternalError', status: 502 });
  });
});

describe('masking registered secret values', () => {
  it('masks them inside any string: the message, nested values, arrays, error messages', () => {
    const c = capture();
    c.log.error(`signing with ${SECRET_KEY_VALUE}`, {
      url: `https://x/?k=${SECRET_KEY_VALUE}&t=${TOKEN_VALUE}`,
      nested: { deeper: { text: `prefix${TOKEN_VALUE}suffix` } },
      list: [`${SECRET_KEY_VALUE}`, 1, { v: TOKEN_VALUE }],
      err: new Error(`bad token ${TOKEN_VALUE}`),
    });
    const line = c.lines.join('');
    expect(line).not.toContain(SECRET_KEY_VALUE);
    expect(line).not.toContain(TOKEN_VALUE);
    const record = only(c);
    expect(record.msg).toBe(`signing with ${REDACTED}`);
    expect(record.url).toBe(`https://x/?k=${REDACTED}&t=${REDACTED}`);
    expect(record.nested).toEqual({ deeper: { text: `prefix${REDACTED}suffix` } });
    expect(record.list).toEqual([REDACTED, 1, { v: REDACTED }]);
    expect(record.err).toEqual({ name: 'Error', message: `bad token ${REDACTED}` });
  });

  it('masks every occurrence', () => {
    const c = capture();
    c.log.info(`${SECRET_KEY_VALUE}/${SECRET_KEY_VALUE}`);
    expect(only(c).msg).toBe(`${REDACTED}/${REDACTED}`);
  });

  it('reads the secrets when each line is written (rotated keys are masked too)', () => {
    let secrets: string[] = ['first-secret-value'];
    const lines: string[] = [];
    const log = createLogger({ level: 'info', secrets: () => secrets, write: (l) => lines.push(l) });
    log.info('first-secret-value');
    secrets = ['second-secret-value'];
    log.info('second-secret-value');
    expect(lines.join('')).not.toContain('first-secret-value');
    expect(lines.join('')).not.toContain('second-secret-value');
  });
});

describe('errors in logs', () => {
  class SdkLikeError extends Error {
    override readonly name = 'TencentCloudSDKHttpException';
    readonly requestId = 'rid-1';
    readonly code = 'InternalError';
  }

  it.each([
    ['an Error', new Error('boom'), 'Error'],
    ['a TypeError', new TypeError('bad type'), 'TypeError'],
    ['a subclass with extra fields', new SdkLikeError('upstream said no'), 'TencentCloudSDKHttpException'],
  ])('%s appears as name and message only, no stack', (_label, error, name) => {
    const c = capture();
    c.log.error('failed', { error });
    expect(only(c).error).toEqual({ name, message: error.message });
    expect(c.lines.join('')).not.toContain('stack');
    expect(c.lines.join('')).not.toMatch(/\bat .*\.ts:\d+/);
    const nested = capture();
    nested.log.error('failed', { nested: { list: [error] } });
    expect(only(nested).nested).toEqual({ list: [{ name, message: error.message }] });
  });

  it('the same Error under two fields appears as name and message in both (a repeated reference is not a cycle)', () => {
    const error = new Error('boom');
    const c = capture();
    c.log.error('failed', { error, nested: { list: [error] } });
    const record = only(c);
    expect(record.error).toEqual({ name: 'Error', message: 'boom' });
    expect(record.nested).toEqual({ list: [{ name: 'Error', message: 'boom' }] });
  });

  it('an Error with a cause still shows name and message only', () => {
    const c = capture();
    c.log.error('failed', { error: new Error('outer', { cause: new Error('inner') }) });
    expect(only(c).error).toEqual({ name: 'Error', message: 'outer' });
  });
});

describe('redact', () => {
  it('returns a copy and leaves the input alone', () => {
    const input = { token: 't', keep: { value: `x${SECRET_KEY_VALUE}` } };
    const out = redact(input, [SECRET_KEY_VALUE]);
    expect(out).toEqual({ token: REDACTED, keep: { value: `x${REDACTED}` } });
    expect(input).toEqual({ token: 't', keep: { value: `x${SECRET_KEY_VALUE}` } });
  });

  it('keeps numbers, booleans and null; drops functions and symbols', () => {
    expect(redact({ n: 1, b: false, z: null, f: () => 1, s: Symbol('x') })).toEqual({ n: 1, b: false, z: null, f: undefined, s: undefined });
  });

  it('masks a secret inside a bare string', () => {
    expect(redact(`a${TOKEN_VALUE}b`, [TOKEN_VALUE])).toBe(`a${REDACTED}b`);
  });
});

describe('a failing sink', () => {
  it('a write that throws (a closed stream) never reaches the caller; the line is counted as dropped', () => {
    const log = createLogger({
      level: 'info',
      write: () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
    });
    const before = droppedLogLines();
    expect(() => log.info('request', { status: 200 })).not.toThrow();
    expect(() => log.child({ a: 1 }).error('again')).not.toThrow();
    expect(droppedLogLines()).toBe(before + 2);
  });
});

describe('lines LOG_LEVEL drops', () => {
  it('cost nothing: the secrets are not even read for them', () => {
    let reads = 0;
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', secrets: () => ((reads += 1), [SECRET_KEY_VALUE]), write: (l) => lines.push(l) });
    log.debug('dropped', { value: SECRET_KEY_VALUE });
    log.info('dropped', { value: SECRET_KEY_VALUE });
    expect(reads).toBe(0);
    expect(lines).toEqual([]);
    log.warn('kept', { value: SECRET_KEY_VALUE, nested: { note: `key ${SECRET_KEY_VALUE}` } });
    expect(reads).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET_KEY_VALUE);
  });
});
