/**
 * The local SCF API through the real SDK scf client over loopback: TC3 verification, envelopes, the documented
 * error codes, the Creating/Updating → Active state machine, read-back of configuration and triggers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud';
import { createFunctionUrl, ECHO_CODE, errorCode, scfClient, waitForStatus, zipBase64, type ScfClient } from './support/cloud';
import { rawCall } from './support/raw';
import { postSigned, signAsProductClient } from '../shared/sdk-signing';

let cloud: LocalCloud;
let scf: ScfClient;
const ZIP = zipBase64({ 'index.js': ECHO_CODE });
const base = { Runtime: 'Nodejs18.15', Handler: 'index.main_handler', Code: { ZipFile: ZIP } };

beforeAll(async () => {
  cloud = await startLocalCloud({ activationDelayMs: 300 });
  scf = scfClient(cloud);
});
afterAll(async () => {
  await cloud.close();
});

describe('TC3 and the envelope', () => {
  it('accepts the SDK signing for 127.0.0.1:PORT (scope service 127, host signed without the port)', async () => {
    expect(await errorCode(scf.GetFunction({ FunctionName: 'absent' }))).toBe('ResourceNotFound.Function');
    const call = cloud.calls().at(-1);
    expect(call).toMatchObject({ action: 'GetFunction', params: { FunctionName: 'absent' }, error: 'ResourceNotFound.Function' });
  });

  it('accepts the signing of every other Tencent client (scope service scf, host signed with its port); refuses another product', async () => {
    const keys = { secretId: cloud.deployer.secretId, secretKey: cloud.deployer.secretKey };
    const host = new URL(cloud.scfEndpoint).host;
    const sign = (service: string): ReturnType<typeof signAsProductClient> =>
      signAsProductClient({ host, service, action: 'GetFunction', version: '2018-04-16', region: 'ap-guangzhou', body: '{"FunctionName":"absent"}', ...keys });
    expect((await postSigned(cloud.scfEndpoint, sign('scf'))).Response.Error?.Code).toBe('ResourceNotFound.Function');
    expect((await postSigned(cloud.scfEndpoint, sign('trtc'))).Response.Error?.Code).toBe('AuthFailure.SignatureFailure');
    expect(cloud.calls().at(-1)?.detail).toMatch(/scope service trtc/);
  });

  it('refuses a wrong secret key, an unknown SecretId, a token sent with long-term keys', async () => {
    expect(await errorCode(scfClient(cloud, { secretKey: 'wrong' }).GetFunction({ FunctionName: 'x' }))).toBe('AuthFailure.SignatureFailure');
    expect(await errorCode(scfClient(cloud, { secretId: 'AKIDunknown' }).GetFunction({ FunctionName: 'x' }))).toBe('AuthFailure.SecretIdNotFound');
    expect(await errorCode(scfClient(cloud, { token: 'tok' }).GetFunction({ FunctionName: 'x' }))).toBe('AuthFailure.TokenFailure');
  });

  it('answers HTTP 200 error envelopes for skew, version, action, region, method and media type', async () => {
    const keys = { secretId: cloud.deployer.secretId, secretKey: cloud.deployer.secretKey };
    const cases: [Parameters<typeof rawCall>[1], string][] = [
      [{ ...keys, timestamp: Math.floor(Date.now() / 1000) - 400 }, 'AuthFailure.SignatureExpire'],
      [{ ...keys, version: '2019-07-22' }, 'NoSuchVersion'],
      [{ ...keys, action: 'CreateTroubleInfo' }, 'InvalidAction'],
      [{ ...keys, region: null }, 'MissingParameter'],
      [{ ...keys, region: 'mars-1' }, 'UnsupportedRegion'],
      [{ ...keys, contentType: 'application/x-www-form-urlencoded' }, 'UnsupportedProtocol'],
      [{ ...keys, method: 'GET' }, 'UnsupportedProtocol'],
      [{ ...keys, service: 'cvm' }, 'AuthFailure.SignatureFailure'],
      [{ ...keys, body: '[1]' }, 'InvalidParameter'],
    ];
    for (const [options, code] of cases) {
      const answer = await rawCall(cloud.scfEndpoint, options);
      expect(answer.status, code).toBe(200);
      expect(answer.json.Response.Error?.Code, JSON.stringify(options)).toBe(code);
      expect(answer.json.Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    // the host may also be signed with its port
    const url = new URL(cloud.scfEndpoint);
    const withPort = await rawCall(cloud.scfEndpoint, { ...keys, signedHost: url.host, body: '{"FunctionName":"nope"}' });
    expect(withPort.json.Response.Error?.Code).toBe('ResourceNotFound.Function');
  });
});

describe('CreateFunction validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['bad name', { FunctionName: '1bad' }, 'InvalidParameterValue.FunctionName'],
    ['handler with a slash', { Handler: 'dist/index.main_handler' }, 'InvalidParameterValue.Handler'],
    ['python runtime', { Runtime: 'Python3.10' }, 'InvalidParameterValue.Runtime'],
    ['unknown runtime', { Runtime: 'Nodejs99' }, 'InvalidParameterValue.Runtime'],
    ['no runtime', { Runtime: undefined }, 'MissingParameter.Runtime'],
    ['no code', { Code: undefined }, 'MissingParameter.Code'],
    ['not base64', { Code: { ZipFile: 'not base64!' } }, 'InvalidParameterValue.ZipFileBase64BinasciiError'],
    ['not a zip', { Code: { ZipFile: Buffer.from('plain text, no zip').toString('base64') } }, 'InvalidParameterValue.ZipFile'],
    ['COS code', { Code: { CosBucketName: 'b', CosObjectName: '/o.zip' } }, 'InvalidParameterValue.Code'],
    ['memory', { MemorySize: 100 }, 'InvalidParameterValue.MemorySize'],
    ['timeout', { Timeout: 901 }, 'InvalidParameterValue.Timeout'],
    ['empty env value', { Environment: { Variables: [{ Key: 'A', Value: '' }] } }, 'InvalidParameterValue.Environment'],
    ['env reserved prefix', { Environment: { Variables: [{ Key: 'SCF_X', Value: '1' }] } }, 'InvalidParameterValue.EnvironmentSystemProtect'],
    ['env over 4 KB', { Environment: { Variables: [{ Key: 'BIG', Value: 'x'.repeat(4100) }] } }, 'InvalidParameterValue.EnvironmentExceededLimit'],
    ['namespace', { Namespace: 'other' }, 'ResourceNotFound.Namespace'],
    ['unknown parameter', { Colour: 'blue' }, 'UnknownParameter'],
  ];
  for (const [what, change, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const params = { FunctionName: 'valid-name', ...base, ...change } as never;
      expect(await errorCode(scf.CreateFunction(params))).toBe(code);
    });
  }
});

describe('the state machine', () => {
  it('Creating → Active; writes refused while Creating/Updating; duplicate create refused', async () => {
    await scf.CreateFunction({ FunctionName: 'machine', ...base, Role: 'SCF_Role', Environment: { Variables: [{ Key: 'GREETING', Value: 'hi' }] } });
    expect((await scf.GetFunction({ FunctionName: 'machine' })).Status).toBe('Creating');
    expect(await errorCode(scf.UpdateFunctionCode({ FunctionName: 'machine', Code: { ZipFile: ZIP } }))).toBe('FailedOperation.UpdateFunctionCode');
    expect(await errorCode(scf.Invoke({ FunctionName: 'machine' }))).toBe('FailedOperation.FunctionStatusError');
    expect(await errorCode(scf.CreateTrigger({ FunctionName: 'machine', TriggerName: 't', Type: 'timer', TriggerDesc: '0 * * * * * *' }))).toBe(
      'FailedOperation.CreateTrigger',
    );
    expect(await errorCode(scf.CreateFunction({ FunctionName: 'machine', ...base }))).toBe('ResourceInUse.Function');
    expect(await waitForStatus(scf, 'machine', ['Active'])).toBe('Active');

    await scf.UpdateFunctionCode({ FunctionName: 'machine', Handler: 'index.main_handler', Code: { ZipFile: ZIP } });
    expect((await scf.GetFunction({ FunctionName: 'machine' })).Status).toBe('Updating');
    expect(await errorCode(scf.UpdateFunctionCode({ FunctionName: 'machine', Code: { ZipFile: ZIP } }))).toBe('FailedOperation.UpdateFunctionCode');
    expect(await errorCode(scf.UpdateFunctionConfiguration({ FunctionName: 'machine', Timeout: 5 }))).toBe('FailedOperation.FunctionStatusError');
    expect(await errorCode(scf.DeleteFunction({ FunctionName: 'machine' }))).toBe('FailedOperation.FunctionStatusError');
    expect(await waitForStatus(scf, 'machine', ['Active'])).toBe('Active');
  });

  it('UpdateFunctionConfiguration: Runtime refused, Environment replaced whole, the empty sentinel clears it', async () => {
    expect(await errorCode(scf.UpdateFunctionConfiguration({ FunctionName: 'machine', Runtime: 'Nodejs16.13' }))).toBe('InvalidParameterValue.Runtime');
    await scf.UpdateFunctionConfiguration({ FunctionName: 'machine', Environment: { Variables: [{ Key: 'OTHER', Value: '2' }] }, Timeout: 7 });
    await waitForStatus(scf, 'machine', ['Active']);
    let f = await scf.GetFunction({ FunctionName: 'machine' });
    expect(f.Environment?.Variables).toEqual([{ Key: 'OTHER', Value: '2' }]);
    expect(f.Timeout).toBe(7);
    expect(f.Role).toBe('SCF_Role');
    await scf.UpdateFunctionConfiguration({ FunctionName: 'machine', Environment: { Variables: [{ Key: '', Value: '' }] } });
    await waitForStatus(scf, 'machine', ['Active']);
    f = await scf.GetFunction({ FunctionName: 'machine' });
    expect(f.Environment?.Variables).toEqual([]);
  });

  it('GetFunctionAddress reports the sha256 of the uploaded zip; UpdateFunctionCode changes it', async () => {
    const { createHash } = await import('node:crypto');
    const address = await scf.GetFunctionAddress({ FunctionName: 'machine' });
    expect(address.CodeSha256).toBe(createHash('sha256').update(Buffer.from(ZIP, 'base64')).digest('hex'));
    const other = zipBase64({ 'index.js': `${ECHO_CODE}\n// v2\n` });
    await scf.UpdateFunctionCode({ FunctionName: 'machine', Code: { ZipFile: other } });
    await waitForStatus(scf, 'machine', ['Active']);
    expect((await scf.GetFunctionAddress({ FunctionName: 'machine' })).CodeSha256).toBe(
      createHash('sha256').update(Buffer.from(other, 'base64')).digest('hex'),
    );
    expect((await scf.GetFunction({ FunctionName: 'machine' })).CodeSize).toBe(Buffer.from(other, 'base64').length);
  });

  it('a package without the handler file, or without the export, ends CreateFailed with StatusReasons', async () => {
    await scf.CreateFunction({ FunctionName: 'nofile', ...base, Code: { ZipFile: zipBase64({ 'main.js': ECHO_CODE }) } });
    await scf.CreateFunction({ FunctionName: 'noexport', ...base, Code: { ZipFile: zipBase64({ 'index.js': 'exports.other = () => 1;' }) } });
    expect(await waitForStatus(scf, 'nofile', ['CreateFailed', 'Active'])).toBe('CreateFailed');
    expect(await waitForStatus(scf, 'noexport', ['CreateFailed', 'Active'])).toBe('CreateFailed');
    const nofile = await scf.GetFunction({ FunctionName: 'nofile' });
    expect(nofile.StatusReasons?.[0]?.ErrorMessage).toContain('no index.js');
    const noexport = await scf.GetFunction({ FunctionName: 'noexport' });
    expect(noexport.StatusReasons?.[0]?.ErrorMessage).toContain('main_handler');
    expect(await errorCode(scf.UpdateFunctionCode({ FunctionName: 'nofile', Code: { ZipFile: ZIP } }))).toBe('FailedOperation.UpdateFunctionCode');
    await scf.DeleteFunction({ FunctionName: 'nofile' });
    expect((await scf.GetFunction({ FunctionName: 'nofile' })).Status).toBe('Deleting');
    const until = Date.now() + 5000;
    while ((await errorCode(scf.GetFunction({ FunctionName: 'nofile' }))) === 'resolved' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(await errorCode(scf.GetFunction({ FunctionName: 'nofile' }))).toBe('ResourceNotFound.Function');
  });

  it('functions live per region', async () => {
    expect(await errorCode(scfClient(cloud, { region: 'ap-shanghai' }).GetFunction({ FunctionName: 'machine' }))).toBe('ResourceNotFound.Function');
  });
});

describe('triggers', () => {
  it('creates http, timer and ckafka triggers and reads TriggerDesc back as the platform does', async () => {
    await createFunctionUrl(scf, 'machine');
    await scf.CreateTrigger({
      FunctionName: 'machine',
      TriggerName: 'tick',
      Type: 'timer',
      TriggerDesc: '0 0 3 * * * *',
      Enable: 'OPEN',
      CustomArgument: 'hello',
    });
    await scf.CreateTrigger({
      FunctionName: 'machine',
      TriggerName: 'ckafka-abcd1234-reports',
      Type: 'ckafka',
      TriggerDesc: JSON.stringify({ maxMsgNum: 10, offset: 'latest', retry: 3, timeOut: 60 }),
    });
    const listed = await scf.ListTriggers({ FunctionName: 'machine', Limit: 100 });
    expect(listed.TotalCount).toBe(3);
    const byName = new Map((listed.Triggers ?? []).map((t) => [t.TriggerName, t]));
    const http = JSON.parse(byName.get('url-trigger')?.TriggerDesc ?? '{}') as { NetConfig: { ExtranetUrl: string } };
    expect(http.NetConfig.ExtranetUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(byName.get('url-trigger')?.Enable).toBe(1);
    expect(byName.get('tick')?.TriggerDesc).toBe('{"cron":"0 0 3 * * * *"}');
    expect(byName.get('tick')).toMatchObject({ Enable: 1, CustomArgument: 'hello', Qualifier: '$LATEST' });
    expect(JSON.parse(byName.get('ckafka-abcd1234-reports')?.TriggerDesc ?? '{}')).toEqual({ maxMsgNum: 10, offset: 'latest', retry: 3, timeOut: 60 });
    expect(byName.get('ckafka-abcd1234-reports')?.Enable).toBe(0);
    const fn = await scf.GetFunction({ FunctionName: 'machine' });
    expect(fn.Triggers?.map((t) => t.TriggerName).sort()).toEqual(['ckafka-abcd1234-reports', 'tick', 'url-trigger']);

    // UpdateTrigger keeps the URL; DeleteTrigger removes
    await scf.UpdateTrigger({
      FunctionName: 'machine',
      TriggerName: 'url-trigger',
      Type: 'http',
      TriggerDesc: JSON.stringify({ AuthType: 'CAM', NetConfig: { EnableIntranet: false, EnableExtranet: true } }),
    });
    const after = await scf.ListTriggers({ FunctionName: 'machine', Filters: [{ Name: 'TriggerName', Values: ['url-trigger'] }] });
    const desc = JSON.parse(after.Triggers?.[0]?.TriggerDesc ?? '{}') as { AuthType: string; NetConfig: { ExtranetUrl: string } };
    expect(desc).toMatchObject({ AuthType: 'CAM', NetConfig: { ExtranetUrl: http.NetConfig.ExtranetUrl } });
    await scf.UpdateTrigger({ FunctionName: 'machine', TriggerName: 'tick', Type: 'timer', TriggerDesc: '0 30 3 * * * *' });
    expect((await scf.ListTriggers({ FunctionName: 'machine', Filters: [{ Name: 'TriggerName', Values: ['tick'] }] })).Triggers?.[0]?.TriggerDesc).toBe(
      '{"cron":"0 30 3 * * * *"}',
    );
    await scf.DeleteTrigger({ FunctionName: 'machine', TriggerName: 'tick', Type: 'timer' });
    expect((await scf.ListTriggers({ FunctionName: 'machine' })).TotalCount).toBe(2);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['apigw is retired', { Type: 'apigw', TriggerDesc: '{}' }, 'InvalidParameterValue.Type'],
    ['cmq is retired', { Type: 'cmq', TriggerDesc: '{}' }, 'InvalidParameterValue.Type'],
    ['http without NetConfig', { Type: 'http', TriggerDesc: '{"AuthType":"NONE"}' }, 'InvalidParameterValue.TriggerDesc'],
    [
      'http with a bad AuthType',
      { Type: 'http', TriggerDesc: '{"AuthType":"OPEN","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}' },
      'InvalidParameterValue.TriggerDesc',
    ],
    ['timer with 6 fields', { Type: 'timer', TriggerDesc: '0 * * * * *' }, 'InvalidParameterValue.TriggerDesc'],
    ['timer out of range', { Type: 'timer', TriggerDesc: '61 * * * * * *' }, 'InvalidParameterValue.TriggerDesc'],
    [
      'ckafka missing retry',
      { Type: 'ckafka', TriggerName: 'ckafka-abcd1234-t', TriggerDesc: '{"maxMsgNum":1,"offset":"latest","timeOut":60}' },
      'InvalidParameterValue.TriggerDesc',
    ],
    [
      'ckafka name without instance',
      { Type: 'ckafka', TriggerName: 'reports', TriggerDesc: '{"maxMsgNum":1,"offset":"latest","retry":1,"timeOut":60}' },
      'InvalidParameterValue.TriggerName',
    ],
    [
      'second Function URL for $DEFAULT',
      {
        Type: 'http',
        TriggerName: 'url2',
        Qualifier: '$DEFAULT',
        TriggerDesc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}',
      },
      'ResourceInUse.Trigger',
    ],
    [
      'duplicate name',
      { Type: 'http', TriggerName: 'url-trigger', TriggerDesc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}' },
      'ResourceInUse.Trigger',
    ],
  ];
  for (const [what, change, code] of bad) {
    it(`${what} → ${code}`, async () => {
      expect(await errorCode(scf.CreateTrigger({ FunctionName: 'machine', TriggerName: 'name', ...change } as never))).toBe(code);
    });
  }

  it('UpdateTrigger refuses a ckafka offset change; unknown triggers are ResourceNotFound.Trigger', async () => {
    expect(
      await errorCode(
        scf.UpdateTrigger({
          FunctionName: 'machine',
          TriggerName: 'ckafka-abcd1234-reports',
          Type: 'ckafka',
          TriggerDesc: '{"maxMsgNum":10,"offset":"earliest","retry":3,"timeOut":60}',
        }),
      ),
    ).toBe('InvalidParameterValue.TriggerDesc');
    expect(await errorCode(scf.DeleteTrigger({ FunctionName: 'machine', TriggerName: 'none', Type: 'timer' }))).toBe('ResourceNotFound.Trigger');
  });
});

describe('the control surface', () => {
  const control = (target: string, body: string | Buffer): Promise<Response> =>
    fetch(`${cloud.scfEndpoint}/_local/ckafka/${target}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it.each([
    ['a body that is not JSON', 'x', '{', /must be JSON/],
    ['JSON null', 'x', 'null', /messages/],
    ['a JSON array', 'x', '[1]', /messages/],
    ['a trigger name that is not valid percent-encoding', '%E0%A4%A', '{"messages":["m"]}', /trigger name/],
  ])('%s is a 400 naming what is wrong', async (_what, target, body, message) => {
    const answer = await control(target, body);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toMatch(message);
  });

  it('a body over the 10 MB limit is a 413', async () => {
    const answer = await control('x', Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: string }).error).toMatch(/10 MB/);
  });
});

describe('closing', () => {
  it('closes promptly while a function is still Creating', async () => {
    const slow = await startLocalCloud({ activationDelayMs: 60_000 });
    const client = scfClient(slow);
    await client.CreateFunction({ FunctionName: 'pending', ...base });
    expect((await client.GetFunction({ FunctionName: 'pending' })).Status).toBe('Creating');
    await slow.close(); // the test's own time limit is the bound: close must not wait for the activation
    expect(slow.instancePids()).toEqual([]);
  });
});
