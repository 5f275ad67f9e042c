/**
 * The clock-skew-proof signer against the TRTC emulator over loopback: TRTC's clock 10 minutes away from the host's
 * makes the first signature expire; the client takes the offset from the answer's Date header, re-signs once, keeps
 * the offset for later calls, and logs it once at warn. Without a usable Date header it still fails as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/log';
import { DEFAULTS } from '../../../lib/config';
import { HttpTroubleInfoClient } from '../../../lib/trtc/client';
import { clockOffsetMs, resetClock } from '../../../lib/trtc/clock';
import { ApiError } from '../../../lib/trtc/errors';
import { useEmulator } from '../../support/emulated';
import { BASE } from '../../support/fixtures';

const { emulator } = useEmulator();

afterEach(() => resetClock());

function client(): HttpTroubleInfoClient {
  const url = new URL(emulator.url);
  return new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: url.host }, region: DEFAULTS.region });
}

describe('a skewed host clock', () => {
  for (const skewMinutes of [10, -10]) {
    it(`TRTC ${skewMinutes > 0 ? 'ahead' : 'behind'} by ${Math.abs(skewMinutes)} min: one expired signature, re-signed with TRTC's time, kept for later calls`, async () => {
      emulator.setClockOffset(skewMinutes * 60_000);
      const lines: string[] = [];
      const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
      const trtc = client();
      const first = await trtc.create(BASE, { signal: new AbortController().signal, log });
      expect(first.requestId).toBe(emulator.created[0]?.RequestId);
      expect(emulator.calls.map((c) => c.outcome)).toEqual(['AuthFailure.SignatureExpire', 'ok']);
      expect(Math.abs(clockOffsetMs() - skewMinutes * 60_000)).toBeLessThan(2000);
      await trtc.create({ ...BASE, TroubleMsg: 'second' }, { signal: new AbortController().signal, log });
      expect(emulator.calls.map((c) => c.outcome)).toEqual(['AuthFailure.SignatureExpire', 'ok', 'ok']);
      const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string; offset_ms?: number }).filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/clock/);
    });
  }

  it('a clock within the 5-minute window is left alone', async () => {
    emulator.setClockOffset(60_000);
    await client().create(BASE, { signal: new AbortController().signal });
    expect(emulator.calls).toHaveLength(1);
    expect(clockOffsetMs()).toBe(0);
  });

  it('an expired signature without a new Date still fails as SignatureExpire (re-signed only once)', async () => {
    emulator.inject({ kind: 'api-error', code: 'AuthFailure.SignatureExpire' });
    const error = await client()
      .create(BASE, { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('AuthFailure.SignatureExpire');
    expect(emulator.calls).toHaveLength(1);
  });
});
