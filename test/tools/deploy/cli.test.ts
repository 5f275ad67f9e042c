/**
 * The CLI as a user runs it (tools/deploy/cli.ts, the body of `npm run deploy`): exit 0 done, 1 failed with a
 * message, 2 usage; --json's last stdout line; one line per step without --json; no secret printed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud/index';
import { copyProject, deployCli as cli } from './support';

describe('deploy CLI', { timeout: 60_000 }, () => {
  let cloud: LocalCloud;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    cloud = await startLocalCloud({ activationDelayMs: 50, deployer: { secretId: 'AKIDclitest', secretKey: 'cli-test-secret-key-value' } });
    env = { SCF_ENDPOINT: cloud.scfEndpoint, TENCENTCLOUD_SECRET_ID: cloud.deployer.secretId, TENCENTCLOUD_SECRET_KEY: cloud.deployer.secretKey };
    dir = copyProject('deploy-cli-');
  });

  afterAll(async () => {
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--help exits 0; a bad flag is a one-line usage error, exit 2', async () => {
    const help = await cli(['--help'], dir, env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run deploy/);
    const bad = await cli(['--stagee', 'x'], dir, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^deploy: Unknown option '--stagee'/);
    expect((await cli(['extra'], dir, env)).code).toBe(2);
  });

  it('--dry-run --json: the plan on stderr, the JSON last on stdout, nothing written', async () => {
    const r = await cli(['--dry-run', '--json'], dir, env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/plan: CreateFunction: trtc-trouble-dev-createTroubleInfo does not exist/);
    const last = r.stdout.trim().split('\n').at(-1)!;
    expect(JSON.parse(last)).toEqual({
      function: 'trtc-trouble-dev-createTroubleInfo',
      namespace: 'default',
      region: 'ap-guangzhou',
      writes: [],
      url: null,
      version: null,
      alias: null,
    });
    expect(cloud.calls().some((c) => c.action.startsWith('Create'))).toBe(false);
  });

  it('a deploy prints each step as it happens; --json then reports writes and the URL', async () => {
    const first = await cli([], dir, env);
    expect(first.code).toBe(0);
    const out = first.stdout.split('\n');
    expect(out).toContain('CreateFunction trtc-trouble-dev-createTroubleInfo');
    expect(out.some((l) => /^ {2}Active after \d+\.\d s$/.test(l))).toBe(true);
    expect(out.some((l) => /^Function URL: http:\/\/127\.0\.0\.1:\d+\/$/.test(l))).toBe(true);
    expect(out).toContain('done: CreateFunction, PublishVersion, UpdateAlias, CreateTrigger');
    expect(out).toContain('serving: $DEFAULT → version 1');
    expect(first.stdout + first.stderr).not.toContain(cloud.deployer.secretKey);

    const again = await cli(['--json', '--yes'], dir, env);
    expect(again.code).toBe(0);
    const json = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['function', 'namespace', 'region', 'writes', 'url', 'version', 'alias']);
    expect(json.writes).toEqual([]);
    expect(json.version).toBe('1');
    expect(json.alias).toEqual({ name: '$DEFAULT', version: '1', weights: [] });
    expect(json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('failures exit 1 with what to do: no keys, a bad configuration, a missing file', async () => {
    const noKeys = await cli([], dir, { SCF_ENDPOINT: cloud.scfEndpoint });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr).toMatch(/^deploy: no deploying credentials: set TENCENTCLOUD_SECRET_ID/);

    writeFileSync(
      path.join(dir, 'bad.yml'),
      'service: s\nprovider: { name: tencent, runtime: Nodejs18.15, role: R, timeout: 3 }\nfunctions: { f: { handler: dist/index.main_handler } }\n',
    );
    const bad = await cli(['--config', 'bad.yml'], dir, env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yml is not deployable:\n {2}provider\.timeout: 3 s leaves no room for one TRTC call/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const missing = await cli(['--config', 'nope.yml'], dir, env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read nope\.yml/);

    const unreachable = await cli(['--no-smoke'], dir, { ...env, SCF_ENDPOINT: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the SCF API/);
  });
});
