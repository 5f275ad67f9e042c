/**
 * Versions, aliases and logs of the local SCF through the real SDK: PublishVersion freezes $LATEST, an alias splits
 * the traffic of its Function URL by its weights (measured), Invoke takes a Qualifier and returns the log tail,
 * DeleteFunction takes the versions with it, and CLS SearchLog returns the function's lines in SCF's key:value form.
 */
import http from 'node:http';
import { Client as ClsClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cls/v20201016/cls_client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_KEYS, startLocalCloud, type LocalCloud } from '../../../tools/local-cloud';
import { readableLine } from '../../../tools/deploy/readable-log';
import { describeInvocation } from '../../../tools/local-cloud/invocation-log';
import { createFunctionUrl, errorCode, scfClient, waitForStatus, zipBase64, type ScfClient } from './support/cloud';

const code = (tag: string) => `
exports.main_handler = async (event, context) => {
  console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'served', tag: '${tag}' }));
  return { tag: '${tag}', version: process.env.SCF_FUNCTIONVERSION, contextVersion: context.function_version, greeting: process.env.GREETING };
};
`;

let cloud: LocalCloud;
let scf: ScfClient;
const printed: string[] = [];
const NAME = 'versioned';

async function waitVersion(version: string): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    const status = (await scf.GetFunction({ FunctionName: NAME, Qualifier: version })).Status ?? '';
    if (status !== 'Publishing' || Date.now() > until) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function invoke(qualifier: string | undefined): Promise<{ tag: string; version: string; contextVersion: string; greeting?: string }> {
  const r = await scf.Invoke({ FunctionName: NAME, ...(qualifier ? { Qualifier: qualifier } : {}), ClientContext: '{}' });
  return JSON.parse(r.Result?.RetMsg ?? 'null') as { tag: string; version: string; contextVersion: string };
}

beforeAll(async () => {
  cloud = await startLocalCloud({ activationDelayMs: 30, onInvocation: (r) => printed.push(...describeInvocation(r, readableLine)) });
  scf = scfClient(cloud);
  await scf.CreateFunction({
    FunctionName: NAME,
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: zipBase64({ 'index.js': code('one') }) },
    Environment: { Variables: [{ Key: 'GREETING', Value: 'hello' }] },
  });
  expect(await waitForStatus(scf, NAME, ['Active'])).toBe('Active');
});

afterAll(async () => {
  await cloud?.close();
});

