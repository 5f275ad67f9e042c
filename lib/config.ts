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

export interface Config {
  /** TENCENTCLOUD_REGION, default ap-guangzhou. */
  readonly region: string;
  /** TRTC_ENDPOINT, default https://trtc.tencentcloudapi.com. */
  readonly endpoint: Endpoint;
  /** UPSTREAM_TIMEOUT_MS: the longest one call to TRTC may take, default 5000. */
  readonly upstreamTimeoutMs: number;
  /** DEADLINE_MARGIN_MS: time kept back to answer before the platform's limit, default 500. */
  readonly deadlineMarginMs: number;
  /** TIME_LIMIT_MS: the time limit when the platform gives none (standalone server, local runs), default 10000. */
  readonly timeLimitMs: number;
  /** LOG_LEVEL, default info. */
  readonly logLevel: LogLevel;
  /** BATCH_CONCURRENCY: calls in flight at once for a batch, default 4. */
  readonly batchConcurrency: number;
  /** BATCH_RATE_PER_SECOND: calls started per second for a batch, default 19 (TRTC allows 20). */
  readonly batchRatePerSecond: number;
  /** TRTC_RATE_PER_SECOND: with REDIS_URL, calls per second all instances together start, default 19.2; 0 = no shared quota. */
  readonly trtcRatePerSecond: number;
  /** REDIS_URL: idempotency store shared by all instances (redis:// or rediss://); unset = in-memory per instance. */
  readonly redisUrl?: string;
  /** IDEMPOTENCY_TTL_SECONDS: how long a recorded report is remembered, default 86400; 0 turns idempotency off. */
  readonly idempotencyTtlSeconds: number;
  /** IDEMPOTENCY_CACHE_SIZE: entries the in-memory store keeps per instance, default 10000. */
  readonly idempotencyCacheSize: number;
  /** ALLOWED_SDK_APP_IDS: comma-separated SdkAppIds this function may write to; unset = any. */
  readonly allowedSdkAppIds?: ReadonlySet<string>;
  /** AUTH_TOKEN: when set, HTTP callers must send `Authorization: Bearer <AUTH_TOKEN>`. */
  readonly authToken?: string;
  /** CORS_ALLOWED_ORIGINS: comma-separated origins allowed to call from a browser, or `*`; unset = no CORS. */
  readonly corsAllowedOrigins: readonly string[];
}

/**
 * The configuration when no variable is set: every default, in one place. It is also the configuration an invocation
 * runs its logging and answers with when its variables are invalid.
 */
export const DEFAULTS: Config = {
  region: 'ap-guangzhou',
  endpoint: { protocol: 'https://', host: 'trtc.tencentcloudapi.com' },
  upstreamTimeoutMs: 5000,
  deadlineMarginMs: 500,
  timeLimitMs: 10_000,
  logLevel: 'info',
  batchConcurrency: 4,
  batchRatePerSecond: 19,
  trtcRatePerSecond: 19.2,
  idempotencyTtlSeconds: 86_400,
  idempotencyCacheSize: 10_000,
  corsAllowedOrigins: [],
};

export const DEFAULT_ENDPOINT = `${DEFAULTS.endpoint.protocol}${DEFAULTS.endpoint.host}`;
export const DEFAULT_REGION = DEFAULTS.region;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, errors: string[]): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    errors.push(`${name} must be a whole number from ${min} to ${max}, got "${raw.slice(0, 32)}"`);
    return fallback;
  }
  return Number(raw);
}

/** A decimal number with at most one fractional digit, from min to max. */
function decimal(env: Env, name: string, fallback: number, min: number, max: number, errors: string[]): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]+(\.[0-9])?$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    errors.push(`${name} must be a number from ${min} to ${max} with at most one decimal, got "${raw.slice(0, 32)}"`);
    return fallback;
  }
  return Number(raw);
}

function list(env: Env, name: string): string[] | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
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

/** Every variable parseConfig reads (test/config-memo.test.ts checks the list against what it reads). */
export const CONFIG_VARIABLES = [
  'TENCENTCLOUD_REGION',
  'TRTC_ENDPOINT',
  'UPSTREAM_TIMEOUT_MS',
  'DEADLINE_MARGIN_MS',
  'TIME_LIMIT_MS',
  'LOG_LEVEL',
  'BATCH_CONCURRENCY',
  'BATCH_RATE_PER_SECOND',
  'TRTC_RATE_PER_SECOND',
  'REDIS_URL',
  'IDEMPOTENCY_TTL_SECONDS',
  'IDEMPOTENCY_CACHE_SIZE',
  'ALLOWED_SDK_APP_IDS',
  'AUTH_TOKEN',
  'CORS_ALLOWED_ORIGINS',
] as const;

