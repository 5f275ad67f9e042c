/**
 * A deploy finishes what it starts, end to end (`npm run deploy`'s CLI against the local cloud): a create that ends
 * CreateFailed once is deleted and re-created in the same run (exit 0, saying so); a Function URL with authType CAM
 * or a disabled one gets no unsigned smoke GET (exit 0, saying why), while the Timer invoke still runs.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud/index';
import { copyProject, deployCli as cli, editYml } from './support';

describe('a deploy that finishes what it starts', { timeout: 60_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    cloud = await startLocalCloud({ activationDelayMs: 50 });
    env = { SCF_ENDPOINT: cloud.scfEndpoint, TENCENTCLOUD_SECRET_ID: cloud.deployer.secretId, TENCENTCLOUD_SECRET_KEY: cloud.deployer.secretKey };
    dir = copyProject('deploy-halfway-');
  });

  afterAll(async () => {
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a create that ends CreateFailed once: deleted and re-created in the same run, exit 0, saying so', async () => {
    cloud.failNextCreate('trtc-trouble-refail-createTroubleInfo');
    const before = cloud.calls().length;
    const r = await cli(['--stage', 'refail'], dir, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /trtc-trouble-refail-createTroubleInfo ended CreateFailed \(InternalError the platform failed.*\): deleting it and creating it again/,
    );
    expect(r.stdout).toMatch(/re-created trtc-trouble-refail-createTroubleInfo/);
    expect(r.stdout).toContain('done: CreateFunction, DeleteFunction, CreateFunction, PublishVersion, UpdateAlias, CreateTrigger');
    expect(r.stdout).toMatch(/smoke: Function URL ok/);
    const writes = cloud
      .calls()
      .slice(before)
      .filter((c) => /^(Create|Delete|Update|Publish)/.test(c.action) && !c.error)
      .map((c) => c.action);
    expect(writes).toEqual(['CreateFunction', 'DeleteFunction', 'CreateFunction', 'PublishVersion', 'UpdateAlias', 'CreateTrigger']);
  });

  it('a create that fails twice stops with the reason after one re-create', async () => {
    cloud.failNextCreate('trtc-trouble-twice-createTroubleInfo', 2);
    const r = await cli(['--stage', 'twice'], dir, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^deploy: .*trtc-trouble-twice-createTroubleInfo is CreateFailed: InternalError the platform failed/);
    expect(r.stdout.match(/deleting it and creating it again/g)).toHaveLength(1);
  });

  it.each([
    ['authType CAM', { authType: 'CAM' }, /smoke: Function URL skipped: its authType is CAM/],
    ['a disabled URL', { enable: false }, /smoke: Function URL skipped: it is disabled \(enable: false\)/],
  ])('%s: no unsigned GET, exit 0, saying why; the Timer invoke still runs', async (_, parameters, said) => {
    const stage = 'authType' in parameters ? 'cam' : 'off';
    editYml(dir, (d) => {
      Object.assign(d.functions.createTroubleInfo.events[0].http.parameters, { authType: 'NONE', enable: true }, parameters);
    });
    const r = await cli(['--stage', stage], dir, env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/smoke: Invoke ok: health probe passed/);
    expect(r.stdout).toMatch(said);
  });
});