describe('versions and aliases', { timeout: 30_000 }, () => {
  it('accepts the throwaway keys test/test by default', () => {
    expect(cloud.deployer).toEqual({ secretId: 'test', secretKey: 'test' });
    expect(LOCAL_KEYS).toEqual({ secretId: 'test', secretKey: 'test' });
  });

  it('$DEFAULT exists from creation, points at $LATEST and cannot be deleted', async () => {
    const a = await scf.GetAlias({ FunctionName: NAME, Name: '$DEFAULT' });
    expect(a).toMatchObject({ Name: '$DEFAULT', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: [] } });
    expect(await errorCode(scf.DeleteAlias({ FunctionName: NAME, Name: '$DEFAULT' }))).toBe('InvalidParameterValue.Name');
  });

  it('PublishVersion freezes $LATEST (code and configuration); later changes do not reach the version', async () => {
    const published = await scf.PublishVersion({ FunctionName: NAME, Description: 'first' });
    expect(published).toMatchObject({ FunctionVersion: '1', Handler: 'index.main_handler', Runtime: 'Nodejs18.15', Namespace: 'default' });
    expect(await waitVersion('1')).toBe('Active');
    await scf.UpdateFunctionCode({ FunctionName: NAME, Handler: 'index.main_handler', Code: { ZipFile: zipBase64({ 'index.js': code('two') }) } });
    expect(await waitForStatus(scf, NAME, ['Active'])).toBe('Active');
    await scf.UpdateFunctionConfiguration({ FunctionName: NAME, Environment: { Variables: [{ Key: 'GREETING', Value: 'bye' }] } });
    expect(await waitForStatus(scf, NAME, ['Active'])).toBe('Active');
    expect(await invoke('1')).toEqual({ tag: 'one', version: '1', contextVersion: '1', greeting: 'hello' });
    expect(await invoke(undefined)).toEqual({ tag: 'two', version: '$LATEST', contextVersion: '$LATEST', greeting: 'bye' });
    expect((await scf.PublishVersion({ FunctionName: NAME })).FunctionVersion).toBe('2');
    expect(await waitVersion('2')).toBe('Active');
    const listed = await scf.ListVersionByFunction({ FunctionName: NAME });
    expect(listed.FunctionVersion).toEqual(['$LATEST', '1', '2']);
    const v1 = await scf.GetFunction({ FunctionName: NAME, Qualifier: '1' });
    expect(v1).toMatchObject({ FunctionVersion: '1', Qualifier: '1', Status: 'Active', Environment: { Variables: [{ Key: 'GREETING', Value: 'hello' }] } });
    const [addr1, addr2] = await Promise.all(['1', '2'].map((q) => scf.GetFunctionAddress({ FunctionName: NAME, Qualifier: q })));
    expect(addr1!.CodeSha256).not.toBe(addr2!.CodeSha256);
  });

  it('an unknown qualifier is ResourceNotFound.Version; a bad routing config is refused', async () => {
    expect(await errorCode(scf.Invoke({ FunctionName: NAME, Qualifier: '9' }))).toBe('ResourceNotFound.Version');
    expect(await errorCode(scf.UpdateAlias({ FunctionName: NAME, Name: '$DEFAULT', FunctionVersion: '7' }))).toBe('ResourceNotFound.Version');
    const same = { AdditionalVersionWeights: [{ Version: '1', Weight: 0.5 }] };
    expect(await errorCode(scf.UpdateAlias({ FunctionName: NAME, Name: '$DEFAULT', FunctionVersion: '1', RoutingConfig: same }))).toBe(
      'InvalidParameterValue.RoutingConfig',
    );
    const tooMuch = { AdditionalVersionWeights: [{ Version: '2', Weight: 1.5 }] };
    expect(await errorCode(scf.UpdateAlias({ FunctionName: NAME, Name: '$DEFAULT', FunctionVersion: '1', RoutingConfig: tooMuch }))).toBe(
      'InvalidParameterValue.RoutingConfig',
    );
  });

  it('the Function URL of $DEFAULT serves the alias: all version 1, then split 50/50 (measured), then all version 2', async () => {
    const url = await createFunctionUrl(scf, NAME);
    const tags = async (n: number): Promise<Record<string, number>> => {
      const seen: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const body = (await (await fetch(url)).json()) as { tag: string };
        seen[body.tag] = (seen[body.tag] ?? 0) + 1;
      }
      return seen;
    };
    await scf.UpdateAlias({ FunctionName: NAME, Name: '$DEFAULT', FunctionVersion: '1' });
    expect(await tags(10)).toEqual({ one: 10 });
    await scf.UpdateAlias({
      FunctionName: NAME,
      Name: '$DEFAULT',
      FunctionVersion: '1',
      RoutingConfig: { AdditionalVersionWeights: [{ Version: '2', Weight: 0.5 }] },
    });
    const split = await tags(200);
    // 200 fair coin flips: each side is within 60..140 with probability > 1 - 1e-8.
    expect(split.one).toBeGreaterThan(60);
    expect(split.two).toBeGreaterThan(60);
    expect(split.one! + split.two!).toBe(200);
    const alias = await scf.GetAlias({ FunctionName: NAME, Name: '$DEFAULT' });
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual([{ Version: '2', Weight: 0.5 }]);
    await scf.UpdateAlias({ FunctionName: NAME, Name: '$DEFAULT', FunctionVersion: '2' });
    expect(await tags(10)).toEqual({ two: 10 });
    const urlRuns = cloud.invocations().filter((r) => r.trigger === 'url');
    expect(urlRuns.every((r) => r.qualifier === '$DEFAULT' && r.alias === '$DEFAULT' && r.status === '200')).toBe(true);
  });

  it('other aliases: create, list, get, delete', async () => {
    await scf.CreateAlias({ FunctionName: NAME, Name: 'prod', FunctionVersion: '1', Description: 'stable' });
    expect(await errorCode(scf.CreateAlias({ FunctionName: NAME, Name: 'prod', FunctionVersion: '1' }))).toBe('ResourceInUse.Alias');
    expect((await invoke('prod')).tag).toBe('one');
    const list = await scf.ListAliases({ FunctionName: NAME });
    expect(list.Aliases?.map((a) => a.Name).sort()).toEqual(['$DEFAULT', 'prod']);
    await scf.DeleteAlias({ FunctionName: NAME, Name: 'prod' });
    expect(await errorCode(scf.GetAlias({ FunctionName: NAME, Name: 'prod' }))).toBe('ResourceNotFound.Alias');
  });

  it('Invoke with LogType Tail returns the log framed by START/END/Report; each invocation is printed readably', async () => {
    const r = await scf.Invoke({ FunctionName: NAME, Qualifier: '$DEFAULT', LogType: 'Tail', ClientContext: '{}' });
    const id = r.Result!.FunctionRequestId!;
    expect(r.Result!.Log).toMatch(
      new RegExp(`^START RequestId: ${id}\\n\\{"level":"info".*"msg":"served","tag":"two"\\}\\nEND RequestId: ${id}\\nReport RequestId`),
    );
    const line = printed.findIndex((l) => l.includes(id));
    expect(printed[line]).toMatch(/ invoke versioned \$DEFAULT → version 2: ok in \d+\.\d ms \(RequestId /);
    expect(printed[line + 1]).toMatch(/^ {4}\d\d:\d\d:\d\d\.\d{3} INFO {2}served {2}tag=two$/);
  });

  it('CLS SearchLog returns the function lines in SCF key:value form, filtered by request id', async () => {
    const fn = await scf.GetFunction({ FunctionName: NAME });
    expect(fn.ClsTopicId).toMatch(/^[0-9a-f-]{36}$/);
    const r = await scf.Invoke({ FunctionName: NAME, Qualifier: '1', ClientContext: '{}' });
    const id = r.Result!.FunctionRequestId!;
    const cls = new ClsClient({
      credential: LOCAL_KEYS,
      region: 'ap-guangzhou',
      profile: { httpProfile: { protocol: 'http://', endpoint: cloud.clsEndpoint.replace('http://', ''), agent: new http.Agent() } },
    });
    const found = await cls.SearchLog({
      TopicId: fn.ClsTopicId!,
      From: Date.now() - 60_000,
      To: Date.now() + 1000,
      QueryString: `SCF_FunctionName:"${NAME}" AND SCF_RequestId:"${id}"`,
      Sort: 'asc',
      Limit: 100,
    });
    const lines = (found.Results ?? []).map((x) => JSON.parse(x.LogJson!) as Record<string, string>);
    expect(lines.map((l) => l.SCF_Type)).toEqual(['Platform', 'Custom', 'Platform', 'Platform']);
    expect(lines[1]).toMatchObject({ SCF_FunctionName: NAME, SCF_RequestId: id, SCF_Qualifier: '1', SCF_Namespace: 'default' });
    expect(JSON.parse(lines[1]!.SCF_Message!)).toMatchObject({ msg: 'served', tag: 'one' });
    expect(found.ListOver).toBe(true);
    expect(await errorCode(cls.SearchLog({ TopicId: fn.ClsTopicId!, From: 0, To: Date.now(), QueryString: 'tag:one OR x' }))).toBe(
      'InvalidParameter.QueryString',
    );
  });

  it('DeleteFunction (not refused while triggers exist) takes the versions, aliases and URL with it', async () => {
    await scf.DeleteFunction({ FunctionName: NAME });
    const until = Date.now() + 5000;
    while ((await errorCode(scf.GetFunction({ FunctionName: NAME }))) !== 'ResourceNotFound.Function' && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await errorCode(scf.GetFunction({ FunctionName: NAME, Qualifier: '1' }))).toBe('ResourceNotFound.Function');
    expect(cloud.instancePids()).toEqual([]);
  });
});
