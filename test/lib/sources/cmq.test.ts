import { describe, expect, it } from 'vitest';
import { cmq, isCmqEvent } from '../../../lib/sources/cmq';
import { BASE } from '../../support/fixtures';

const message = (msgId: unknown, body: unknown): unknown => ({
  CMQ: { type: 'topic', topicName: 't', msgId, msgBody: typeof body === 'string' ? body : JSON.stringify(body) },
});

describe('CMQ source', () => {
  it('claims a Records list with a CMQ entry, and not a CKafka one', () => {
    expect(isCmqEvent({ Records: [message('m1', BASE)] })).toBe(true);
    expect(isCmqEvent({ Records: [{ Ckafka: {} }] })).toBe(false);
    expect(isCmqEvent({ Records: [] })).toBe(false);
  });

  it('one batch record per entry, by position, with the msgId as identity; entries that are not CMQ messages are poison', () => {
    const adapted = cmq.adapt({ Records: [message('m1', BASE), { other: true }, message('m3', '{not json')] });
    if (adapted?.kind !== 'batch') throw new Error('expected a batch');
    expect(adapted.records.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(adapted.records[0]).toMatchObject({ identity: 'm1', params: { ok: true } });
    expect(adapted.records[1]?.params.ok).toBe(false);
    expect(adapted.records[2]).toMatchObject({ identity: 'm3', params: { ok: false } });
    const unreadable = adapted.records[2]?.params;
    if (unreadable?.ok !== false) throw new Error('expected a failure');
    expect(unreadable.failure.message).toMatch(/CMQ\.msgBody/);
  });
});
