import { describe, expect, it } from 'vitest';
import { ckafka, ckafkaIdentity, isCkafkaEvent } from '../../../lib/sources/ckafka';
import { BASE } from '../../support/fixtures';

describe('CKafka source', () => {
  it('identity is topic/partition/offset (Partition accepted too), none when a part is missing', () => {
    expect(ckafkaIdentity({ topic: 'trouble', partition: 2, offset: 17, msgBody: '' })).toBe('trouble/2/17');
    expect(ckafkaIdentity({ topic: 'trouble', Partition: 0, offset: 1, msgBody: '' } as never)).toBe('trouble/0/1');
    expect(ckafkaIdentity({ topic: 'trouble', offset: 1, msgBody: '' })).toBeUndefined();
  });

  it('claims Records with a Ckafka entry; each message is a record, anything else poison', () => {
    const event = { Records: [{ Ckafka: { topic: 't', partition: 0, offset: 5, msgKey: 'None', msgBody: JSON.stringify(BASE) } }, 'text'] };
    expect(isCkafkaEvent(event)).toBe(true);
    expect(isCkafkaEvent({ Records: [{ CMQ: {} }] })).toBe(false);
    const adapted = ckafka.adapt(event);
    if (adapted?.kind !== 'batch') throw new Error('expected a batch');
    expect(adapted.records[0]).toMatchObject({ index: 0, identity: 't/0/5', params: { ok: true } });
    expect(adapted.records[1]).toMatchObject({ index: 1, params: { ok: false } });
  });
});
