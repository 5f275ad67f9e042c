/**
 * Builds an Invocation (config, credentials, deadline, logger, client) for one event or one request. Configuration
 * and credentials are read here, once per invocation, never at module load, and handed down to every step.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS, loadConfig, type Config } from './config';
import { invocationDeadline, type DeadlineSource } from './deadline';
import type { Deadline } from './deadline';
import { createIdempotencyStore } from './idempotency/create';
import type { IdempotencyStore } from './idempotency/store';
import { sharedDeadLetterStore } from './dead-letter/create';
import type { DeadLetterStore } from './dead-letter/store';
import { createLogger, maskSecrets, type Logger, type LoggerOptions } from './log';
import { misconfigured } from './failures';
import { capText, failed, MAX_ERROR_MESSAGE_CHARS, type Outcome } from './outcome';
import { LocalPacer, RateLimitedClient } from './pacer';
import { FailoverLimiter, type RateLimiter } from './quota/limiter';
import { RedisRateLimiter } from './quota/redis';
import { HttpTroubleInfoClient, type TroubleInfoClient } from './trtc/client';
import { readRunRole, type CredentialsResult } from './trtc/credentials';
import type { Env } from './config';

/** What SCF passes as `context` (only the fields we use; all optional, none trusted). */
export interface ScfContext extends DeadlineSource {
  readonly request_id?: unknown;
  readonly function_name?: unknown;
  readonly function_version?: unknown;
}

export interface InvocationOptions {
  readonly env?: Env;
  readonly startedAt?: number;
  /** A client to use instead of the shared SDK client (the standalone server passes its own). */
  readonly client?: TroubleInfoClient;
  /** An idempotency store to use instead of the shared one. */
  readonly idempotency?: IdempotencyStore;
  readonly write?: (line: string) => void;
  /** The event source, recorded with a parked report. */
  readonly source?: string;
  /** The caller's trace id (a valid `traceparent`'s): in every log line as `trace_id`, and sent to TRTC. */
  readonly traceId?: string;
  /** Sees every log line of the invocation (the standalone server's metrics); see LoggerOptions.tap. */
  readonly tap?: LoggerOptions['tap'];
}

/** Everything one invocation needs, built once per invocation by the handler (or the server, per request). */
export interface Invocation {
  /** The platform's request id (SCF `context.request_id`) or one of ours. */
  readonly id: string;
  readonly config: Config;
  readonly env: Env;
  /** The run role's credentials, read once for this invocation (a failure names the variable to set). */
  readonly credentials: CredentialsResult;
  readonly deadline: Deadline;
  readonly log: Logger;
  /** Masks the current secret values (credentials, AUTH_TOKEN, Redis password) in a text that leaves the function. */
  readonly mask: (text: string) => string;
  readonly client: TroubleInfoClient;
  /** Where sent reports are remembered; undefined when idempotency is off (IDEMPOTENCY_TTL_SECONDS=0). */
  readonly idempotency?: IdempotencyStore;
  /** Where reports that are not sent again are parked (Redis, or one `error` log line each). */
  readonly deadLetters: DeadLetterStore;
  /** The event source (`http`, `direct`, `ckafka`, …), recorded with a parked report. */
  readonly source?: string;
  /** The caller's trace id, when it sent a valid `traceparent`; else the id serves as the trace id. */
  readonly traceId?: string;
  /** Set on the first invocation of this instance only (a cold start): ms from the process's start to this code loaded. */
  readonly initMs?: number;
}

/** Milliseconds from the process's start until this module was loaded: the instance's initialisation. */
const INIT_MS = Math.round(performance.now());
/** False until the first invocation of this instance opens. */
let warm = false;

/** `cold_start` for an invocation line, and on a cold start `init_ms`. */
export function startFields(inv: Pick<Invocation, 'initMs'>): { cold_start: boolean; init_ms?: number } {
  return inv.initMs === undefined ? { cold_start: false } : { cold_start: true, init_ms: inv.initMs };
}

export type Prepared = { ok: true; inv: Invocation } | { ok: false; inv: Invocation; errors: string[] };

let shared: { key: string; config: SharedConfig; client: TroubleInfoClient; limiter?: RateLimiter } | undefined;

type SharedConfig = Pick<Config, 'endpoint' | 'failoverEndpoint' | 'region' | 'redisUrl' | 'trtcRatePerSecond'>;

