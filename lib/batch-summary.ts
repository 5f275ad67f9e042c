/**
 * What a batch invocation returns (and what BatchIncompleteError carries): a count per status and the records,
 * cut to {@link MAX_SUMMARY_BYTES} with failed and skipped records listed first.
 */
import { capText, MAX_ERROR_MESSAGE_CHARS, type Failure } from './outcome';
import type { SourceName } from './sources/names';

/** Longest message key shown in a summary line (the store key hashes long ones anyway), in characters. */
export const MAX_SUMMARY_KEY_CHARS = 128;
/** Longest error message in a summary line, in characters. */
export const MAX_SUMMARY_ERROR_CHARS = 200;
/**
 * Largest summary, JSON bytes: records beyond it are counted in `omitted` (failed and skipped ones are listed
 * first). Far below SCF's 6 MB limit on a synchronous return value, for any number of records.
 */
export const MAX_SUMMARY_BYTES = 512 * 1024;

/**
 * `deadLettered`: not sent again, parked for an operator (two sends went unanswered, or the message failed more than
 * DEAD_LETTER_AFTER_DELIVERIES times); `parked`: waiting for the Timer trigger's drain (no call slot in time). Both
 * are handled: the batch is not redelivered for them.
 */
export type RecordStatus = 'sent' | 'skipped' | 'failed' | 'deadLettered' | 'parked';

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
  /** Records parked for an operator, when there are any. */
  readonly deadLettered?: number;
  /** Records parked for the Timer trigger's drain, when there are any. */
  readonly parked?: number;
  /** Records in index order; failed and skipped ones first in line when the summary would exceed its cap. */
  readonly records: readonly RecordResult[];
  /** Records left out of `records` to keep the summary under MAX_SUMMARY_BYTES. */
  readonly omitted?: number;
  /** When records failed because the deployment must be fixed (Failure.needsFix): the code and what to fix. */
  readonly fix?: { readonly code: string; readonly message: string };
}

/** The summary of `results`, its record list cut to MAX_SUMMARY_BYTES (failed and skipped records kept first). */
export function summarise(source: SourceName, results: readonly RecordResult[], fixFrom?: Failure): BatchSummary {
  const count = (status: RecordStatus): number => results.filter((r) => r.status === status).length;
  const deadLettered = count('deadLettered');
  const parked = count('parked');
  const base = {
    source,
    total: results.length,
    sent: count('sent'),
    skipped: count('skipped'),
    failed: count('failed'),
    ...(deadLettered > 0 ? { deadLettered } : {}),
    ...(parked > 0 ? { parked } : {}),
  };
  const rank = (r: RecordResult): number => (r.status === 'failed' ? 0 : r.status === 'sent' ? 2 : 1);
  const byImportance = [...results].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
  // Room for the counts and the `omitted` field.
  let bytes = Buffer.byteLength(JSON.stringify({ ...base, records: [], omitted: results.length }));
  const listed: RecordResult[] = [];
  for (const result of byImportance) {
    const size = Buffer.byteLength(JSON.stringify(result)) + 1;
    if (bytes + size > MAX_SUMMARY_BYTES) break;
    bytes += size;
    listed.push(result);
  }
  listed.sort((a, b) => a.index - b.index);
  const omitted = results.length - listed.length;
  const fix = fixFrom ? { fix: { code: fixFrom.code, message: capText(fixFrom.message, MAX_ERROR_MESSAGE_CHARS) } } : {};
  return { ...base, records: listed, ...(omitted > 0 ? { omitted } : {}), ...fix };
}
