/**
 * Every message adapter hands over its record's final idempotency key: the message identity under the source that
 * gives it its meaning (EventBridge alone or in an EventList alike), with the report's fingerprint, or the report's
 * own key when the message has no identity. The batch only applies it (lib/batch.ts has no case per source).
 */
import { describe, expect, it } from 'vitest';
import { fingerprint, messageKey, messageKeyOf, reportKey } from '../../../lib/idempotency/keys';
import { validateReport, type TroubleReport } from '../../../lib/report';
import { detectSource } from '../../../lib/sources';
import type { BatchRecord } from '../../../lib/sources/types';
import { BASE } from '../../support/fixtures';

function recordsOf(event: unknown): readonly BatchRecord[] {
  const detected = detectSource(event);
  if (detected?.adapted.kind !== 'batch') throw new Error(`not a batch: ${JSON.stringify(event).slice(0, 80)}`);
  return detected.adapted.records;
}

/** The key the batch would use for `record`: its key function applied to its validated report. */
function keyOf(record: BatchRecord): string {
  if (!record.params.ok) throw new Error(`record ${record.index} is unreadable: ${record.params.failure.message}`);
  const validated = validateReport(record.params.value);
  if (!validated.ok) throw new Error(`record ${record.index} is invalid`);
  return record.idempotencyKey(validated.report);
}

const report = (msg: string): TroubleReport => ({ ...BASE, TroubleMsg: msg });
const body = (msg: string): string => JSON.stringify(report(msg));
const cloudEvent = (id: string | undefined, msg: string): Record<string, unknown> => ({
  specversion: '1.0',
  ...(id === undefined ? {} : { id }),
  source: 'classroom.app',
  type: 'trouble.report',
  data: report(msg),
});

describe('message adapters hand over the final idempotency key', () => {
  it('CKafka: message:ckafka:<topic/partition/offset>:<fingerprint>, Partition spelt either way', () => {
    const [a, b] = recordsOf({
      Records: [
        { Ckafka: { topic: 'reports', partition: 3, offset: 1842, msgBody: body('a') } },
        { Ckafka: { topic: 'reports', Partition: 4, offset: 7, msgBody: body('b') } },
      ],
    });
    expect(a!.identity).toBe('reports/3/1842');
    expect(keyOf(a!)).toBe(messageKey('ckafka', 'reports/3/1842', fingerprint(report('a'))));
    expect(keyOf(b!)).toBe(messageKey('ckafka', 'reports/4/7', fingerprint(report('b'))));
  });

  it('CMQ: message:cmq:<msgId>:<fingerprint>', () => {
    const [record] = recordsOf({ Records: [{ CMQ: { type: 'topic', topicName: 't', msgId: 'msg-1', msgBody: body('c') } }] });
    expect(record!.identity).toBe('msg-1');
    expect(keyOf(record!)).toBe(messageKey('cmq', 'msg-1', fingerprint(report('c'))));
  });

  it('EventBridge: the same key for an event delivered alone and in an EventList, under "eventbridge"', () => {
    const [alone] = recordsOf(cloudEvent('ev-1', 'e'));
    const [listed] = recordsOf({ EventList: [cloudEvent('ev-1', 'e')] });
    const expected = messageKey('eventbridge', 'classroom.app/ev-1', fingerprint(report('e')));
    expect(keyOf(alone!)).toBe(expected);
    expect(keyOf(listed!)).toBe(expected);
    expect(listed!.identity).toBe('classroom.app/ev-1');
  });

  it('a message without an identity is keyed by its report, as an HTTP or direct report is', () => {
    const [kafka] = recordsOf({ Records: [{ Ckafka: { topic: 'reports', msgBody: body('k') } }] });
    const [cmq] = recordsOf({ Records: [{ CMQ: { msgBody: body('q') } }] });
    const [event] = recordsOf(cloudEvent(undefined, 'x'));
    expect(kafka!.identity).toBeUndefined();
    expect(keyOf(kafka!)).toBe(reportKey(report('k')));
    expect(keyOf(cmq!)).toBe(reportKey(report('q')));
    expect(keyOf(event!)).toBe(reportKey(report('x')));
  });

  it('a poison entry still carries a key function (never used: its params are a failure)', () => {
    const [valid, poison] = recordsOf({ Records: [{ CMQ: { msgId: 'm', msgBody: body('v') } }, 'not a message'] });
    expect(valid!.params.ok).toBe(true);
    expect(poison!.params.ok).toBe(false);
    expect(poison!.identity).toBeUndefined();
    expect(poison!.idempotencyKey(report('p'))).toBe(reportKey(report('p')));
  });
});

describe('messageKeyOf', () => {
  it('is messageKey with the report fingerprint when there is an identity, reportKey otherwise', () => {
    expect(messageKeyOf('cmq', 'id-1')(BASE)).toBe(messageKey('cmq', 'id-1', fingerprint(BASE)));
    expect(messageKeyOf('cmq', undefined)(BASE)).toBe(reportKey(BASE));
    expect(messageKeyOf('cmq', '')(BASE)).toBe(reportKey(BASE));
  });
});
