/**
 * The message-body parsing shared by the message-queue sources (ckafka.ts, cmq.ts, eventbridge.ts): each message
 * carries one report as JSON, and a batch's entries are read one by one so a malformed entry is a poison record of
 * its own.
 */
import { badRequest } from '../failures';
import { messageKeyOf, reportKey } from '../idempotency/keys';
import { isPlainRecord, parseJsonObject } from '../parse/json';
import type { Parsed, RawParams } from '../parse/parsed';
import type { SourceName } from './names';
import type { BatchRecord } from './types';

/** A report carried as a JSON string (msgBody) or, for EventBridge `data`, as an object. */
export function reportFromMessage(body: unknown, what: string): Parsed<RawParams> {
  if (typeof body === 'string') {
    if (body.trim() === '') return { ok: false, failure: badRequest(`${what} is empty`) };
    const parsed = parseJsonObject(body);
    return parsed.ok ? parsed : { ok: false, failure: badRequest(`${what} is not a JSON report: ${parsed.failure.message}`) };
  }
  if (isPlainRecord(body)) return parseJsonObject(JSON.stringify(body));
  return { ok: false, failure: badRequest(`${what} must be a JSON object or a JSON string, got ${body === null ? 'null' : typeof body}`) };
}

/**
 * The entries of `Records` when the event is a batch of `key` messages: a non-empty array in which at least one
 * entry is such a message. An entry that is not (null, a string, another service's record) stays in the list and
 * becomes a poison record of its own, so one malformed entry never costs the valid ones.
 */
export function recordsOf(event: unknown, key: string): unknown[] | undefined {
  if (!isPlainRecord(event) || !Array.isArray(event.Records) || event.Records.length === 0) return undefined;
  const records: unknown[] = event.Records;
  return records.some((record) => isPlainRecord(record) && isPlainRecord(record[key])) ? records : undefined;
}

/** The inner message of entry `record`, or undefined when the entry is not a `key` message. */
export function messageOf(record: unknown, key: string): Record<string, unknown> | undefined {
  if (!isPlainRecord(record)) return undefined;
  const inner = record[key];
  return isPlainRecord(inner) ? inner : undefined;
}

export function notAMessage(index: number, what: string): BatchRecord {
  return unreadableEntry(index, `Records[${index}] is not a ${what} message`);
}

/** A batch entry that is not a message at all: a poison record, without identity. */
export function unreadableEntry(index: number, reason: string): BatchRecord {
  return { index, idempotencyKey: reportKey, params: { ok: false, failure: badRequest(reason) } };
}

/**
 * The record of a message at `index`: its identity when it has one, and its idempotency key, derived from the
 * identity under `keySource` (the source that gives the identity its meaning) or, without one, from the report.
 */
export function messageRecord(index: number, keySource: SourceName, identity: string | undefined, params: Parsed<RawParams>): BatchRecord {
  return { index, ...(identity ? { identity } : {}), idempotencyKey: messageKeyOf(keySource, identity), params };
}

export function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
}