/**
 * One client per warm instance and configuration (the keep-alive pool is per process, in transport.ts). With
 * REDIS_URL and a TRTC_RATE_PER_SECOND above 0, every attempt first takes a slot from the quota shared by all
 * instances (lib/quota/redis.ts); when Redis fails, this instance is paced alone at that rate.
 */
export function sharedClient(config: SharedConfig): TroubleInfoClient {
  // The parsed configuration is reused while no variable changed (loadConfig): the same object, the same client.
  if (shared?.config === config) return shared.client;
  const quota = config.redisUrl !== undefined && config.trtcRatePerSecond > 0;
  const failover = config.failoverEndpoint === undefined || config.failoverEndpoint === 'off' ? (config.failoverEndpoint ?? '') : config.failoverEndpoint.host;
  const key = `${config.endpoint.protocol}${config.endpoint.host}|${failover}|${config.region}|${quota ? `${config.redisUrl}|${config.trtcRatePerSecond}` : ''}`;
  if (shared?.key === key) {
    shared = { ...shared, config };
    return shared.client;
  }
  void shared?.limiter?.close?.().catch(() => undefined);
  const http = new HttpTroubleInfoClient(config);
  if (quota) {
    const limiter = new FailoverLimiter(
      new RedisRateLimiter({ url: config.redisUrl!, ratePerSecond: config.trtcRatePerSecond }),
      new LocalPacer(config.trtcRatePerSecond),
    );
    shared = { key, config, client: new RateLimitedClient(http, limiter), limiter };
  } else {
    shared = { key, config, client: http };
  }
  return shared.client;
}

let sharedStore: { key: string; config: Config; store: IdempotencyStore } | undefined;

/**
 * One idempotency store per warm instance and configuration: the in-memory store must outlive invocations to be
 * of any use, and the Redis store keeps its connection. Undefined when idempotency is off.
 */
export function sharedIdempotencyStore(config: Config): IdempotencyStore | undefined {
  if (config.idempotencyTtlSeconds === 0) return undefined;
  if (sharedStore?.config === config) return sharedStore.store;
  const key = `${config.redisUrl ?? 'memory'}|${config.idempotencyCacheSize}`;
  if (sharedStore?.key === key) sharedStore = { ...sharedStore, config };
  else {
    const previous = sharedStore?.store;
    sharedStore = {
      key,
      config,
      store: createIdempotencyStore({ ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}), maxEntries: config.idempotencyCacheSize }),
    };
    void previous?.close().catch(() => undefined);
  }
  return sharedStore.store;
}

let configSecretsMemo: { config: Config; secrets: readonly string[] } | undefined;

/** Secret values from the configuration, masked in logs like the credentials (computed once per parsed configuration). */
function configSecrets(config: Config): readonly string[] {
  if (configSecretsMemo?.config === config) return configSecretsMemo.secrets;
  const out: string[] = [];
  if (config.authToken) out.push(config.authToken);
  if (config.metricsToken) out.push(config.metricsToken);
  if (config.redisUrl) {
    out.push(config.redisUrl);
    const password = /^rediss?:\/\/[^:@/]*:([^@/]+)@/.exec(config.redisUrl)?.[1];
    if (password) out.push(password, decodeURIComponent(password));
  }
  configSecretsMemo = { config, secrets: out };
  return out;
}

export function prepareInvocation(context: ScfContext | undefined, options: InvocationOptions = {}): Prepared {
  const env = options.env ?? process.env;
  const startedAt = options.startedAt ?? Date.now();
  const id = typeof context?.request_id === 'string' && context.request_id !== '' ? context.request_id : randomUUID();
  const loaded = loadConfig(env);
  const config = loaded.ok ? loaded.config : DEFAULTS;
  // The run role is read once here; every check, call and masked text of this invocation uses this reading.
  const role = readRunRole(env);
  const fromConfig = configSecrets(config);
  const secretList: readonly string[] = fromConfig.length === 0 ? role.secrets : [...role.secrets, ...fromConfig];
  const secrets = (): readonly string[] => secretList;
  const log = createLogger(
    { level: config.logLevel, secrets, ...(options.write ? { write: options.write } : {}), ...(options.tap ? { tap: options.tap } : {}) },
    options.traceId === undefined ? { request_id: id } : { request_id: id, trace_id: options.traceId },
  );
  const mask = (text: string): string => maskSecrets(text, secretList);
  const deadline = invocationDeadline(context, {
    startedAt,
    fallbackLimitMs: config.timeLimitMs,
    marginMs: config.deadlineMarginMs,
  });
  const idempotency = options.idempotency ?? (loaded.ok ? sharedIdempotencyStore(config) : undefined);
  const cold = !warm;
  warm = true;
  const inv: Invocation = {
    id,
    config,
    env,
    credentials: role.credentials,
    deadline,
    log,
    mask,
    client: options.client ?? sharedClient(config),
    ...(idempotency ? { idempotency } : {}),
    deadLetters: sharedDeadLetterStore(loaded.ok ? config : {}),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(cold ? { initMs: INIT_MS } : {}),
    ...(options.traceId === undefined ? {} : { traceId: options.traceId }),
  };
  return loaded.ok ? { ok: true, inv } : { ok: false, inv, errors: loaded.errors };
}

