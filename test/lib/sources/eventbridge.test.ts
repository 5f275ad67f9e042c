/**
 * lib/sources/eventbridge.ts: a CloudEvents-style EventBridge event (alone or in `EventList`) is one batch record
 * per event; the report is `data` or the JSON string `data.msgBody`; the identity is source/id, the same whether
 * the event came alone or listed. An AWS EventBridge event (no specversion) is not claimed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudEventReport, eventBridge, eventBridgeList, isCloudEvent, isEventBridgeList } from '../../../lib/sources/eventbridge';
import type { BatchRecord } from '../../../lib/sources/types';
import { ROOT } from '../../support/bundle';
import { BASE } from '../../support/fixtures';

/** The published fixtures in shared/, beside the checkout (as in CI); REAL_EVENTS_DIR points elsewhere. */
const REAL_EVENTS = process.env['REAL_EVENTS_DIR'] ?? path.join(ROOT, '..', 'shared', 'real-events');

/** A TDMQ connector's event; `id` null leaves the id out. */
function cloudEvent(data: unknown, id: string | number | null = 'evt-1'): Record<string, unknown> {
  return { specversion: '1.0', ...(id === null ? {} : { id }), type: 'connector:tdmq', source: 'tdmq.cloud.tencent', subject: 's', data };
}

function recordsOf(adapted: ReturnType<typeof eventBridge.adapt>): readonly BatchRecord[] {
  if (adapted?.kind !== 'batch') throw new Error(`expected a batch, got ${JSON.stringify(adapted)}`);
  return adapted.records;
}

describe('isCloudEvent', () => {
  it('needs specversion, source (strings) and data', () => {
    expect(isCloudEvent(cloudEvent(BASE))).toBe(true);
    expect(isCloudEvent(cloudEvent(undefined))).toBe(true);
    expect(isCloudEvent({ specversion: '1.0', source: 's' })).toBe(false);
    expect(isCloudEvent({ specversion: 1, source: 's', data: {} })).toBe(false);
    expect(isCloudEvent({ specversion: '1.0', data: {} })).toBe(false);
  });

  it.skipIf(!existsSync(REAL_EVENTS))('does not claim the AWS EventBridge sample (version "0", detail, no specversion)', () => {
    const event: unknown = JSON.parse(readFileSync(path.join(REAL_EVENTS, 'pt-eventbridge-base--published.json'), 'utf8'));
    expect(isCloudEvent(event)).toBe(false);
    expect(eventBridge.adapt(event)).toBeUndefined();
    expect(isEventBridgeList(event)).toBe(false);
  });
});

describe('cloudEventReport', () => {
  it('data as an object, or data.msgBody as a JSON string (TDMQ connector)', () => {
    expect(cloudEventReport(cloudEvent({ ...BASE }) as never)).toEqual({ ok: true, value: { ...BASE } });
    expect(cloudEventReport(cloudEvent({ msgBody: JSON.stringify(BASE), topic: 't' }) as never)).toEqual({ ok: true, value: { ...BASE } });
  });

  it('a bad msgBody or data is a 400 naming data.msgBody or data', () => {
    const bad = cloudEventReport(cloudEvent({ msgBody: 'hello' }) as never);
    expect(bad.ok || bad.failure.message).toMatch(/^data\.msgBody is not a JSON report/);
    const none = cloudEventReport(cloudEvent('text') as never);
    expect(none.ok || none.failure.message).toMatch(/^data is not a JSON report/);
  });
});

describe('eventBridge (one event)', () => {
  it('is a batch of one record whose identity is source/id', () => {
    const [record, ...rest] = recordsOf(eventBridge.adapt(cloudEvent({ ...BASE })));
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ index: 0, identity: 'tdmq.cloud.tencent/evt-1', params: { ok: true } });
  });

  it('a numeric id counts; without an id the key is the report', () => {
    expect(recordsOf(eventBridge.adapt(cloudEvent(BASE, 7)))[0]?.identity).toBe('tdmq.cloud.tencent/7');
    expect(recordsOf(eventBridge.adapt(cloudEvent(BASE, null)))[0]).not.toHaveProperty('identity');
  });
});

describe('eventBridgeList', () => {
  it('claims an EventList with at least one CloudEvent; not an empty one or one of none', () => {
    expect(isEventBridgeList({ EventList: [cloudEvent(BASE), 'x'] })).toBe(true);
    expect(isEventBridgeList({ EventList: [] })).toBe(false);
    expect(isEventBridgeList({ EventList: ['x', {}] })).toBe(false);
  });

  it('one record per entry, a malformed entry a poison record of its own; the key is the same as alone', () => {
    const report = { ...BASE };
    const listed = recordsOf(eventBridgeList.adapt({ EventList: [cloudEvent(report, 'a'), null, cloudEvent({ msgBody: JSON.stringify(report) }, 'b')] }));
    expect(listed.map((r) => [r.index, r.identity, r.params.ok])).toEqual([
      [0, 'tdmq.cloud.tencent/a', true],
      [1, undefined, false],
      [2, 'tdmq.cloud.tencent/b', true],
    ]);
    const poison = listed[1]?.params;
    expect(poison && !poison.ok && poison.failure.message).toContain('not an EventBridge event');
    const alone = recordsOf(eventBridge.adapt(cloudEvent(report, 'a')))[0];
    expect(listed[0]?.idempotencyKey(report)).toBe(alone?.idempotencyKey(report));
  });
});
