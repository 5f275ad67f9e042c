/** CKafka (`Records[].Ckafka`): each message's msgBody carries one report as JSON; its identity is topic/partition/offset. */
import { messageOf, messageRecord, notAMessage, recordsOf, reportFromMessage, scalar } from './message-body';
import { defineSource, type BatchRecord } from './types';

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

/** topic/partition/offset identifies a Kafka message; with its report's fingerprint, it is the report's idempotency key. */
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
    return messageRecord(index, 'ckafka', ckafkaIdentity(m), reportFromMessage(m.msgBody, 'Ckafka.msgBody'));
  }),
}));