let memo: { key: string; result: ConfigResult } | undefined;

/**
 * The configuration of `env`, read on every invocation: the variables' values are compared with the last parse
 * and the parsed result is reused while none changed (a warm instance parses once).
 */
export function loadConfig(env: Env): ConfigResult {
  let key = '';
  for (const name of CONFIG_VARIABLES) key += `${env[name] ?? '\u0000'}\u0001`;
  if (memo?.key !== key) memo = { key, result: parseConfig(env) };
  return memo.result;
}

export function parseConfig(env: Env): ConfigResult {
  const errors: string[] = [];
  const region = text(env, 'TENCENTCLOUD_REGION') ?? DEFAULT_REGION;
  if (!REGION.test(region)) errors.push(`TENCENTCLOUD_REGION must be a region such as ap-guangzhou, got "${region.slice(0, 32)}"`);
  const endpoint = parseEndpoint(text(env, 'TRTC_ENDPOINT') ?? DEFAULT_ENDPOINT);
  if (typeof endpoint === 'string') errors.push(endpoint);
  const logLevel = (text(env, 'LOG_LEVEL') ?? DEFAULTS.logLevel).toLowerCase();
  if (!LEVELS.includes(logLevel as LogLevel)) errors.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}`);
  const redisUrl = text(env, 'REDIS_URL');
  if (redisUrl !== undefined) {
    // The store's own parser, so a URL that passes here can never fail when the store is built.
    try {
      parseRedisUrl(redisUrl);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : 'REDIS_URL is not a valid redis:// or rediss:// URL');
    }
  }
  const apps = list(env, 'ALLOWED_SDK_APP_IDS');
  if (apps !== undefined && (apps.length === 0 || apps.some((id) => !/^[0-9]{1,20}$/.test(id)))) {
    errors.push('ALLOWED_SDK_APP_IDS must be a comma-separated list of SdkAppIds (digits)');
  }
  const authToken = text(env, 'AUTH_TOKEN');
  if (authToken !== undefined && authToken.length < 16) errors.push('AUTH_TOKEN must be at least 16 characters');
  // A bearer token is one run of visible characters: one with white space inside could never match a header.
  if (authToken !== undefined && !/^[\x21-\x7e]+$/.test(authToken)) {
    errors.push('AUTH_TOKEN must be printable ASCII without spaces (a bearer token with white space can never match)');
  }
  const origins = list(env, 'CORS_ALLOWED_ORIGINS') ?? [];
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      errors.push(`CORS_ALLOWED_ORIGINS entries must be origins like https://app.example.com or *, got "${origin.slice(0, 64)}"`);
    }
  }
  const config: Config = {
    region,
    endpoint: typeof endpoint === 'string' ? DEFAULTS.endpoint : endpoint,
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', DEFAULTS.upstreamTimeoutMs, 100, 60_000, errors),
    deadlineMarginMs: integer(env, 'DEADLINE_MARGIN_MS', DEFAULTS.deadlineMarginMs, 0, 10_000, errors),
    timeLimitMs: integer(env, 'TIME_LIMIT_MS', DEFAULTS.timeLimitMs, 1000, 900_000, errors),
    logLevel: LEVELS.includes(logLevel as LogLevel) ? (logLevel as LogLevel) : DEFAULTS.logLevel,
    batchConcurrency: integer(env, 'BATCH_CONCURRENCY', DEFAULTS.batchConcurrency, 1, 20, errors),
    batchRatePerSecond: integer(env, 'BATCH_RATE_PER_SECOND', DEFAULTS.batchRatePerSecond, 1, 20, errors),
    trtcRatePerSecond: decimal(env, 'TRTC_RATE_PER_SECOND', DEFAULTS.trtcRatePerSecond, 0, 20, errors),
    idempotencyTtlSeconds: integer(env, 'IDEMPOTENCY_TTL_SECONDS', DEFAULTS.idempotencyTtlSeconds, 0, 30 * 86_400, errors),
    idempotencyCacheSize: integer(env, 'IDEMPOTENCY_CACHE_SIZE', DEFAULTS.idempotencyCacheSize, 1, 1_000_000, errors),
    corsAllowedOrigins: origins,
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    ...(apps !== undefined ? { allowedSdkAppIds: new Set(apps) } : {}),
    ...(authToken !== undefined ? { authToken } : {}),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
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
