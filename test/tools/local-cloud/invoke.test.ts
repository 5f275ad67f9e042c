/**
 * Invoke on the local SCF: the real bundle (a zip of dist/index.js) answers its health probe with role keys
 * minted by the local SCF; the SCF environment and context; warm reuse; a thrown error; a function slower than
 * its Timeout is killed and reported as SCF reports it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../../tools/deploy/zip';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud';
import { BUNDLE } from '../../support/bundle';
import { BASE } from '../../support/fixtures';
import { ECHO_CODE, errorCode, scfClient, waitForStatus, zipBase64, type ScfClient } from './support/cloud';

let cloud: LocalCloud;
let scf: ScfClient;

const SLOW_CODE = `
exports.main_handler = async (event) => {
  if (event.sleep) { console.log('sleeping'); await new Promise((r) => setTimeout(r, 30000)); }
  if (event.fail) throw new Error('the function failed on purpose');
  return { pid: process.pid };
};
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  cloud = await startLocalCloud({ activationDelayMs: 50 });
  scf = scfClient(cloud);
  const bundleZip = writeZip([{ name: 'index.js', data: readFileSync(BUNDLE) }]).toString('base64');
  await scf.CreateFunction({
    FunctionName: 'reporter',
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: bundleZip },
    Role: 'SCF_TRTC_TroubleReporter',
    Timeout: 10,
    Environment: { Variables: [{ Key: 'LOG_LEVEL', Value: 'info' }] },
  });
  await scf.CreateFunction({
    FunctionName: 'echo',
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: zipBase64({ 'index.js': ECHO_CODE }) },
    Role: 'R',
    MemorySize: 256,
    Timeout: 4,
    Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] },
  });
  await scf.CreateFunction({
    FunctionName: 'slow',
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: zipBase64({ 'index.js': SLOW_CODE }) },
    Timeout: 1,
  });
  for (const name of ['reporter', 'echo', 'slow']) expect(await waitForStatus(scf, name, ['Active', 'CreateFailed'])).toBe('Active');
});
afterAll(async () => {
  const pids = cloud.instancePids();
  await cloud.close();
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

describe('Invoke', () => {
  it('runs the real bundle from its zip: the Timer health probe passes with the minted role keys', async () => {
    expect(path.basename(BUNDLE)).toBe('index.js');
    const r = await scf.Invoke({
      FunctionName: 'reporter',
      ClientContext: JSON.stringify({ Type: 'Timer', TriggerName: 'probe', Time: '2026-12-01T00:00:00Z', Message: '' }),
      LogType: 'Tail',
    });
    expect(r.Result?.ErrMsg).toBe('');
    expect(r.Result?.InvokeResult).toBe(0);
    expect(JSON.parse(r.Result?.RetMsg ?? 'null')).toMatchObject({ Probe: { healthy: true, verdict: 'ok', keys: 'present' } });
    expect(r.Result?.Log).toContain(`START RequestId: ${r.Result?.FunctionRequestId ?? ''}`);
    expect(r.Result?.MemUsage).toBeGreaterThan(1_000_000);
    expect(r.Result?.BillDuration).toBeGreaterThanOrEqual(1);
  });

  it('a direct invocation of the bundle records the report in the local TRTC with the role keys', async () => {
    const report = { ...BASE, TroubleMsg: 'invoke-direct' };
    const r = await scf.Invoke({ FunctionName: 'reporter', ClientContext: JSON.stringify(report) });
    const envelope = JSON.parse(r.Result?.RetMsg ?? '{}') as { Response: { RequestId: string } };
    const recorded = cloud.trtc.created.find((c) => c.TroubleMsg === 'invoke-direct');
    expect(recorded?.RequestId).toBe(envelope.Response.RequestId);
    const call = cloud.trtc.calls.find((c) => c.requestId === recorded?.RequestId);
    expect(call?.headers['x-tc-token']).toBeTruthy();
  });

  it('gives the function SCF’s environment and context; the instance stays warm', async () => {
    const first = await scf.Invoke({ FunctionName: 'echo', ClientContext: '{"hello":"world"}' });
    const answer = JSON.parse(first.Result?.RetMsg ?? '{}') as {
      event: unknown;
      context: Record<string, unknown>;
      env: Record<string, string | undefined>;
      pid: number;
    };
    expect(answer.event).toEqual({ hello: 'world' });
    expect(answer.context).toMatchObject({
      request_id: first.Result?.FunctionRequestId,
      function_name: 'echo',
      function_version: '$LATEST',
      namespace: 'default',
      memory_limit_in_mb: 256,
      time_limit_in_ms: 4000,
      tencentcloud_region: 'ap-guangzhou',
      tencentcloud_appid: '1250000000',
      environment: '{"SCF_NAMESPACE":"default"}',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(answer.context.remaining).toBeGreaterThan(0);
    expect(answer.env).toMatchObject({
      SCF_FUNCTIONNAME: 'echo',
      SCF_RUNTIME: 'Nodejs18.15',
      TENCENTCLOUD_REGION: 'ap-guangzhou',
      TRTC_ENDPOINT: cloud.trtc.url,
      GREETING: 'hi',
      TENCENTCLOUD_SESSIONTOKEN: 'set',
    });
    expect(answer.env.TENCENTCLOUD_SECRETID).toMatch(/^AKID/);
    expect(answer.env.http_proxy).toBeUndefined();
    expect(first.Result?.Log).toBe('');
    const second = JSON.parse((await scf.Invoke({ FunctionName: 'echo' })).Result?.RetMsg ?? '{}') as { pid: number };
    expect(second.pid).toBe(answer.pid);
  });

  it('the function’s own TRTC_ENDPOINT wins over the local TRTC; without a Role there are no keys', async () => {
    await scf.CreateFunction({
      FunctionName: 'elsewhere',
      Runtime: 'Nodejs18.15',
      Handler: 'index.main_handler',
      Code: { ZipFile: zipBase64({ 'index.js': ECHO_CODE }) },
      Environment: { Variables: [{ Key: 'TRTC_ENDPOINT', Value: 'http://127.0.0.1:9' }] },
    });
    expect(await waitForStatus(scf, 'elsewhere', ['Active', 'CreateFailed'])).toBe('Active');
    const answer = JSON.parse((await scf.Invoke({ FunctionName: 'elsewhere' })).Result?.RetMsg ?? '{}') as { env: Record<string, string | undefined> };
    expect(answer.env.TRTC_ENDPOINT).toBe('http://127.0.0.1:9');
    expect(answer.env.TENCENTCLOUD_SECRETID).toBeUndefined();
  });

  it('a thrown error is ErrMsg with status 430, and the log keeps what the function printed', async () => {
    const r = await scf.Invoke({ FunctionName: 'slow', ClientContext: '{"fail":true}', LogType: 'Tail' });
    expect(r.Result?.InvokeResult).toBe(430);
    expect(JSON.parse(r.Result?.ErrMsg ?? '{}')).toEqual({ errorCode: 430, errorMessage: 'the function failed on purpose', statusCode: 430 });
    expect(r.Result?.RetMsg).toBe('');
    expect(r.Result?.Log).toContain('Error: the function failed on purpose');
  });

  it('a function slower than its Timeout is killed and reported as timed out (433); the next call starts cold', async () => {
    const warm = JSON.parse((await scf.Invoke({ FunctionName: 'slow' })).Result?.RetMsg ?? '{}') as { pid: number };
    expect(alive(warm.pid)).toBe(true);
    const started = Date.now();
    const r = await scf.Invoke({ FunctionName: 'slow', ClientContext: '{"sleep":true}', LogType: 'Tail' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.Result?.InvokeResult).toBe(433);
    expect(JSON.parse(r.Result?.ErrMsg ?? '{}')).toMatchObject({ errorCode: 433, errorMessage: 'Invoking task timed out after 1 seconds' });
    expect(r.Result?.Duration).toBe(1000);
    expect(alive(warm.pid)).toBe(false);
    const cold = JSON.parse((await scf.Invoke({ FunctionName: 'slow' })).Result?.RetMsg ?? '{}') as { pid: number };
    expect(cold.pid).not.toBe(warm.pid);
  });

  it('concurrent invocations run in parallel instances, at most 4 per function, each answered', async () => {
    const code = `exports.main_handler = async () => { await new Promise((r) => setTimeout(r, 300)); return process.pid; };`;
    await scf.CreateFunction({
      FunctionName: 'parallel',
      Runtime: 'Nodejs18.15',
      Handler: 'index.main_handler',
      Code: { ZipFile: zipBase64({ 'index.js': code }) },
      Timeout: 10,
    });
    expect(await waitForStatus(scf, 'parallel', ['Active', 'CreateFailed'])).toBe('Active');
    const results = await Promise.all(Array.from({ length: 7 }, () => scf.Invoke({ FunctionName: 'parallel' })));
    const pids = new Set(results.map((r) => r.Result?.RetMsg));
    expect(results.every((r) => r.Result?.InvokeResult === 0)).toBe(true);
    expect(pids.size).toBeGreaterThan(1);
    expect(pids.size).toBeLessThanOrEqual(4);
  });

  it('InvokeFunction (Event, Qualifier $DEFAULT) answers the same Result', async () => {
    const r = await scf.InvokeFunction({ FunctionName: 'echo', Event: '{"via":"InvokeFunction"}', LogType: 'Tail' });
    expect((JSON.parse(r.Result?.RetMsg ?? '{}') as { event: unknown }).event).toEqual({ via: 'InvokeFunction' });
    expect(r.Result?.Log).toContain('echo got {"via":"InvokeFunction"}');
    expect(await errorCode(scf.InvokeFunction({ FunctionName: 'echo', Qualifier: 'prod' }))).toBe('ResourceNotFound.Version');
  });

  it('refuses a ClientContext that is not JSON; an Event invocation answers an empty Result at once', async () => {
    expect(await errorCode(scf.Invoke({ FunctionName: 'echo', ClientContext: 'not json' }))).toBe('InvalidParameterValue.ClientContext');
    const r = await scf.Invoke({ FunctionName: 'echo', InvocationType: 'Event', ClientContext: '{}' });
    expect(r.Result).toMatchObject({ RetMsg: '', Log: '', ErrMsg: '' });
    expect(r.Result?.FunctionRequestId).toMatch(/^[0-9a-f-]{36}$/);
    await cloud.idle();
  });
});
