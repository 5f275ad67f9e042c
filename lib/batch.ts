/**
 * Batch semantics for CKafka, CMQ and EventBridge: every record is read and validated on its own and sent with
 * one call; an invalid record is a poison message (logged, counted, skipped, never retried); a record whose call
 * failed in a way worth retrying makes the invocation throw at the end, after every other record was tried, so
 * the platform redelivers the batch. Calls run with bounded concurrency under a rate, and no call is started when
 * the time left would not cover one. A configuration failure (no credentials) fails every record as retryable. An
 * idempotency verdict never makes a record poison. The summary stays under {@link MAX_SUMMARY_BYTES}.
 */
import { MAX_SUMMARY_ERROR_CHARS, MAX_SUMMARY_KEY_CHARS, summarise, type BatchSummary, type RecordResult } from './batch-summary';
import { BatchIncompleteError } from './errors';
import { keyReused, misconfigured } from './failures';
import { capText, failed, type Failure, type Outcome } from './outcome';
import { PacedClient } from './pacer';
import { startFields, type Invocation } from './invocation';
import { checkReport, deliverOnce } from './pipeline';
import { parkIfFailedTooOften } from './dead-letter-after';
import type { SourceName } from './sources/names';
import type { BatchRecord } from './sources/types';

export interface BatchOptions {
  readonly concurrency: number;
  /** The time one call is expected to take before any was measured. */
  readonly initialCallEstimateMs?: number;
}

/** An idempotency verdict is about the store key, not the message: it never makes a record poison. */
function isPoison(failure: Failure): boolean {
  return !failure.retryable && failure.code !== keyReused().code && failure.parked === undefined;
}

function resultOf(record: BatchRecord, outcome: Outcome): RecordResult {
  const key = record.identity !== undefined ? { key: capText(record.identity, MAX_SUMMARY_KEY_CHARS) } : {};
  if (outcome.ok) {
    return { index: record.index, ...key, status: 'sent', requestId: outcome.requestId, ...(outcome.replayed ? { replayed: true } : {}) };
  }
  const { failure } = outcome;
  const status = failure.parked === 'given-up' ? 'deadLettered' : failure.parked === 'waiting' ? 'parked' : isPoison(failure) ? 'skipped' : 'failed';
  return {
    index: record.index,
    ...key,
    status,
    ...(failure.upstreamRequestId ? { requestId: failure.upstreamRequestId } : {}),
    error: { code: failure.code, message: capText(failure.message, MAX_SUMMARY_ERROR_CHARS) },
  };
}

/** Processes every record; never throws (the presenter decides). */
export async function processBatch(source: SourceName, records: readonly BatchRecord[], inv: Invocation, options: BatchOptions): Promise<BatchSummary> {
  const results: RecordResult[] = new Array<RecordResult>(records.length);
  // No call is started unless the time left covers the longest call seen so far (or the initial estimate).
  let longestCallMs: number | undefined;
  const callEstimateMs = (): number => longestCallMs ?? options.initialCallEstimateMs ?? 1000;
  let next = 0;

  let needsFix: Failure | undefined;
  const processOne = async (record: BatchRecord): Promise<RecordResult> => {
    if (!record.params.ok) return resultOf(record, failed(record.params.failure));
    const checked = checkReport(record.params.value, inv);
    if (!checked.ok) return resultOf(record, checked.outcome);
    if (inv.deadline.remaining() < callEstimateMs()) {
      return {
        index: record.index,
        ...(record.identity !== undefined ? { key: record.identity } : {}),
        status: 'failed',
        error: { code: 'UpstreamTimeout', message: 'not attempted: the time left in this invocation would not cover a call' },
      };
    }
    const started = Date.now();
    // The adapter decided the key (message identity and report fingerprint, or the report alone).
    const key = record.identity !== undefined ? record.idempotencyKey(checked.report) : undefined;
    const sent = await deliverOnce(checked.report, inv, record.idempotencyKey(checked.report), `${inv.id}:${record.index}`);
    longestCallMs = Math.max(longestCallMs ?? 0, Date.now() - started);
    // A message that keeps failing is parked after DEAD_LETTER_AFTER_DELIVERIES, so its partition moves on.
    const outcome = key !== undefined ? await parkIfFailedTooOften(checked.report, key, sent, inv) : sent;
    if (!outcome.ok && outcome.failure.needsFix) needsFix ??= outcome.failure;
    return resultOf(record, outcome);
  };

  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const record = records[next]!;
      next += 1;
      const result = await processOne(record);
      results[record.index] = result;
      if (result.status === 'skipped') {
        inv.log.warn('poison record skipped', { index: result.index, key: result.key, code: result.error?.code, reason: result.error?.message });
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, records.length)) }, worker);
  await Promise.all(workers);
  return summarise(source, results, needsFix);
}

/** Every record failed (retryable) with the same failure: the function cannot send any of them. */
function failEvery(source: SourceName, records: readonly BatchRecord[], failure: Failure): BatchSummary {
  return summarise(
    source,
    records.map((record) => resultOf(record, failed(failure))),
    failure,
  );
}

/**
 * A batch invocation: paces the calls, processes every record, logs the invocation line, and returns the
 * summary, or throws BatchIncompleteError when some record should be redelivered.
 */
export async function runBatch(source: SourceName, records: readonly BatchRecord[], inv: Invocation, startedAt: number): Promise<BatchSummary> {
  // The function's configuration, not the records: every record fails as retryable and the batch is redelivered.
  const { credentials } = inv;
  const summary = credentials.ok
    ? await processBatch(
        source,
        records,
        { ...inv, client: new PacedClient(inv.client, inv.config.batchRatePerSecond) },
        { concurrency: inv.config.batchConcurrency },
      )
    : failEvery(source, records, misconfigured(credentials.message));
  const fix = summary.failed > 0 ? summary.fix : undefined;
  const fields = {
    source,
    outcome: summary.failed > 0 ? 'failed' : summary.skipped > 0 ? 'partial' : 'sent',
    total: summary.total,
    sent: summary.sent,
    replayed: summary.records.filter((r) => r.replayed).length,
    ...(summary.deadLettered ? { dead_lettered: summary.deadLettered } : {}),
    ...(summary.parked ? { parked: summary.parked } : {}),
    skipped: summary.skipped,
    failed: summary.failed,
    ...(fix
      ? {
          code: fix.code,
          fix: fix.message,
          consequence: "every record is kept for redelivery (the batch throws) until the deployment is fixed or the trigger's retries run out",
        }
      : {}),
    latency_ms: Date.now() - startedAt,
    ...startFields(inv),
  };
  if (summary.failed > 0) {
    inv.log.error('invocation', fields);
    throw new BatchIncompleteError(summary, inv.mask);
  }
  inv.log.info('invocation', fields);
  return summary;
}
