/**
 * Message-queue sources: CKafka (`Records[].Ckafka`), legacy CMQ (`Records[].CMQ`) and EventBridge (a
 * CloudEvents-style envelope, alone or batched as `{EventList:[…]}`). Each message carries one report as JSON.
 */
import { badRequest } from '../failures';
import { isPlainRecord, parseJsonObject } from '../parse/json';
import type { Parsed, RawParams } from '../parse/parsed';
import { defineSource, type BatchRecord } from './types';

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
function recordsOf(event: unknown, key: string): unknown[] | undefined {
  if (!isPlainRecord(event) || !Array.isArray(event.Records) || event.Records.length === 0) return undefined;
  const records: unknown[] = event.Records;
  return records.some((record) => isPlainRecord(record) && isPlainRecord(record[key])) ? records : undefined;
}

/** The inner message of entry `record`, or undefined when the entry is not a `key` message. */
function messageOf(record: unknown, key: string): Record<string, unknown> | undefined {
  if (!isPlainRecord(record)) return undefined;
  const inner = record[key];
  return isPlainRecord(inner) ? inner : undefined;
}

function notAMessage(index: number, what: string): BatchRecord {
  return { index, params: { ok: false, failure: badRequest(`Records[${index}] is not a ${what} message`) } };
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) ? String(value) : undefined;
}

// ── CKafka ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface CkafkaMessage {
  topic?: string;
  /** The documentation spells it both `partition` and `Partition`. */
  partition?: number;
  Partition?: number;
  offset?: number;
  msgKey?: string;
  msgBody?: unknown;
}
export interface CkafkaEvent {
  /** At least one entry is `{Ckafka: …}`; any other entry is a poison record. */
  Records: unknown[];
}

export function isCkafkaEvent(event: unknown): event is CkafkaEvent {
  return recordsOf(event, 'Ckafka') !== undefined;
}

/** topic/partition/offset identifies a Kafka message; it is the idempotency key of its report. */
export function ckafkaIdentity(m: CkafkaMessage): string | undefined {
  const topic = scalar(m.topic);
  const partition = scalar(m.partition ?? m.Partition);
  const offset = scalar(m.offset);
  return topic !== undefined && partition !== undefined && offset !== undefined ? `${topic}/${partition}/${offset}` : undefined;
}

export const ckafka = defineSource('ckafka', isCkafkaEvent, (event) => ({
  kind: 'batch',
  records: event.Records.map((record, index): BatchRecord => {
    const m: CkafkaMessage | undefined = messageOf(record, 'Ckafka');
    if (m === undefined) return notAMessage(index, 'CKafka');
    const identity = ckafkaIdentity(m);
    return { index, ...(identity ? { messageKey: identity } : {}), params: reportFromMessage(m.msgBody, 'Ckafka.msgBody') };
  }),
}));

// ── CMQ (legacy) ──────────────────────────────────────────────────────────────────────────────────────────────

export interface CmqMessage {
  type?: string;
  topicName?: string;
  msgId?: string;
  msgBody?: unknown;
}
export interface CmqEvent {
  /** At least one entry is `{CMQ: …}`; any other entry is a poison record. */
  Records: unknown[];
}

export function isCmqEvent(event: unknown): event is CmqEvent {
  return recordsOf(event, 'CMQ') !== undefined;
}

export const cmq = defineSource('cmq', isCmqEvent, (event) => ({
  kind: 'batch',
  records: event.Records.map((record, index): BatchRecord => {
    const m: CmqMessage | undefined = messageOf(record, 'CMQ');
    if (m === undefined) return notAMessage(index, 'CMQ');
    const id = scalar(m.msgId);
    return { index, ...(id ? { messageKey: id } : {}), params: reportFromMessage(m.msgBody, 'CMQ.msgBody') };
  }),
}));

// ── EventBridge ───────────────────────────────────────────────────────────────────────────────────────────────

export interface CloudEvent {
  specversion: string;
  id?: string;
  type?: string;
  source?: string;
  data?: unknown;
}

export function isCloudEvent(event: unknown): event is CloudEvent {
  return isPlainRecord(event) && typeof event.specversion === 'string' && 'data' in event && typeof event.source === 'string';
}

/** The report of an EventBridge event: `data.msgBody` (a JSON string, TDMQ connector) or `data` itself. */
export function cloudEventReport(event: CloudEvent): Parsed<RawParams> {
  const data = event.data;
  if (isPlainRecord(data) && 'msgBody' in data) return reportFromMessage(data.msgBody, 'data.msgBody');
  return reportFromMessage(data, 'data');
}

function cloudEventRecord(event: unknown, index: number): BatchRecord {
  if (!isCloudEvent(event)) {
    return { index, params: { ok: false, failure: badRequest('EventList entry is not an EventBridge event (specversion, source, data)') } };
  }
  // An event id is unique only within its source (CloudEvents): the identity is both.
  const id = scalar(event.id);
  return { index, ...(id ? { messageKey: `${event.source}/${id}` } : {}), params: cloudEventReport(event) };
}

export const eventBridge = defineSource('eventbridge', isCloudEvent, (event) => ({
  kind: 'batch',
  records: [cloudEventRecord(event, 0)],
}));

export interface EventBridgeList {
  EventList: unknown[];
}

export function isEventBridgeList(event: unknown): event is EventBridgeList {
  return isPlainRecord(event) && Array.isArray(event.EventList) && event.EventList.length > 0 && event.EventList.some(isCloudEvent);
}

export const eventBridgeList = defineSource('eventbridge-list', isEventBridgeList, (event) => ({
  kind: 'batch',
  records: event.EventList.map(cloudEventRecord),
}));
