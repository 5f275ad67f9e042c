/**
 * The standalone server's Prometheus metrics (`GET /metrics`, text format, prom-client). They are counted from the
 * log lines the function already writes (a logger tap sees every line, whatever LOG_LEVEL filters out), so the
 * event function itself carries no metrics code and its log lines and these metrics always agree. The table of
 * metrics is in docs/operations.md; every label takes a bounded set of values.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogFields, LoggerOptions } from '../log';

/** The prefix of the function's own metrics. */
export const METRIC_PREFIX = 'trtc_reporter_';

/** Upper bounds of the upstream latency histogram, in seconds (TRTC answers in tens of ms; attempts time out at 5 s). */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Upper bounds of the call-slot wait histogram, in seconds (slots are 52 ms apart at 19.2 calls per second). */
const QUOTA_WAIT_BUCKETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The outcomes an invocation line names (lib/invocation.ts, outcomeName). */
const OUTCOMES = new Set(['sent', 'replayed', 'failed', 'rejected']);

/** A label value from a log field: a short lower-case token, else "other" (bounded cardinality, whatever is logged). */
function token(value: unknown): string {
  return typeof value === 'string' && /^[a-z0-9][a-z0-9-]{0,39}$/.test(value) ? value : 'other';
}

/** An HTTP status as a label value: a three-digit number, else "none". */
function statusLabel(value: unknown): string {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? String(value) : 'none';
}

/** A duration field in milliseconds as seconds, or undefined when it is not a finite non-negative number. */
function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value / 1000 : undefined;
}

/** The server's metrics: its own registry, the tap for invocation loggers, and the in-flight gauge. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts one log line (LoggerOptions.tap). Never throws. */
  readonly tap: NonNullable<LoggerOptions['tap']>;
  /** Requests being served right now. */
  readonly inFlight: Gauge;
  /** The text exposition and its Content-Type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Node's default process metrics: one registry per process (they describe the process, not a server). */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A fresh registry with the function's metrics; rendered with Node's default process metrics. */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const defaults = processMetrics();
  const registers = [registry];
  const reports = new Counter({
    name: `${METRIC_PREFIX}reports_total`,
    help: 'Reports handled, by source, outcome (sent, replayed, failed, rejected) and HTTP status',
    labelNames: ['source', 'outcome', 'status'] as const,
    registers,
  });
  const attempts = new Counter({
    name: `${METRIC_PREFIX}upstream_attempts_total`,
    help: 'CreateTroubleInfo attempts, by outcome (ok or the failure kind) and whether a failed one may have recorded the report',
    labelNames: ['outcome', 'may_have_recorded'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${METRIC_PREFIX}upstream_latency_seconds`,
    help: 'Duration of one CreateTroubleInfo attempt, including any wait for a call slot',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const quotaWait = new Histogram({
    name: `${METRIC_PREFIX}quota_wait_seconds`,
    help: 'Wait for a TRTC call slot before an attempt (TRTC_RATE_PER_SECOND with REDIS_URL)',
    buckets: QUOTA_WAIT_BUCKETS,
    registers,
  });
  const replays = new Counter({
    name: `${METRIC_PREFIX}idempotency_replays_total`,
    help: 'Reports answered from the idempotency store without calling TRTC',
    registers,
  });
  const unconfirmed = new Counter({
    name: `${METRIC_PREFIX}idempotency_unconfirmed_total`,
    help: 'Idempotency keys left unconfirmed: the report failed after an attempt that may have recorded it',
    registers,
  });
  const held = new Counter({
    name: `${METRIC_PREFIX}idempotency_held_total`,
    help: 'Idempotency keys held: TRTC recorded the report but the store refused the result',
    registers,
  });
  const inFlight = new Gauge({
    name: `${METRIC_PREFIX}http_requests_in_flight`,
    help: 'HTTP requests the standalone server is serving right now',
    registers,
  });

  const tap = (_level: string, msg: string, fields: LogFields): void => {
    switch (msg) {
      case 'invocation': {
        const outcome = fields['outcome'];
        if (typeof outcome !== 'string' || !OUTCOMES.has(outcome)) return; // a preflight: no report
        reports.inc({ source: token(fields['source']), outcome, status: statusLabel(fields['status']) });
        if (outcome === 'replayed') replays.inc();
        return;
      }
      case 'trtc attempt':
      case 'trtc attempt failed': {
        const ok = msg === 'trtc attempt';
        const outcome = ok ? 'ok' : token(fields['outcome']);
        attempts.inc({ outcome, may_have_recorded: fields['may_have_recorded'] === true ? 'true' : 'false' });
        const took = seconds(fields['ms']);
        // A "quota" failure sent nothing: it is a wait, not a call.
        if (took !== undefined && outcome !== 'quota') latency.observe(took);
        return;
      }
      case 'trtc call slot': {
        const waited = seconds(fields['wait_ms']);
        if (waited !== undefined) quotaWait.observe(waited);
        return;
      }
      case 'key left unconfirmed: the report may be recorded':
        unconfirmed.inc();
        return;
      case 'report recorded but not remembered':
        if (fields['held'] === true) held.inc();
        return;
      default:
        return;
    }
  };

  return {
    registry,
    tap,
    inFlight,
    async render() {
      const everything = Registry.merge([defaults, registry]);
      return { contentType: everything.contentType, body: await everything.metrics() };
    },
  };
}
