/**
 * lib/sources/message-body.ts: the parsing shared by the message-queue sources. A message's report is a JSON string
 * or (EventBridge `data`) an object; anything else is a 400 naming where it was. A batch keeps malformed entries as
 * poison records of their own, and a message's key comes from its identity when it has one.
 */
import { describe, expect, it } from 'vitest';
import { KEY_NAMESPACE, reportKey } from '../../../lib/idempotency/keys';
import { messageOf, messageRecord, notAMessage, recordsOf, reportFromMessage, scalar, unreadableEntry } from '../../../lib/sources/message-body';
import { BASE } from '../../support/fixtures';

function failureMessage(parsed: ReturnType<typeof reportFromMessage>): string {
  if (parsed.ok) throw new Error(`expected a failure, got ${JSON.stringify(parsed.value)}`);
  expect(parsed.failure.status).toBe(400);
  return parsed.failure.message;
}

describe('reportFromMessage', () => {
  it('a JSON string and an object give the same parameters', () => {
    expect(reportFromMessage(JSON.stringify(BASE), 'msgBody')).toEqual({ ok: true, value: { ...BASE } });
    expect(reportFromMessage({ ...BASE }, 'data')).toEqual({ ok: true, value: { ...BASE } });
  });

  it.each([
    ['', 'msgBody is empty'],
    ['   ', 'msgBody is empty'],
    ['hello world', 'msgBody is not a JSON report: '],
    ['[1,2]', 'msgBody is not a JSON report: '],
  ])('string %j → 400 %j', (body, message) => {
    expect(failureMessage(reportFromMessage(body, 'msgBody'))).toContain(message);
  });

  it.each([
    [null, 'null'],
    [42, 'number'],
    [[BASE], 'object'],
    [undefined, 'undefined'],
  ])('%j → 400 naming where it was and what it got', (body, got) => {
    expect(failureMessage(reportFromMessage(body, 'data'))).toBe(`data must be a JSON object or a JSON string, got ${got}`);
  });
});

describe('recordsOf and messageOf', () => {
  it('a non-empty Records array with at least one `key` message is the batch, malformed entries included', () => {
    const records = [{ CMQ: { msgId: '1' } }, null, 'text', { Ckafka: {} }];
    expect(recordsOf({ Records: records }, 'CMQ')).toBe(records);
  });

  it.each([
    ['no Records', {}],
    ['empty Records', { Records: [] }],
    ['no entry of that kind', { Records: [{ Ckafka: {} }, null] }],
    ['Records not an array', { Records: { CMQ: {} } }],
    ['not an object', 'Records'],
  ])('%s → undefined', (_, event) => {
    expect(recordsOf(event, 'CMQ')).toBeUndefined();
  });

  it('messageOf: the inner object, or undefined', () => {
    expect(messageOf({ CMQ: { msgId: '1' } }, 'CMQ')).toEqual({ msgId: '1' });
    expect(messageOf({ CMQ: 'x' }, 'CMQ')).toBeUndefined();
    expect(messageOf(null, 'CMQ')).toBeUndefined();
  });
});

describe('records', () => {
  const report = { ...BASE };

  it('an unreadable entry is a poison record without identity, keyed by its report', () => {
    const record = unreadableEntry(3, 'why');
    expect(record).toEqual({ index: 3, idempotencyKey: reportKey, params: { ok: false, failure: expect.objectContaining({ status: 400, message: 'why' }) } });
    expect(notAMessage(2, 'CMQ').params).toMatchObject({ ok: false, failure: { message: 'Records[2] is not a CMQ message' } });
  });

  it('a message with an identity is keyed by source and identity; without, by its report', () => {
    const withId = messageRecord(0, 'cmq', 'msg-1', { ok: true, value: report });
    expect(withId.identity).toBe('msg-1');
    expect(withId.idempotencyKey(report)).toMatch(new RegExp(`^${KEY_NAMESPACE}message:cmq:`));
    expect(withId.idempotencyKey(report)).not.toBe(messageRecord(0, 'ckafka', 'msg-1', { ok: true, value: report }).idempotencyKey(report));
    const without = messageRecord(1, 'cmq', undefined, { ok: true, value: report });
    expect(without).not.toHaveProperty('identity');
    expect(without.idempotencyKey).toBe(reportKey);
  });

  it('scalar: strings and finite numbers as text, nothing else', () => {
    expect(scalar('a')).toBe('a');
    expect(scalar(17)).toBe('17');
    expect(scalar(Number.NaN)).toBeUndefined();
    expect(scalar(null)).toBeUndefined();
    expect(scalar({})).toBeUndefined();
  });
});
