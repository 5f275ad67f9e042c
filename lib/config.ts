/**
 * Every environment variable the function reads, parsed and checked in one place. Read per invocation (it is
 * cheap), so a changed variable takes effect without a cold start and tests can set it per case.
 * Credentials are not here: see lib/trtc/credentials.ts.
 */
import { parseRedisUrl } from './parse/redis-url';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Endpoint {
  /** `https://` or `http://`, as the SDK wants it. */
  readonly protocol: 'https://' | 'http://';
  /** host[:port]. */
  readonly host: string;
}

/** The parsed configuration; each field is set by one row of {@link CONFIG_SCHEMA}, which documents it. */
export interface Config {
  readonly region: string;
  readonly endpoint: Endpoint;
  readonly failoverEndpoint?: Endpoint | 'off';
  readonly upstreamTimeoutMs: number;
  readonly deadlineMarginMs: number;
  readonly timeLimitMs: number;
  readonly logLevel: LogLevel;
  readonly batchConcurrency: number;
  readonly batchRatePerSecond: number;
  readonly trtcRatePerSecond: number;
  readonly redisUrl?: string;
  readonly idempotencyTtlSeconds: number;
  readonly idempotencyCacheSize: number;
  readonly deadLetterAfterDeliveries: number;
  readonly allowedSdkAppIds?: ReadonlySet<string>;
  readonly authToken?: string;
  readonly metricsToken?: string;
  readonly corsAllowedOrigins: readonly string[];
}

/** An environment: the process's, or one a test or the server passes (only strings or nothing). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A parser's answer: the value, or why the raw text is refused (the message names the variable). */
type Parsed<T> = { readonly value: T } | { readonly error: string };

/** One configuration variable: everything known about it, written once. */
export interface Variable<K extends keyof Config> {
  /** The environment variable. */
  readonly name: string;
  /** The field of {@link Config} it sets. */
  readonly key: K;
  /** The value when the variable is unset or blank (undefined: the field stays unset). */
  readonly fallback: Config[K];
  /** The default as the docs show it. */
  readonly shown: string;
  /** What it means, for the docs table (bounds included). */
  readonly doc: string;
  /** Parses the trimmed, non-empty text. */
  readonly parse: (raw: string) => Parsed<Config[K]>;
}

type AnyVariable = { [K in keyof Config]-?: Variable<K> }[keyof Config];

const quoted = (raw: string, max = 32): string => JSON.stringify(raw.slice(0, max));

function whole<K extends keyof Config>(name: string, key: K, fallback: number, min: number, max: number, doc: string): Variable<K> {
  return {
    name,
    key,
    fallback: fallback as Config[K],
    shown: `\`${fallback}\``,
    doc: `${doc} (${min}–${max})`,
    parse: (raw) =>
      /^[0-9]+$/.test(raw) && Number(raw) >= min && Number(raw) <= max
        ? { value: Number(raw) as Config[K] }
        : { error: `${name} must be a whole number from ${min} to ${max}, got ${quoted(raw)}` },
  };
}

/** An optional bearer token: at least 16 printable ASCII characters, no spaces. */
function bearerToken<K extends 'authToken' | 'metricsToken'>(name: string, key: K, doc: string): Variable<K> {
  return {
    name,
    key,
    fallback: undefined,
    shown: '—',
    doc: `${doc} (at least 16 printable ASCII characters, no spaces)`,
    parse: (raw) => {
      if (raw.length < 16) return { error: `${name} must be at least 16 characters` };
      // A bearer token is one run of visible characters: one with white space inside could never match a header.
      if (!/^[\x21-\x7e]+$/.test(raw)) return { error: `${name} must be printable ASCII without spaces (a bearer token with white space can never match)` };
      return { value: raw as Config[K] };
    },
  };
}

