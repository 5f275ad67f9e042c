/**
 * The test run's set-up on a fresh machine (test/support/global-setup.ts): without redis-server (or unzip, or Node
 * 18.15) the suites that need it are skipped with one notice saying how to install it, and the run passes; with the
 * tool's REQUIRE_* switch (as .ci/run sets them all) the run fails before any test. Runs vitest itself with a PATH
 * that holds only `node`, and checks the switches of every tool on the set-up's own decision.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './bundle';
import { checkTools } from './global-setup';
import { REQUIRED_TOOLS, type RequiredTool } from './required-tools.mjs';

let bin: string;

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'no-redis-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function vitestWithoutRedis(extraEnv: Record<string, string>, file = 'test/lib/idempotency/redis-auth.test.ts'): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const tool of REQUIRED_TOOLS) delete env[tool.requireVariable];
  Object.assign(env, extraEnv);
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [vitest, 'run', file], { cwd: ROOT, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('npm test on a machine without redis-server', () => {
  it('skips the Redis suites with one notice naming the packages to install, and passes', { timeout: 60_000 }, async () => {
    const { code, output } = await vitestWithoutRedis({});
    expect(code).toBe(0);
    expect(output.match(/redis-server is not on PATH/g)).toHaveLength(1);
    expect(output).toContain('apt-get install redis-server');
    expect(output).toContain('brew install redis');
    expect(output).toMatch(/Tests\s+\d+ skipped/);
    expect(output).not.toMatch(/failed|TypeError/);
    // No warning of the test tools themselves (Vite's config loader warned about vitest.config.mts before).
    expect(output).not.toMatch(/Your Vite config|\(!\)|deprecated/i);
  });

  it('fails before running anything when REQUIRE_REDIS=1 (CI)', { timeout: 60_000 }, async () => {
    const { code, output } = await vitestWithoutRedis({ REQUIRE_REDIS: '1' });
    expect(code).not.toBe(0);
    expect(output).toContain('REQUIRE_REDIS=1 but redis-server is not on PATH');
    expect(output).not.toMatch(/\d+ passed/);
  });
});

describe('npm test on a machine without unzip (PATH holds only node)', () => {
  it('skips the Info-ZIP cross-check with one notice, and fails before running anything with REQUIRE_UNZIP=1', { timeout: 60_000 }, async () => {
    const skipped = await vitestWithoutRedis({}, 'test/tools/deploy/artifact.test.ts');
    expect(skipped.code).toBe(0);
    expect(skipped.output.match(/unzip\/zipinfo are not on PATH/g)).toHaveLength(1);
    expect(skipped.output).toMatch(/Tests\s+\d+ passed \| 1 skipped/);
    const required = await vitestWithoutRedis({ REQUIRE_UNZIP: '1' }, 'test/tools/deploy/artifact.test.ts');
    expect(required.code).not.toBe(0);
    expect(required.output).toContain('REQUIRE_UNZIP=1 but unzip/zipinfo are not on PATH');
    expect(required.output).not.toMatch(/\d+ passed/);
  });
});

describe('every tool has a switch that makes it required', () => {
  const missing = (tool: RequiredTool): RequiredTool => ({ ...tool, find: () => undefined });

  it.each(REQUIRED_TOOLS.map((tool) => [tool.requireVariable, tool] as const))('%s=1 turns a missing tool into an error; unset, one notice', (name, tool) => {
    const required = checkTools([missing(tool)], { PATH: '', [name]: '1' });
    expect(required.errors).toHaveLength(1);
    expect(required.errors[0]).toMatch(new RegExp(`^${name}=1 but `));
    expect(required.notices).toEqual([]);
    const optional = checkTools([missing(tool)], { PATH: '' });
    expect(optional.errors).toEqual([]);
    expect(optional.notices).toHaveLength(1);
    expect(optional.notices[0]).toContain(`${name}=1 makes that an error`);
    expect(optional.found.get(tool.key)).toBeNull();
  });

  it('.ci/run sets every switch', () => {
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    for (const tool of REQUIRED_TOOLS) expect(ci).toMatch(new RegExp(`export .*\\b${tool.requireVariable}=1\\b`));
  });
});
