/**
 * The invocation's set-up: the run role's credentials are read once per invocation and handed down to every
 * check and call of it (the real HTTP client against the emulator over loopback), and a changed key takes effect
 * at the next invocation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { runBatch } from '../../lib/batch';
import { prepareInvocation, type Invocation } from '../../lib/invocation';
import { submitReport } from '../../lib/pipeline';
import { detectSource } from '../../lib/sources';
import type { BatchRecord } from '../../lib/sources/types';
import { HttpTroubleInfoClient } from '../../lib/trtc/client';
import { distinctReport } from '../support/fixtures';

const first = throwawayCredential();
const second = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [first, second] });
let url = '';

beforeAll(async () => {
  url = await emulator.start();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

type Keys = { secretId: string; secretKey: string; token?: string };

/** An environment that counts how often each variable is read. */
function countingEnv(keys: Keys): { env: Record<string, string | undefined>; reads: (name: string) => number; use: (keys: Keys) => void } {
  const values: Record<string, string | undefined> = { TRTC_ENDPOINT: url, IDEMPOTENCY_TTL_SECONDS: '0', LOG_LEVEL: 'silent' };
  const counts = new Map<string, number>();
  const use = (k: Keys): void => {
    values['TENCENTCLOUD_SECRETID'] = k.secretId;
    values['TENCENTCLOUD_SECRETKEY'] = k.secretKey;
    values['TENCENTCLOUD_SESSIONTOKEN'] = k.token;
  };
  use(keys);
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') counts.set(name, (counts.get(name) ?? 0) + 1);
      return typeof name === 'string' ? target[name] : undefined;
    },
  });
  return { env, reads: (name) => counts.get(name) ?? 0, use };
}

function invocation(env: Record<string, string | undefined>): Invocation {
  const prepared = prepareInvocation(
    { request_id: 'credentials-once', time_limit_in_ms: 5000 },
    { env, client: new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: new URL(url).host }, region: 'ap-guangzhou' }, () => env) },
  );
  if (!prepared.ok) throw new Error(prepared.errors.join('; '));
  return prepared.inv;
}

function ckafkaRecords(n: number): readonly BatchRecord[] {
  const event = {
    Records: Array.from({ length: n }, (_, i) => ({
      Ckafka: { topic: 'once', partition: 0, offset: i, msgKey: 'None', msgBody: JSON.stringify(distinctReport(`once-${i}`)) },
    })),
  };
  const detected = detectSource(event);
  if (detected?.adapted.kind !== 'batch') throw new Error('not a batch');
  return detected.adapted.records;
}

describe('credentials: read once per invocation and handed down', () => {
  it('a CKafka batch of three records reads the key once and sends all three with it', async () => {
    const counting = countingEnv(first);
    const inv = invocation(counting.env);
    const summary = await runBatch('ckafka', ckafkaRecords(3), inv, Date.now());
    expect(summary.sent).toBe(3);
    expect(emulator.created).toHaveLength(3);
    expect(counting.reads('TENCENTCLOUD_SECRETKEY')).toBe(1);
    expect(counting.reads('TENCENTCLOUD_SECRETID')).toBe(1);
  });

  it('a single report reads the key once; a key changed between invocations is used by the next one', async () => {
    const counting = countingEnv(first);
    const sent = await submitReport({ ...distinctReport('single') }, invocation(counting.env));
    expect(sent.ok).toBe(true);
    expect(counting.reads('TENCENTCLOUD_SECRETKEY')).toBe(1);

    counting.use(second);
    const next = await submitReport({ ...distinctReport('rotated') }, invocation(counting.env));
    expect(next.ok).toBe(true);
    // The Authorization header names the key that signed each call.
    expect(emulator.calls.map((c) => /Credential=([^/]+)\//.exec(c.headers['authorization'] ?? '')?.[1])).toEqual([first.secretId, second.secretId]);
  });

  it('no key: every record of a batch fails as a configuration fault, and nothing is sent', async () => {
    const counting = countingEnv({ secretId: '', secretKey: '' });
    const inv = invocation(counting.env);
    await expect(runBatch('ckafka', ckafkaRecords(2), inv, Date.now())).rejects.toThrow();
    expect(emulator.calls).toHaveLength(0);
    expect(counting.reads('TENCENTCLOUD_SECRETKEY')).toBe(1);
  });
});