/** A comma-separated list, blanks dropped. */
function items(raw: string): string[] {
  return raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function parseEndpoint(raw: string): Endpoint | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `TRTC_ENDPOINT must be a URL such as https://trtc.tencentcloudapi.com or http://127.0.0.1:8080`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'TRTC_ENDPOINT must use http or https';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    return 'TRTC_ENDPOINT must be a bare origin (scheme, host and optional port) with no path, query or user';
  }
  return { protocol: url.protocol === 'https:' ? 'https://' : 'http://', host: url.host };
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** Every variable the function reads (the standalone server's PORT and HOST apart): one row each. */
export const CONFIG_SCHEMA: readonly AnyVariable[] = [
  {
    name: 'TENCENTCLOUD_REGION',
    key: 'region',
    fallback: 'ap-guangzhou',
    shown: '`ap-guangzhou`',
    doc: 'region sent as `X-TC-Region` (SCF sets it); a region name such as `ap-guangzhou`',
    parse: (raw) => (REGION.test(raw) ? { value: raw } : { error: `TENCENTCLOUD_REGION must be a region such as ap-guangzhou, got ${quoted(raw)}` }),
  },
  {
    name: 'TRTC_ENDPOINT',
    key: 'endpoint',
    fallback: { protocol: 'https://', host: 'trtc.tencentcloudapi.com' },
    shown: '`https://trtc.tencentcloudapi.com`',
    doc: 'full URL of the endpoint, e.g. `http://127.0.0.1:8080` for the emulator',
    parse: (raw) => {
      const endpoint = parseEndpoint(raw);
      return typeof endpoint === 'string' ? { error: endpoint } : { value: endpoint };
    },
  },
  {
    name: 'TRTC_FAILOVER_ENDPOINT',
    key: 'failoverEndpoint',
    fallback: undefined,
    shown: '—',
    doc:
      'URL of the endpoint used after failures that certainly did not reach TRTC (refused, host not found, TLS handshake), behind a breaker; ' +
      'unset: `https://trtc.<TENCENTCLOUD_REGION>.tencentcloudapi.com` when `TRTC_ENDPOINT` is the default, none otherwise; `off`: none; ' +
      'see [Endpoint failover](reliability.md#clock-skew-and-endpoint-failover)',
    parse: (raw) => {
      if (raw.toLowerCase() === 'off') return { value: 'off' };
      const endpoint = parseEndpoint(raw);
      return typeof endpoint === 'string' ? { error: endpoint.replace('TRTC_ENDPOINT', 'TRTC_FAILOVER_ENDPOINT') } : { value: endpoint };
    },
  },
  whole('UPSTREAM_TIMEOUT_MS', 'upstreamTimeoutMs', 5000, 100, 60_000, 'longest single call to TRTC'),
  whole('DEADLINE_MARGIN_MS', 'deadlineMarginMs', 500, 0, 10_000, "time kept back to answer before the platform's limit"),
  whole('TIME_LIMIT_MS', 'timeLimitMs', 10_000, 1000, 900_000, 'the time limit when the platform gives none, as for the standalone server and local runs'),
  {
    name: 'LOG_LEVEL',
    key: 'logLevel',
    fallback: 'info',
    shown: '`info`',
    doc: LEVELS.map((l) => `\`${l}\``).join(', '),
    parse: (raw) => {
      const level = raw.toLowerCase();
      return LEVELS.includes(level as LogLevel) ? { value: level as LogLevel } : { error: `LOG_LEVEL must be one of ${LEVELS.join(', ')}` };
    },
  },
  whole('BATCH_CONCURRENCY', 'batchConcurrency', 4, 1, 20, 'calls in flight at once for a batch'),
  whole('BATCH_RATE_PER_SECOND', 'batchRatePerSecond', 19, 1, 20, 'calls started per second for a batch, per instance, below the 20 TRTC allows'),
  {
    name: 'TRTC_RATE_PER_SECOND',
    key: 'trtcRatePerSecond',
    fallback: 19.2,
    shown: '`19.2`',
    doc:
      'with `REDIS_URL`: calls per second all instances together start, from one Redis schedule (0–20, one decimal; `0` = no shared quota); ' +
      'see [One quota for every instance](reliability.md#one-quota-for-every-instance)',
    parse: (raw) =>
      /^[0-9]+(\.[0-9])?$/.test(raw) && Number(raw) <= 20
        ? { value: Number(raw) }
        : { error: `TRTC_RATE_PER_SECOND must be a number from 0 to 20 with at most one decimal, got ${quoted(raw)}` },
  },
  {
    name: 'REDIS_URL',
    key: 'redisUrl',
    fallback: undefined,
    shown: '—',
    doc: "Redis for idempotency across instances (`redis://` or `rediss://`), checked with the store's own parser (port, database number, percent-encoding)",
    parse: (raw) => {
      // The store's own parser, so a URL that passes here can never fail when the store is built.
      try {
        parseRedisUrl(raw);
        return { value: raw };
      } catch (error) {
        return { error: error instanceof Error ? error.message : 'REDIS_URL is not a valid redis:// or rediss:// URL' };
      }
    },
  },
  whole(
    'IDEMPOTENCY_TTL_SECONDS',
    'idempotencyTtlSeconds',
    86_400,
    0,
    30 * 86_400,
    'how long a recorded report is remembered, in seconds; `0` turns idempotency off',
  ),
  whole('IDEMPOTENCY_CACHE_SIZE', 'idempotencyCacheSize', 10_000, 1, 1_000_000, 'entries kept by the in-memory store'),
  whole(
    'DEAD_LETTER_AFTER_DELIVERIES',
    'deadLetterAfterDeliveries',
    10,
    1,
    1000,
    "with `REDIS_URL`: a batch message (CKafka, CMQ, EventBridge) whose report failed this many deliveries is parked in the dead-letter store at the next failure instead of failing again (far below CKafka's default of 10,000 retries); see [Parked reports](reliability.md#parked-reports-the-dead-letter-store)",
  ),
  {
    name: 'ALLOWED_SDK_APP_IDS',
    key: 'allowedSdkAppIds',
    fallback: undefined,
    shown: '—',
    doc: 'comma-separated SdkAppIds (digits, at most 20) the function may write to; unset: any',
    parse: (raw) => {
      const apps = items(raw);
      return apps.length === 0 || apps.some((id) => !/^[0-9]{1,20}$/.test(id))
        ? { error: 'ALLOWED_SDK_APP_IDS must be a comma-separated list of SdkAppIds (digits)' }
        : { value: new Set(apps) };
    },
  },
  bearerToken('AUTH_TOKEN', 'authToken', 'bearer token HTTP callers must send'),
  bearerToken('METRICS_TOKEN', 'metricsToken', "bearer token a scraper must send to the standalone server's `GET /metrics` (unset: the metrics are open)"),
  {
    name: 'CORS_ALLOWED_ORIGINS',
    key: 'corsAllowedOrigins',
    fallback: [],
    shown: '—',
    doc: 'comma-separated origins (`https://app.example.com`) or `*`, allowed from browsers',
    parse: (raw) => {
      const origins = items(raw);
      const bad = origins.find((origin) => origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin));
      return bad !== undefined
        ? { error: `CORS_ALLOWED_ORIGINS entries must be origins like https://app.example.com or *, got ${quoted(bad, 64)}` }
        : { value: origins };
    },
  },
];

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/**
 * The configuration when no variable is set: every default, from the schema. It is also the configuration an
 * invocation runs its logging and answers with when its variables are invalid.
 */
