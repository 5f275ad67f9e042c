import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_SCHEMA,
  CONFIG_VARIABLES,
  DEFAULT_ENDPOINT,
  DEFAULT_LISTEN,
  DEFAULT_REGION,
  DEFAULTS,
  LISTEN_VARIABLES,
  loadConfig,
  parseConfig,
  parseEndpoint,
  parseListenAddress,
  type Config,
  type ConfigResult,
} from '../../lib/config';

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

describe('loadConfig: reliability items 9 and 12', () => {
  it.each(['redis://127.0.0.1:99999', 'redis://:%zz@host:6379', 'redis://host/db', 'redis://host:6379/0?x=1', 'redis://'])(
    "REDIS_URL %s is refused with the store parser's reason, naming the variable",
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

describe('DEFAULTS, the one place a default is written', () => {
  it('has one schema row per variable and per field', () => {
    expect(new Set(CONFIG_SCHEMA.map((v) => v.name)).size).toBe(CONFIG_SCHEMA.length);
    expect(new Set(CONFIG_SCHEMA.map((v) => v.key)).size).toBe(CONFIG_SCHEMA.length);
    expect(CONFIG_VARIABLES).toEqual(CONFIG_SCHEMA.map((v) => v.name));
  });

  it('is what an empty environment parses to', () => {
    expect(configOf(parseConfig({}))).toStrictEqual(DEFAULTS);
  });

  /** The default column of the variables table in docs/configuration.md, by the row's first variable (first row wins). */
  function documentedDefaults(): Map<string, string> {
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const start = page.indexOf('## Variables');
    const section = page.slice(start, page.indexOf('\n## ', start + 1));
    const defaults = new Map<string, string>();
    for (const line of section.split('\n')) {
      const cells = /^\| `([A-Z_]+)`[^|]*\| ([^|]*) \|/.exec(line);
      if (cells && !defaults.has(cells[1]!)) defaults.set(cells[1]!, cells[2]!.trim());
    }
    return defaults;
  }

  it.each(CONFIG_SCHEMA.map((v) => [v.name, v.key] as const))('matches the documented default of %s', (name, key) => {
    const value = DEFAULTS[key];
    const shown =
      name === 'TRTC_ENDPOINT' ? `\`${DEFAULT_ENDPOINT}\`` : value === undefined || (Array.isArray(value) && value.length === 0) ? '—' : `\`${String(value)}\``;
    expect(documentedDefaults().get(name)).toBe(shown);
  });

  it('matches the documented defaults of PORT and HOST', () => {
    expect(documentedDefaults().get('PORT')).toBe(`\`${DEFAULT_LISTEN.port}\`, \`${DEFAULT_LISTEN.host}\``);
  });
});

describe('parseListenAddress (the standalone server)', () => {
  it('defaults to port 9000 on every interface', () => {
    expect(parseListenAddress({})).toStrictEqual({ ok: true, address: { port: 9000, host: '0.0.0.0' } });
    expect(parseListenAddress({ PORT: ' ', HOST: '' })).toStrictEqual({ ok: true, address: DEFAULT_LISTEN });
  });

  it('reads PORT (0 picks a free port) and HOST', () => {
    expect(parseListenAddress({ PORT: '0', HOST: ' 127.0.0.1 ' })).toStrictEqual({ ok: true, address: { port: 0, host: '127.0.0.1' } });
    expect(parseListenAddress({ PORT: '65535' })).toMatchObject({ ok: true, address: { port: 65_535 } });
  });

  it.each(['65536', '-1', '80a', '1e3', '123456'])('refuses PORT=%s, naming the variable', (port) => {
    expect(parseListenAddress({ PORT: port })).toStrictEqual({
      ok: false,
      errors: [`PORT must be a whole number from 0 to 65535, got "${port}"`],
    });
  });

  it('reads only PORT and HOST', () => {
    const read = new Set<string>();
    parseListenAddress(new Proxy<Record<string, string | undefined>>({}, { get: (_t, name) => (typeof name === 'string' && read.add(name), undefined) }));
    expect([...read].sort()).toEqual([...LISTEN_VARIABLES].sort());
  });
});
