/**
 * The release lifecycle end to end, each command run as a user runs it (its CLI in a child process, the real SDK)
 * against the local cloud: deploy → version 1 served; a changed build as a 50 % canary → the split measured on the
 * local Function URL during the bake, then promoted; a canary interrupted by SIGTERM → rolled back; a release whose
 * health probe fails (TRTC_ENDPOINT at a closed port) → rolled back by itself, the URL still answered by the old
 * version, exit 1; rollback → exactly one UpdateAlias; info; invoke --remote; logs; package (its SHA-256 is the
 * uploaded code's); remove twice.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { SdkScfApi } from '../../../tools/deploy/scf-api';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud/index';
import { ROOT } from '../../support/bundle';
import { copyProject } from './support';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const FN = 'trtc-trouble-dev-createTroubleInfo';
const WRITES = new Set([
  'PublishVersion',
  'CreateAlias',
  'UpdateAlias',
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'DeleteFunction',
  'DeleteTrigger',
]);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let cloud: LocalCloud;
let dir: string;
let env: Record<string, string>;
let api: SdkScfApi;

function command(script: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(TSX, [path.join(ROOT, script), ...args], { cwd: dir, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

const deploy = (...args: string[]) => command('tools/deploy/cli.ts', args);
const lastJson = (r: Run) => JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null') as Record<string, any>;

function rebuild(note: string): void {
  const file = path.join(dir, 'dist', 'index.js');
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n// ${note}\n`);
}

function editEnv(edit: (vars: Record<string, string>) => void): void {
  const file = path.join(dir, 'serverless.yml');
  const d = parse(readFileSync(file, 'utf8')) as { provider: { environment: { variables: Record<string, string> } } };
  edit(d.provider.environment.variables);
  writeFileSync(file, stringify(d));
}

/** Resolves once the alias is split (a canary under way). */
async function split(): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (((await api.getAlias(FN, '$DEFAULT'))?.weights.length ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the alias was never split');
}

/** Which versions answered `n` GETs of the local Function URL (read from the local cloud's invocation records). */
async function servedBy(url: string, n: number): Promise<Record<string, number>> {
  const before = cloud.invocations().length;
  for (let i = 0; i < n; i++) expect((await fetch(url)).status).toBe(400);
  const counts: Record<string, number> = {};
  for (const r of cloud.invocations().slice(before)) if (r.trigger === 'url') counts[r.version] = (counts[r.version] ?? 0) + 1;
  return counts;
}

function writesDuring(from: number): string[] {
  return cloud
    .calls()
    .slice(from)
    .filter((c) => WRITES.has(c.action) && !c.error)
    .map((c) => c.action);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

beforeAll(async () => {
  cloud = await startLocalCloud({ activationDelayMs: 30 });
  dir = copyProject('lifecycle-');
  env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    SCF_ENDPOINT: cloud.scfEndpoint,
    CLS_ENDPOINT: cloud.clsEndpoint,
    TENCENTCLOUD_SECRET_ID: 'test',
    TENCENTCLOUD_SECRET_KEY: 'test',
  };
  api = new SdkScfApi('default', 'ap-guangzhou', env);
});

afterAll(async () => {
  await cloud?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the release lifecycle against the local cloud', { timeout: 120_000 }, () => {
  let url = '';

  it('deploy: version 1 serves the Function URL', async () => {
    const r = await deploy('--json');
    expect(r.code).toBe(0);
    const out = lastJson(r);
    expect(out).toMatchObject({ version: '1', alias: { name: '$DEFAULT', version: '1', weights: [] } });
    url = out.url as string;
    expect(await servedBy(url, 3)).toEqual({ '1': 3 });
    expect((await deploy('--json')).stdout).toContain('"writes":[]');
  });

  it('--canary 50 --bake 5: the URL splits during the bake (measured), then version 2 is promoted', async () => {
    rebuild('release 2');
    const running = deploy('--canary', '50', '--bake', '5', '--json');
    await split();
    const counts = await servedBy(url, 40);
    // 40 requests at 50 %: both versions answer (all on one side has probability 2^-39).
    expect(counts['1']).toBeGreaterThan(0);
    expect(counts['2']).toBeGreaterThan(0);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/canary: version 2 passed the health probe and the smoke request; baking 5 s/);
    expect(r.stderr).toMatch(/canary: promoted: \$DEFAULT serves version 2 alone/);
    expect(lastJson(r)).toMatchObject({ version: '2', alias: { version: '2', weights: [] } });
    expect(await servedBy(url, 5)).toEqual({ '2': 5 });
  });

  it('a canary interrupted by SIGTERM rolls back before exiting', async () => {
    rebuild('release 3');
    const child = spawn(TSX, [path.join(ROOT, 'tools/deploy/cli.ts'), '--canary', '50', '--bake', '60'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await split();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(output).toMatch(/canary: rolled back: \$DEFAULT serves version 2 alone again/);
    expect(output).toMatch(/canary of version 3 rolled back .*: interrupted/);
    expect(await api.getAlias(FN, '$DEFAULT')).toMatchObject({ version: '2', weights: [] });
  });

  it('a release whose health probe fails (TRTC at a closed port) rolls back by itself; the URL keeps answering with the old version; exit 1', async () => {
    const port = await closedPort();
    editEnv((vars) => {
      vars.TRTC_ENDPOINT = `http://127.0.0.1:${String(port)}`;
    });
    const r = await deploy('--canary', '50', '--bake', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/deploy: canary of version 4 rolled back \(\$DEFAULT serves version 2 again\): the health probe failed on version 4/);
    expect(r.stdout).toMatch(/canary: rolled back/);
    expect(await api.getAlias(FN, '$DEFAULT')).toMatchObject({ version: '2', weights: [] });
    expect(await servedBy(url, 5)).toEqual({ '2': 5 });
  });

  it('rollback: one UpdateAlias back to the version served before; --dry-run writes nothing', async () => {
    const before = cloud.calls().length;
    const dry = await command('tools/lifecycle/rollback.ts', ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('plan: UpdateAlias $DEFAULT → version 1');
    expect(writesDuring(before)).toEqual([]);
    const r = await command('tools/lifecycle/rollback.ts', ['--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual({ function: FN, alias: { name: '$DEFAULT', version: '1', weights: [] }, from: '2', writes: ['UpdateAlias'] });
    expect(writesDuring(before)).toEqual(['UpdateAlias']);
    expect(await servedBy(url, 3)).toEqual({ '1': 3 });
    const bad = await command('tools/lifecycle/rollback.ts', ['--to', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('info: status, URL, triggers, alias, versions, and whether the served code is this build', async () => {
    const r = await command('tools/lifecycle/info.ts', ['--json']);
    expect(r.code).toBe(0);
    const info = lastJson(r);
    expect(info).toMatchObject({ function: FN, status: 'Active', runtime: 'Nodejs18.15', memorySize: 128, timeout: 10, url, alias: { version: '1' } });
    expect(info.triggers).toEqual([{ type: 'http', name: 'url-trigger', qualifier: '$DEFAULT', enabled: true }]);
    expect((info.versions as { version: string }[]).map((v) => v.version)).toEqual(['1', '2', '3', '4']);
    // Version 1 is the first build; this checkout has been rebuilt since.
    expect(info.code).toMatchObject({ served: '1', matches: false });
    expect(r.stderr).toContain('alias: $DEFAULT → version 1');
  });

  it('invoke --remote: the result on stdout, the log and a REPORT line on stderr; logs finds its lines in CLS', async () => {
    const event = JSON.stringify({ Type: 'Timer', TriggerName: 't', Time: '2026-01-01T00:00:00Z', Message: '' });
    const r = await command('tools/lifecycle/invoke.ts', ['--remote', '-', '--json', '--qualifier', '2'], event);
    expect(r.code).toBe(0);
    const out = lastJson(r);
    expect(out.errMsg).toBe('');
    expect(r.stderr).toMatch(new RegExp(`REPORT RequestId: ${String(out.requestId)} Duration: \\d+\\.\\d\\d ms .*\\(${FN}, 2\\)`));
    expect(out.log).toContain(`START RequestId: ${String(out.requestId)}`);
    const plain = await command('tools/lifecycle/invoke.ts', ['--remote', '-'], event);
    expect(plain.code).toBe(0);
    expect(() => JSON.parse(plain.stdout) as unknown).not.toThrow();

    const logs = await command('tools/lifecycle/logs.ts', ['--since', '5m', '--request-id', String(out.requestId)]);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${String(out.requestId).slice(0, 8)} START RequestId`));
    expect(lines.some((l) => /(INFO|WARN|ERROR) /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/Report RequestId/);
    expect((await command('tools/lifecycle/logs.ts', ['--since', 'soon'])).code).toBe(2);
  });

  it('package: the zip deploy uploads, its SHA-256 equal to the uploaded code hash', async () => {
    const r = await command('tools/lifecycle/package.ts', ['--json', '--out', 'out/function.zip']);
    expect(r.code).toBe(0);
    const out = lastJson(r);
    expect(out.path).toBe(path.join(dir, 'out', 'function.zip'));
    expect(out.bytes).toBe(readFileSync(out.path as string).length);
    expect(out.sha256).toBe(await api.codeSha256(FN, '$LATEST'));
  });

  it('remove: refused without --yes off a terminal; deletes the trigger then the function; a second run has nothing to remove', async () => {
    const refused = await command('tools/lifecycle/remove.ts', []);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run again with --yes/);
    const r = await command('tools/lifecycle/remove.ts', ['--yes', '--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual({ function: FN, removed: ['trigger http url-trigger', `function ${FN}`] });
    expect(await api.getFunction(FN)).toBeNull();
    const again = await command('tools/lifecycle/remove.ts', ['--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`nothing to remove: ${FN} does not exist`);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/SECRET|secretKey/);
  });
});
