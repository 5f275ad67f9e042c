import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT, DEFAULT_REGION, loadConfig, parseEndpoint, type Config, type ConfigResult } from '../lib/config';

function configOf(result: ConfigResult): Config {
  if (!result.ok) throw new Error(`expected a config, got: ${result.errors.join('; ')}`);
  return result.config;
}

function errorsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected configuration errors');
  return result.errors;
}

describe('loadConfig', () => {
  it('an empty environment gives the defaults', () => {
    expect(configOf(loadConfig({}))).toMatchObject({
      region: DEFAULT_REGION,
      endpoint: { protocol: 'https://', host: 'trtc.tencentcloudapi.com' },
      upstreamTimeoutMs: 5000,
      deadlineMarginMs: 500,
      timeLimitMs: 10_000,
      logLevel: 'info',
    });
    expect(DEFAULT_ENDPOINT).toBe('https://trtc.tencentcloudapi.com');
    expect(DEFAULT_REGION).toBe('ap-guangzhou');
  });

  it('empty and white-space values count as unset', () => {
    const config = configOf(loadConfig({ TENCENTCLOUD_REGION: '', TRTC_ENDPOINT: '  ', UPSTREAM_TIMEOUT_MS: ' ', LOG_LEVEL: '' }));
    expect(config).toMatchObject({ region: DEFAULT_REGION, upstreamTimeoutMs: 5000, logLevel: 'info' });
  });

  it('reads every variable', () => {
    expect(
      configOf(
        loadConfig({
          TENCENTCLOUD_REGION: 'ap-shanghai',
          TRTC_ENDPOINT: 'http://127.0.0.1:8080',
          UPSTREAM_TIMEOUT_MS: '2500',
          DEADLINE_MARGIN_MS: '0',
          TIME_LIMIT_MS: '30000',
          LOG_LEVEL: 'DEBUG',
        }),
      ),
    ).toMatchObject({
      region: 'ap-shanghai',
      endpoint: { protocol: 'http://', host: '127.0.0.1:8080' },
      upstreamTimeoutMs: 2500,
      deadlineMarginMs: 0,
      timeLimitMs: 30_000,
      logLevel: 'debug',
    });
  });

  it.each([
    ['UPSTREAM_TIMEOUT_MS', '99'],
    ['UPSTREAM_TIMEOUT_MS', '60001'],
    ['UPSTREAM_TIMEOUT_MS', '5s'],
    ['UPSTREAM_TIMEOUT_MS', '-1'],
    ['UPSTREAM_TIMEOUT_MS', '1.5'],
    ['DEADLINE_MARGIN_MS', '10001'],
    ['TIME_LIMIT_MS', '999'],
    ['TENCENTCLOUD_REGION', 'Guangzhou'],
    ['TENCENTCLOUD_REGION', 'ap_guangzhou'],
    ['LOG_LEVEL', 'verbose'],
    ['TRTC_ENDPOINT', 'trtc.tencentcloudapi.com'],
  ])('%s=%j → an error naming the variable', (name, value) => {
    const errors = errorsOf(loadConfig({ [name]: value }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(name);
  });

  it('reports every bad variable at once', () => {
    expect(errorsOf(loadConfig({ UPSTREAM_TIMEOUT_MS: 'x', LOG_LEVEL: 'loud', TRTC_ENDPOINT: 'ftp://x' }))).toHaveLength(3);
  });

  it('accepts the bounds of the integer ranges', () => {
    expect(configOf(loadConfig({ UPSTREAM_TIMEOUT_MS: '100', DEADLINE_MARGIN_MS: '10000', TIME_LIMIT_MS: '900000' }))).toMatchObject({
      upstreamTimeoutMs: 100,
      deadlineMarginMs: 10_000,
      timeLimitMs: 900_000,
    });
  });
});

describe('parseEndpoint', () => {
  it.each([
    ['https://trtc.tencentcloudapi.com', { protocol: 'https://', host: 'trtc.tencentcloudapi.com' }],
    ['https://trtc.tencentcloudapi.com/', { protocol: 'https://', host: 'trtc.tencentcloudapi.com' }],
    ['http://127.0.0.1:8080', { protocol: 'http://', host: '127.0.0.1:8080' }],
    ['HTTP://LOCALHOST:9000', { protocol: 'http://', host: 'localhost:9000' }],
    ['https://trtc.tencentcloudapi.com:443', { protocol: 'https://', host: 'trtc.tencentcloudapi.com' }],
  ])('%s → %j', (raw, expected) => {
    expect(parseEndpoint(raw)).toEqual(expected);
  });

  it.each([
    'trtc.tencentcloudapi.com',
    'ftp://trtc.tencentcloudapi.com',
    'https://trtc.tencentcloudapi.com/v3',
    'https://trtc.tencentcloudapi.com/?a=1',
    'https://trtc.tencentcloudapi.com/#x',
    'https://user:pass@trtc.tencentcloudapi.com',
    'not a url',
  ])('%s → an error message', (raw) => {
    const result = parseEndpoint(raw);
    expect(typeof result).toBe('string');
    expect(result).toContain('TRTC_ENDPOINT');
  });

  it('never echoes credentials from the URL', () => {
    const result = parseEndpoint('https://AKIDsecret:verysecretkey@trtc.tencentcloudapi.com');
    expect(typeof result === 'string' ? result : '').not.toContain('verysecretkey');
  });
});

describe('loadConfig: issue 8, items 9 and 12', () => {
  it.each(['redis://127.0.0.1:99999', 'redis://:%zz@host:6379', 'redis://host/db', 'redis://host:6379/0?x=1', 'redis://'])(
    'REDIS_URL %s is refused with the store parser\'s reason, naming the variable',
    (url) => {
      const errors = errorsOf(loadConfig({ REDIS_URL: url }));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/REDIS_URL/);
      expect(errors[0]).not.toContain('%zz');
    },
  );

  it.each(['redis://127.0.0.1:6379', 'rediss://:p%40ss@10.0.0.5:6380/2', 'redis://user:pw@host'])('REDIS_URL %s is accepted', (url) => {
    expect(configOf(loadConfig({ REDIS_URL: url })).redisUrl).toBe(url);
  });

  it.each(['a token with spaces inside', 'tab\tseparated-token-value', 'non-ascii-tökén-value-xx'])('AUTH_TOKEN %j is refused', (token) => {
    expect(errorsOf(loadConfig({ AUTH_TOKEN: token })).join(' ')).toMatch(/AUTH_TOKEN .*without spaces/);
  });

  it('a printable AUTH_TOKEN of 16 characters or more is accepted (surrounding white space is trimmed)', () => {
    expect(configOf(loadConfig({ AUTH_TOKEN: '  0123456789abcdef!~  ' })).authToken).toBe('0123456789abcdef!~');
  });
});