/** The id TRTC gets as X-TC-TraceId and the caller as X-Trace-Id: the caller's trace id, else the invocation's id. */
export function traceIdOfInvocation(inv: Pick<Invocation, 'id' | 'traceId'>): string {
  return inv.traceId ?? inv.id;
}

/** How an outcome is named in logs. */
export function outcomeName(outcome: Outcome | undefined): string {
  if (outcome === undefined) return 'none';
  if (outcome.ok) return outcome.replayed ? 'replayed' : 'sent';
  if (outcome.failure.parked !== undefined) return outcome.failure.parked === 'waiting' ? 'parked' : 'dead-lettered';
  return outcome.failure.retryable ? 'failed' : 'rejected';
}

/**
 * The one log line per invocation (or per HTTP request of the standalone server): source, outcome, status,
 * upstream RequestId, attempts, latency, plus `extra` (e.g. the HTTP request id).
 */
export function logInvocation(inv: Invocation, source: string, outcome: Outcome | undefined, startedAt: number, extra: Record<string, unknown> = {}): void {
  const fields = {
    source,
    outcome: outcomeName(outcome),
    status: outcome === undefined ? undefined : outcome.ok ? 200 : outcome.failure.status,
    code: outcome && !outcome.ok ? outcome.failure.code : undefined,
    // What went wrong, in the function's words (a configuration failure names the variable); capped and masked.
    message: outcome && !outcome.ok && outcome.failure.status >= 500 ? capText(outcome.failure.message, MAX_ERROR_MESSAGE_CHARS) : undefined,
    upstream_request_id: outcome === undefined ? undefined : outcome.ok ? outcome.requestId : outcome.failure.upstreamRequestId,
    attempts: outcome?.attempts ?? 0,
    latency_ms: Date.now() - startedAt,
    ...startFields(inv),
    ...extra,
  };
  if (outcome && !outcome.ok && outcome.failure.retryable) inv.log.error('invocation', fields);
  else inv.log.info('invocation', fields);
}

/** The outcome of an invocation whose configuration is invalid: a 500 naming every bad variable. */
export function configurationOutcome(errors: readonly string[]): Outcome {
  return failed(misconfigured(`invalid configuration: ${errors.join('; ')}`));
}

/**
 * The opening every entry shares (main_handler, each request of the standalone server): prepare the invocation,
 * and bind the one log line per invocation to its source and start. `misconfigured` is the configuration failure
 * (a 500 naming every bad variable) when the configuration is invalid, and then nothing else may run.
 */
export type OpenedInvocation = {
  readonly inv: Invocation;
  /** Writes the invocation's one log line; `extra` is added to the `fields` given to {@link openInvocation}. */
  readonly finish: (outcome: Outcome | undefined, extra?: Record<string, unknown>) => void;
} & ({ readonly ok: true } | { readonly ok: false; readonly errors: readonly string[]; readonly misconfigured: Outcome });

export function openInvocation(
  context: ScfContext | undefined,
  source: string,
  options: InvocationOptions & { readonly startedAt: number },
  fields: Record<string, unknown> = {},
): OpenedInvocation {
  const prepared = prepareInvocation(context, { source, ...options });
  const { inv } = prepared;
  const finish = (outcome: Outcome | undefined, extra: Record<string, unknown> = {}): void =>
    logInvocation(inv, source, outcome, options.startedAt, { ...fields, ...extra });
  if (prepared.ok) return { ok: true, inv, finish };
  return { ok: false, inv, finish, errors: prepared.errors, misconfigured: configurationOutcome(prepared.errors) };
}
