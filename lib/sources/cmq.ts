/** Legacy CMQ (`Records[].CMQ`): each message's msgBody carries one report as JSON; its identity is msgId. */
import { messageOf, messageRecord, notAMessage, recordsOf, reportFromMessage, scalar } from './message-body';
import { defineSource, type BatchRecord } from './types';

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
    return messageRecord(index, 'cmq', scalar(m.msgId), reportFromMessage(m.msgBody, 'CMQ.msgBody'));
  }),
}));
