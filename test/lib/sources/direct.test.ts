import { describe, expect, it } from 'vitest';
import { submitReport } from '../../../lib/pipeline';
import { direct } from '../../../lib/sources/direct';
import { BASE, RecordingClient, testInvocation } from '../../support/fixtures';

describe('direct adapter', () => {
  it('hands over the parameters as given, in a prototype-free copy', () => {
    const event = { ...BASE, TroubleType: '2' };
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    expect({ ...adapted.params }).toEqual(event);
    expect(adapted.params).not.toBe(event);
    expect(Object.getPrototypeOf(adapted.params)).toBeNull();
  });

  it('Action and Version naming this API are accepted and dropped; the port gets exactly the eight parameters', async () => {
    const event = JSON.parse(
      '{"Action":"CreateTroubleInfo","Version":"2019-07-22","SdkAppId":1400188366,"RoomId":1587879309,"TeacherUserId":"teacher",' +
        '"StudentUserId":"student","TroubleUserId":"student","TroubleType":2,"TroubleTime":87654321,"TroubleMsg":"VoiceException"}',
    ) as unknown;
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok).toBe(true);
    expect(client.calls).toEqual([{ ...BASE, TroubleType: 2 }]);
    expect(Object.keys(client.calls[0] ?? {})).toEqual(Object.keys(BASE));
  });

  it.each([
    ['Action', 'DescribeRoomInfo'],
    ['Version', '2020-01-01'],
  ])('%s=%s → rejected, nothing sent', async (name, value) => {
    const adapted = direct.adapt({ ...BASE, [name]: value });
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok ? 200 : outcome.failure.status).toBe(400);
    expect(client.calls).toEqual([]);
  });

  it('__proto__ in a parsed direct event is an unknown parameter and pollutes nothing', async () => {
    const event = JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(BASE).slice(1)}`) as unknown;
    const adapted = direct.adapt(event);
    if (adapted?.kind !== 'report') throw new Error('expected a report');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const client = new RecordingClient();
    const outcome = await submitReport(adapted.params, testInvocation(client));
    expect(outcome.ok ? undefined : outcome.failure.code).toBe('UnknownParameter');
    expect(client.calls).toEqual([]);
  });
});
