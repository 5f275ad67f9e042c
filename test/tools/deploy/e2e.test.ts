/**
 * End to end over loopback with the real SDK: this checkout deployed to the local SCF (tools/local-cloud), then a
 * report POSTed to its Function URL is recorded by the local TRTC; every later deploy writes exactly what
 * changed (nothing, the configuration, the code, one trigger); --dry-run writes nothing and plans the same;
 * a function found CreateFailed is deleted and re-created only with consent; a runtime change is refused.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildArtifact } from '../../../tools/deploy/artifact';
import { deploy, DeployError, type DeployOptions, type DeployResult } from '../../../tools/deploy/deploy';
import { SdkScfApi } from '../../../tools/deploy/scf-api';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud/index';
import { ROOT } from '../../support/bundle';
import { BASE } from '../../support/fixtures';
import { copyProject, editYml, type Doc } from './support';

const WRITE_ACTIONS = new Set([
  'CreateFunction',
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'DeleteFunction',
  'CreateTrigger',
  'UpdateTrigger',
  'DeleteTrigger',
  'PublishVersion',
  'CreateAlias',
  'UpdateAlias',
]);

describe('npm run deploy against the local SCF', { timeout: 60_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let lines: string[];
  let env: Record<string, string>;

  const run = (extra: Partial<DeployOptions> = {}): Promise<DeployResult> => {
    lines = [];
    return deploy({ root: dir, env, print: (l) => lines.push(l), pollIntervalMs: 25, waitTimeoutMs: 20_000, yes: true, ...extra });
  };

  /** The SCF write actions the local SCF received while `body` ran. */
  async function writesDuring<T>(body: () => Promise<T>): Promise<{ value: T; writes: string[] }> {
    const before = cloud.calls().length;
    const value = await body();
    return {
      value,
      writes: cloud
        .calls()
        .slice(before)
        .filter((c) => WRITE_ACTIONS.has(c.action) && !c.error)
        .map((c) => c.action),
    };
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ activationDelayMs: 100 });
    env = { SCF_ENDPOINT: cloud.scfEndpoint, TENCENTCLOUD_SECRET_ID: cloud.deployer.secretId, TENCENTCLOUD_SECRET_KEY: cloud.deployer.secretKey };
    dir = copyProject('deploy-e2e-');
  });

  afterAll(async () => {
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the function and its Function URL, waits for Active, smoke-checks both', async () => {
    const { value: r, writes } = await writesDuring(() => run());
    expect(r.writes).toEqual(['CreateFunction', 'PublishVersion', 'UpdateAlias', 'CreateTrigger']);
    expect(writes).toEqual(r.writes);
    expect(r.version).toBe('1');
    expect(r.alias).toMatchObject({ name: '$DEFAULT', version: '1', weights: [] });
    expect(r).toMatchObject({ function: 'trtc-trouble-dev-createTroubleInfo', namespace: 'default', region: 'ap-guangzhou' });
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.smoke).toMatchObject({ ok: true, invoke: { ok: true }, http: { ok: true, status: 400 } });
    expect(lines.filter((l) => /^ {2}Active after \d+\.\d s$/.test(l))).toHaveLength(2);
    expect(lines).toContain(`Function URL: ${r.url}`);
    // The smoke check created no record.
    expect(cloud.trtc.created).toHaveLength(0);
    expect(lines.join('\n')).not.toContain(cloud.deployer.secretKey);
  });

  it('a report POSTed to the Function URL gets 200 and the RequestId the local TRTC recorded', async () => {
    const r = await run({ smoke: false });
    const res = await fetch(r.url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BASE) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Response: { RequestId: string } };
    expect(cloud.trtc.created).toHaveLength(1);
    expect(cloud.trtc.created[0]).toMatchObject({ ...BASE, RequestId: body.Response.RequestId });
  });

  it('a redeploy of the same checkout writes nothing', async () => {
    const { value: r, writes } = await writesDuring(() => run());
    expect(r.writes).toEqual([]);
    expect(writes).toEqual([]);
    expect(r.plan).toEqual([{ action: 'nothing', reason: expect.stringMatching(/already match/) as unknown as string }]);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('--dry-run writes nothing and prints the plan the real deploy then follows', async () => {
    editYml(dir, (d) => {
      d.provider.environment.variables.LOG_LEVEL = 'warn';
    });
    const { value: dry, writes } = await writesDuring(() => run({ dryRun: true }));
    expect(dry.writes).toEqual([]);
    expect(writes).toEqual([]);
    expect(lines).toContain('dry run: nothing written');
    const dryPlanLines = lines.filter((l) => l.startsWith('plan: '));
    const real = await run();
    expect(real.plan).toEqual(dry.plan);
    expect(lines.filter((l) => l.startsWith('plan: '))).toEqual(dryPlanLines);
  });

  it('a changed environment variable: only UpdateFunctionConfiguration', async () => {
    editYml(dir, (d) => {
      d.provider.environment.variables.LOG_LEVEL = 'error';
    });
    const { value: r, writes } = await writesDuring(() => run());
    expect(r.writes).toEqual(['UpdateFunctionConfiguration', 'PublishVersion', 'UpdateAlias']);
    expect(writes).toEqual(r.writes);
    expect(r.plan[0]!.reason).toBe('environment: LOG_LEVEL changed');
  });

  it('changed code: only UpdateFunctionCode, and the new code runs', async () => {
    const file = path.join(dir, 'dist', 'index.js');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// rebuilt\n`);
    const { value: r, writes } = await writesDuring(() => run());
    expect(r.writes).toEqual(['UpdateFunctionCode', 'PublishVersion', 'UpdateAlias']);
    expect(writes).toEqual(r.writes);
    expect(r.smoke?.ok).toBe(true);
  });

  it('an added timer: only CreateTrigger', async () => {
    editYml(dir, (d) => {
      d.functions.createTroubleInfo.events.push({ timer: { name: 'trouble_probe', parameters: { cronExpression: '0 0 3 * * * *' } } });
    });
    const { value: r, writes } = await writesDuring(() => run());
    expect(r.writes).toEqual(['CreateTrigger']);
    expect(writes).toEqual(['CreateTrigger']);
    expect((await run()).writes).toEqual([]);
  });

  it("a timer's argument removed from serverless.yml is cleared by one UpdateTrigger; the redeploy after is a no-op", async () => {
    const timer = (parameters: Doc) => (d: Doc) => {
      const events = d.functions.createTroubleInfo.events.filter((e: Doc) => !('timer' in e));
      events.push({ timer: { name: 'trouble_probe', parameters: { cronExpression: '0 0 3 * * * *', ...parameters } } });
      d.functions.createTroubleInfo.events = events;
    };
    editYml(dir, timer({ argument: 'nightly' }));
    expect((await run({ smoke: false })).writes).toEqual(['UpdateTrigger']);
    editYml(dir, timer({}));
    const cleared = await run({ smoke: false });
    expect(cleared.writes).toEqual(['UpdateTrigger']);
    expect(cleared.plan[0]!.reason).toBe('timer trigger trouble_probe: CustomArgument changed');
    const listed = await new SdkScfApi('default', 'ap-guangzhou', env).listTriggers('trtc-trouble-dev-createTroubleInfo');
    expect(listed.find((t) => t.name === 'trouble_probe')?.customArgument).toBe('');
    expect((await run({ smoke: false })).writes).toEqual([]);
  });

  it('a Function URL setting changes in place: UpdateTrigger, same URL', async () => {
    const before = (await run({ smoke: false })).url;
    editYml(dir, (d) => {
      d.functions.createTroubleInfo.events[0].http.parameters.cors = { origins: ['https://app.example.com'], methods: ['POST'] };
    });
    const r = await run({ smoke: false });
    expect(r.writes).toEqual(['UpdateTrigger']);
    expect(r.url).toBe(before);
  });

  it('a CKafka trigger: created, its retry changed in place, a new offset re-creates it (with consent)', async () => {
    const kafka = (over: Doc) => (d: Doc) => {
      const events = d.functions.createTroubleInfo.events.filter((e: Doc) => !('ckafka' in e));
      events.push({ ckafka: { parameters: { instanceId: 'ckafka-abc12345', topic: 'trouble', maxMsgNum: 10, retry: 2, timeOut: 30, ...over } } });
      d.functions.createTroubleInfo.events = events;
    };
    editYml(dir, kafka({}));
    expect((await run({ smoke: false })).writes).toEqual(['CreateTrigger']);
    editYml(dir, kafka({ retry: 5 }));
    const updated = await run({ smoke: false });
    expect(updated.writes).toEqual(['UpdateTrigger']);
    expect(updated.plan[0]!.reason).toBe('ckafka trigger ckafka-abc12345-trouble: retry 2 → 5');
    editYml(dir, kafka({ retry: 5, offset: 'earliest' }));
    expect((await run({ smoke: false })).writes).toEqual(['DeleteTrigger', 'CreateTrigger']);
    expect((await run({ smoke: false })).writes).toEqual([]);
    editYml(dir, (d) => {
      d.functions.createTroubleInfo.events = d.functions.createTroubleInfo.events.filter((e: Doc) => !('ckafka' in e));
    });
    expect((await run({ smoke: false })).writes).toEqual(['DeleteTrigger']);
  });

  it('a removed timer is deleted only with consent', async () => {
    editYml(dir, (d) => {
      d.functions.createTroubleInfo.events = d.functions.createTroubleInfo.events.filter((e: Doc) => !('timer' in e));
    });
    const { writes } = await writesDuring(() =>
      expect(run({ yes: false })).rejects.toThrow(/deletes: timer trigger trouble_probe is not in serverless\.yml.*run again with --yes/),
    );
    expect(writes).toEqual([]);
    expect((await run({ yes: false, confirm: async () => true, smoke: false })).writes).toEqual(['DeleteTrigger']);
  });

  it('bad configuration: every error, nothing called', async () => {
    const before = cloud.calls().length;
    editYml(dir, (d) => {
      d.provider.memorySize = 100;
      d.functions.createTroubleInfo.events.push({ apigw: { name: 'x' } });
    });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect(String((error as Error).message)).toMatch(/provider\.memorySize: must be 64 or 128–3072/);
    expect(String((error as Error).message)).toMatch(/apigw: API Gateway triggers are retired/);
    expect(cloud.calls().length).toBe(before);
    editYml(dir, (d) => {
      d.provider.memorySize = 128;
      d.functions.createTroubleInfo.events.pop();
    });
  });

  it('no deploying keys: a clear error, nothing called', async () => {
    const before = cloud.calls().length;
    await expect(deploy({ root: dir, env: { SCF_ENDPOINT: cloud.scfEndpoint }, print: () => {} })).rejects.toThrow(
      /no deploying credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/,
    );
    expect(cloud.calls().length).toBe(before);
  });

  it('another stage is another function', async () => {
    const r = await run({ stage: 'qa', smoke: false });
    expect(r.function).toBe('trtc-trouble-qa-createTroubleInfo');
    expect(r.writes).toEqual(['CreateFunction', 'PublishVersion', 'UpdateAlias', 'CreateTrigger']);
  });

  it('a runtime change is refused before anything is written', async () => {
    const api = new SdkScfApi('default', 'ap-guangzhou', env);
    await api.createFunction(
      {
        name: 'trtc-trouble-old-createTroubleInfo',
        runtime: 'Nodejs16.13',
        handler: 'index.main_handler',
        memorySize: 128,
        timeout: 10,
        role: 'SCF_TRTC_TroubleReporter',
        description: '',
        environment: {},
      },
      buildArtifact(dir, 'dist', 'index.main_handler').zip.toString('base64'),
    );
    const { writes } = await writesDuring(() => expect(run({ stage: 'old' })).rejects.toThrow(/runs Nodejs16\.13 .* SCF cannot change a function's runtime/));
    expect(writes).toEqual([]);
  });

  it('a function still Creating (another deploy) is waited for before planning', async () => {
    const api = new SdkScfApi('default', 'ap-guangzhou', env);
    const fn = {
      name: 'trtc-trouble-busy-createTroubleInfo',
      runtime: 'Nodejs18.15',
      handler: 'index.main_handler',
      memorySize: 128,
      timeout: 10,
      role: 'SCF_TRTC_TroubleReporter',
      description: 'Records classroom trouble reports in TRTC',
    };
    const vars = parse(readFileSync(path.join(dir, 'serverless.yml'), 'utf8')).provider.environment.variables as Record<string, string>;
    await api.createFunction({ ...fn, environment: vars }, buildArtifact(dir, 'dist', 'index.main_handler').zip.toString('base64'));
    const r = await run({ stage: 'busy', smoke: false });
    expect(lines[1]).toBe('trtc-trouble-busy-createTroubleInfo is Creating: waiting for it to settle');
    // Created outside the deploy, $DEFAULT still served $LATEST: it is published and pointed at the version.
    expect(r.writes).toEqual(['PublishVersion', 'UpdateAlias', 'CreateTrigger']);
  });

  it('code that cannot start: re-created once, then CreateFailed reported; the next deploy deletes and re-creates it, saying so', async () => {
    const broken = copyProject('deploy-e2e-');
    try {
      writeFileSync(path.join(broken, 'dist', 'index.js'), 'exports.other = 1;\n');
      await expect(run({ root: broken, stage: 'broken' })).rejects.toThrow(/is CreateFailed/);
      copyFileSync(path.join(ROOT, 'dist', 'index.js'), path.join(broken, 'dist', 'index.js'));
      const r = await run({ root: broken, stage: 'broken' });
      expect(r.writes).toEqual(['DeleteFunction', 'CreateFunction', 'PublishVersion', 'UpdateAlias', 'CreateTrigger']);
      expect(r.plan[0]!.reason).toMatch(/is CreateFailed.*deleted and created again/);
      expect(r.smoke?.ok).toBe(true);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('waiting for Active is bounded', () => {
  it('a function that stays Creating past waitTimeoutMs fails the deploy, saying so', async () => {
    const slow = await startLocalCloud({ activationDelayMs: 5_000 });
    const dir = copyProject('deploy-slow-');
    try {
      const env = { SCF_ENDPOINT: slow.scfEndpoint, TENCENTCLOUD_SECRET_ID: slow.deployer.secretId, TENCENTCLOUD_SECRET_KEY: slow.deployer.secretKey };
      await expect(deploy({ root: dir, env, print: () => {}, pollIntervalMs: 50, waitTimeoutMs: 300, yes: true })).rejects.toThrow(
        /^trtc-trouble-dev-createTroubleInfo is still Creating after 0\.\d s; check it in the SCF console and run the deploy again$/,
      );
    } finally {
      await slow.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
