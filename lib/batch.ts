/**
 * Batch semantics for CKafka, CMQ and EventBridge: every record is read and validated on its own and sent with
 * one call; an invalid record is a poison message (logged, counted, skipped, never retried); a record whose call
 * failed in a way worth retrying makes the invocation throw at the end, after every other record was tried, so
 * the platform redelivers the batch. Calls run with bounded concurrency under a rate, and no call is started when
 * the time left would not cover one.
 */
import { withoutStack } from './errors';
import { failed, type Outcome } from './outcome';
import { PacedClient } from './pacer';
import { messageKey } from './idempotency/keys';
import { checkReport, deliverOnce, type Invocation } from './pipeline';
import type { BatchRecord, SourceName } from './sources/types';

export type RecordStatus = 'sent' | 'skipped' | 'failed';

export interface RecordResult {
  readonly index: number;
  /** The message identity (offset, event id, msgId), when the message has one. */
  readonly key?: string;
  readonly status: RecordStatus;
  readonly requestId?: string;
  readonly replayed?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface BatchSummary {
  readonly source: SourceName;
  readonly total: number;
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly records: readonly RecordResult[];
}

/** Thrown at the end of a batch with retryable failures, so the platform redelivers it. */
export class BatchIncompleteError extends Error {
  override readonly name = 'BatchIncompleteError';
  /** `mask` hides secret values that may sit in message keys taken from the event. */
  constructor(
    readonly summary: BatchSummary,
    mask: (text: string) => string = (text) => text,
  ) {
    const failed = summary.records.filter((r) => r.status === 'failed');
    const listed = failed
      .slice(0, 10)
      .map((r) => `#${r.index}${r.key ? ` (${r.key})` : ''}: ${r.error?.code ?? 'failed'}`)
      .join('; ');
    super(
      mask(
        `${summary.failed} of ${summary.total} ${summary.source} records were not recorded and should be redelivered ` +
          `(${summary.sent} sent, ${summary.skipped} skipped as invalid): ${listed}${failed.length > 10 ? '; …' : ''}`,
      ),
    );
    withoutStack(this);
  }
}

export interface BatchOptions {
  readonly concurrency: number;
  /** The time one call is expected to take before any was measured. */
  readonly initialCallEstimateMs?: number;
}

function resultOf(record: BatchRecord, outcome: Outcome): RecordResult {
  const key = record.messageKey !== undefined ? { key: record.messageKey } : {};
  if (outcome.ok) {
    return { index: record.index, ...key, status: 'sent', requestId: outcome.requestId, ...(outcome.replayed ? { replayed: true } : {}) };
  }
  const { failure } = outcome;
  return {
    index: record.index,
    ...key,
    status: failure.retryable ? 'failed' : 'skipped',
    ...(failure.upstreamRequestId ? { requestId: failure.upstreamRequestId } : {}),
    error: { code: failure.code, message: failure.message },
  };
}

/** Processes every record; never throws (the presenter decides). */
export async function processBatch(
  source: SourceName,
  records: readonly BatchRecord[],
  inv: Invocation,
  options: BatchOptions,
): Promise<BatchSummary> {
  const results: RecordResult[] = new Array<RecordResult>(records.length);
  // No call is started unless the time left covers the longest call seen so far (or the initial estimate).
  let longestCallMs: number | undefined;
  const callEstimateMs = (): number => longestCallMs ?? options.initialCallEstimateMs ?? 1000;
  let next = 0;

  const processOne = async (record: BatchRecord): Promise<RecordResult> => {
    if (!record.params.ok) return resultOf(record, failed(record.params.failure));
    const checked = checkReport(record.params.value, inv);
    if (!checked.ok) return resultOf(record, checked.outcome);
    if (inv.deadline.remaining() < callEstimateMs()) {
      return {
        index: record.index,
        ...(record.messageKey !== undefined ? { key: record.messageKey } : {}),
        status: 'failed',
        error: { code: 'UpstreamTimeout', message: 'not attempted: the time left in this invocation would not cover a call' },
      };
    }
    const started = Date.now();
    // A message keeps its identity whether EventBridge delivered it alone or in an EventList.
    const key = record.messageKey !== undefined ? messageKey(source === 'eventbridge-list' ? 'eventbridge' : source, record.messageKey) : undefined;
    const outcome = await deliverOnce(checked.report, inv, key, `${inv.id}:${record.index}`);
    longestCallMs = Math.max(longestCallMs ?? 0, Date.now() - started);
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

  const count = (status: RecordStatus): number => results.filter((r) => r.status === status).length;
  return { source, total: records.length, sent: count('sent'), skipped: count('skipped'), failed: count('failed'), records: results };
}

/**
 * A batch invocation: paces the calls, processes every record, logs the invocation line, and returns the
 * summary, or throws BatchIncompleteError when some record should be redelivered.
 */
export async function runBatch(source: SourceName, records: readonly BatchRecord[], inv: Invocation, startedAt: number): Promise<BatchSummary> {
  const paced: Invocation = { ...inv, client: new PacedClient(inv.client, inv.config.batchRatePerSecond) };
  const summary = await processBatch(source, records, paced, { concurrency: inv.config.batchConcurrency });
  const fields = {
    source,
    outcome: summary.failed > 0 ? 'failed' : summary.skipped > 0 ? 'partial' : 'sent',
    total: summary.total,
    sent: summary.sent,
    replayed: summary.records.filter((r) => r.replayed).length,
    skipped: summary.skipped,
    failed: summary.failed,
    latency_ms: Date.now() - startedAt,
  };
  if (summary.failed > 0) {
    inv.log.error('invocation', fields);
    throw new BatchIncompleteError(summary, inv.mask);
  }
  inv.log.info('invocation', fields);
  return summary;
}