export const DEFAULTS: Config = Object.freeze(
  Object.fromEntries(CONFIG_SCHEMA.filter((v) => v.fallback !== undefined).map((v) => [v.key, v.fallback])) as unknown as Config,
);

export const DEFAULT_ENDPOINT = `${DEFAULTS.endpoint.protocol}${DEFAULTS.endpoint.host}`;
export const DEFAULT_REGION = DEFAULTS.region;

/** Every variable parseConfig reads. */
export const CONFIG_VARIABLES: readonly string[] = CONFIG_SCHEMA.map((v) => v.name);

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

let memo: { values: readonly (string | undefined)[]; result: ConfigResult } | undefined;

/**
 * The configuration of `env`, read on every invocation: each variable's value is compared with the one of the last
 * parse and the parsed result (the same object) is reused while none changed, so a warm instance parses once and
 * a warm invocation reads each variable once without building anything.
 */
export function loadConfig(env: Env): ConfigResult {
  if (memo !== undefined && unchanged(env, memo.values)) return memo.result;
  memo = { values: CONFIG_VARIABLES.map((name) => env[name]), result: parseConfig(env) };
  return memo.result;
}

function unchanged(env: Env, values: readonly (string | undefined)[]): boolean {
  for (let i = 0; i < CONFIG_VARIABLES.length; i += 1) if (env[CONFIG_VARIABLES[i]!] !== values[i]) return false;
  return true;
}

export function parseConfig(env: Env): ConfigResult {
  const errors: string[] = [];
  const config: Record<string, unknown> = {};
  for (const variable of CONFIG_SCHEMA) {
    const raw = text(env, variable.name);
    const parsed = raw === undefined ? undefined : (variable.parse as (raw: string) => Parsed<unknown>)(raw);
    if (parsed !== undefined && 'error' in parsed) errors.push(parsed.error);
    const value = parsed !== undefined && 'value' in parsed ? parsed.value : variable.fallback;
    if (value !== undefined) config[variable.key] = value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: config as unknown as Config };
}

/** The standalone server's listening address (dist/server.js), read once at start-up. */
export interface ListenAddress {
  /** PORT: 0–65535, 0 picks a free port; default 9000, the SCF web-function port. */
  readonly port: number;
  /** HOST: default all interfaces, as SCF web functions and containers need. */
  readonly host: string;
}

export const DEFAULT_LISTEN: ListenAddress = { port: 9000, host: '0.0.0.0' };

/** The variables parseListenAddress reads. */
export const LISTEN_VARIABLES = ['PORT', 'HOST'] as const;

export type ListenResult = { ok: true; address: ListenAddress } | { ok: false; errors: string[] };

export function parseListenAddress(env: Env): ListenResult {
  const raw = text(env, 'PORT');
  if (raw !== undefined && (!/^[0-9]{1,5}$/.test(raw) || Number(raw) > 65_535)) {
    return { ok: false, errors: [`PORT must be a whole number from 0 to 65535, got "${raw.slice(0, 16)}"`] };
  }
  const port = raw === undefined ? DEFAULT_LISTEN.port : Number(raw);
  return { ok: true, address: { port, host: text(env, 'HOST') ?? DEFAULT_LISTEN.host } };
}
