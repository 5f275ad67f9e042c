/**
 * EventBridge: a CloudEvents-style envelope (`specversion`, `source`, `data`), alone or batched as
 * `{EventList:[…]}`. The report is `data`, or the JSON string `data.msgBody` (TDMQ connector); the identity is
 * source/id.
 */
import { isPlainRecord } from '../parse/json';
import type { Parsed, RawParams } from '../parse/parsed';
import { messageRecord, reportFromMessage, scalar, unreadableEntry } from './message-body';
import { defineSource, type BatchRecord } from './types';

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
  if (!isCloudEvent(event)) return unreadableEntry(index, 'EventList entry is not an EventBridge event (specversion, source, data)');
  // An event id is unique only within its source (CloudEvents): the identity is both. A message keeps its key
  // whether EventBridge delivered it alone or in an EventList, so both key it under 'eventbridge'.
  const id = scalar(event.id);
  return messageRecord(index, 'eventbridge', id ? `${event.source}/${id}` : undefined, cloudEventReport(event));
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
