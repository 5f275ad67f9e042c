/**
 * The health probe (a probe that proves something): CreateTroubleInfo with no parameters through
 * the real SDK client against the emulator over loopback, which checks signature, permission, action and then the
 * parameters, in that order. A parameter error proves the first three; nothing is ever recorded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { prepareInvocation } from '../../lib/invocation';
import { HttpTroubleInfoClient } from '../../lib/trtc/client';
import { probeUpstream, runProbe } from '../../lib/probe';
import { closedPortUrl } from '../support/reliability';

const good = throwawayCredential();
const denied = { ...throwawayCredential(), denied: true };
const emulator = new TrtcEmulator({ credentials: [good, denied] });
let url = '';

beforeAll(async () => {
  url = await emulator.start();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

function invocation(keys: { secretId: string; secretKey: string; token?: string } | undefined, endpoint = url, lines: string[] = []) {
  const env: Record<string, string> = { TRTC_ENDPOINT: endpoint, UPSTREAM_TIMEOUT_MS: '500', LOG_LEVEL: 'info' };
  if (keys) {
    env['TENCENTCLOUD_SECRETID'] = keys.secretId;
    env['TENCENTCLOUD_SECRETKEY'] = keys.secretKey;
    if (keys.token) env['TENCENTCLOUD_SESSIONTOKEN'] = keys.token;
  }
  const prepared = prepareInvocation(
    { request_id: 'probe-test', time_limit_in_ms: 3000 },
    {
      env,
      client: new HttpTroubleInfoClient({ endpoint: { protocol: 'http://', host: new URL(endpoint).host }, region: 'ap-guangzhou' }, () => env),
      write: (l) => lines.push(l),
    },
  );
  if (!prepared.ok) throw new Error(prepared.errors.join('; '));
  return prepared.inv;
}

describe('probeUpstream', () => {
  it('healthy: MissingParameter proves signature, permission and action; nothing is recorded', async () => {
    const report = await probeUpstream(invocation(good));
    expect(report).toMatchObject({ healthy: true, verdict: 'ok', keys: 'present', upstreamCode: 'MissingParameter' });
    expect(report.detail).toMatch(/signature.*permission.*action/);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.calls[0]?.action).toBe('CreateTroubleInfo');
    expect(emulator.calls[0]?.params).toEqual({});
    expect(emulator.created).toHaveLength(0);
  });

  it('a role CAM denies: auth, naming the grant to add', async () => {
    const report = await probeUpstream(invocation(denied));
    expect(report).toMatchObject({ healthy: false, verdict: 'auth', upstreamCode: 'AuthFailure.UnauthorizedOperation' });
    expect(report.detail).toMatch(/trtc:CreateTroubleInfo.*CAM/);
  });

  it('a wrong secret key: auth (SignatureFailure), naming the keys', async () => {
    const report = await probeUpstream(invocation({ ...good, secretKey: 'x'.repeat(32) }));
    expect(report).toMatchObject({ healthy: false, verdict: 'auth', upstreamCode: 'AuthFailure.SignatureFailure' });
    expect(report.detail).toMatch(/keys/);
  });

  it('an unknown SecretId: auth (SecretIdNotFound)', async () => {
    const report = await probeUpstream(invocation({ ...good, secretId: `AKID${'Z'.repeat(32)}` }));
    expect(report).toMatchObject({ healthy: false, verdict: 'auth', upstreamCode: 'AuthFailure.SecretIdNotFound' });
  });

  it('ActionOffline / InvalidAction: the action is gone', async () => {
    for (const code of ['ActionOffline', 'InvalidAction']) {
      emulator.inject({ kind: 'api-error', code });
      const report = await probeUpstream(invocation(good));
      expect(report).toMatchObject({ healthy: false, verdict: 'action-unavailable', upstreamCode: code });
      expect(report.detail).toMatch(/not available/);
    }
  });

  it('no answer: network, within UPSTREAM_TIMEOUT_MS', async () => {
    emulator.inject({ kind: 'no-answer' });
    const report = await probeUpstream(invocation(good));
    expect(report).toMatchObject({ healthy: false, verdict: 'network' });
    expect(report.latencyMs).toBeLessThan(3000);
  });

  it('nothing listening: network', async () => {
    const report = await probeUpstream(invocation(good, await closedPortUrl()));
    expect(report).toMatchObject({ healthy: false, verdict: 'network' });
  });

  it('no keys: no-keys, and TRTC is not called', async () => {
    const report = await probeUpstream(invocation(undefined));
    expect(report).toMatchObject({ healthy: false, verdict: 'no-keys', keys: 'missing' });
    expect(emulator.calls).toHaveLength(0);
  });
});

describe('runProbe (the Timer invocation)', () => {
  it('logs `keys` (not redacted) and the verdict; throws ProbeFailedError naming the problem at error level', async () => {
    const lines: string[] = [];
    const ok = await runProbe('probe', invocation(good, url, lines), Date.now());
    expect(ok.Probe.healthy).toBe(true);
    const line = JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'invocation', verdict: 'ok', keys: 'present', code: 'MissingParameter' });

    const failing: string[] = [];
    await expect(runProbe('probe', invocation(denied, url, failing), Date.now())).rejects.toMatchObject({
      name: 'ProbeFailedError',
      message: expect.stringMatching(/auth.*CAM/) as unknown as string,
    });
    expect(JSON.parse(failing.at(-1) ?? '{}')).toMatchObject({ level: 'error', verdict: 'auth' });
  });
});

describe('the emulator checks in the documented order: signature, permission, action, parameters', () => {
  async function call(keys: { secretId: string; secretKey: string; token?: string }, action: string): Promise<string> {
    const { CommonClient } = await import('tencentcloud-sdk-nodejs/tencentcloud/common/common_client');
    const client = new CommonClient('trtc.tencentcloudapi.com', '2019-07-22', {
      credential: keys,
      region: 'ap-guangzhou',
      profile: { httpProfile: { protocol: 'http://', endpoint: new URL(url).host, reqMethod: 'POST' } },
    });
    try {
      await client.request(action, {});
      return 'ok';
    } catch (error) {
      return String((error as { code?: unknown }).code);
    }
  }

  it('a bad signature wins over everything else', async () => {
    expect(await call({ ...good, secretKey: 'y'.repeat(32) }, 'NoSuchAction')).toBe('AuthFailure.SignatureFailure');
  });
  it('then the permission (CAM), even for an action that does not exist', async () => {
    expect(await call(denied, 'NoSuchAction')).toBe('AuthFailure.UnauthorizedOperation');
  });
  it('then the action', async () => {
    expect(await call(good, 'NoSuchAction')).toBe('InvalidAction');
  });
  it('and only then the parameters', async () => {
    expect(await call(good, 'CreateTroubleInfo')).toBe('MissingParameter');
    expect(emulator.created).toHaveLength(0);
  });
});
