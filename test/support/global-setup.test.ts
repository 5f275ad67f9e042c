/**
 * The test run's set-up on a fresh machine (test/support/global-setup.ts): without redis-server the Redis suites are
 * skipped with one notice saying how to install it, and the run passes; with REQUIRE_REDIS=1 (as .ci/run sets) the
 * run fails before any test. Runs vitest itself on one Redis suite, with a PATH that holds only `node`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './bundle';

let bin: string;

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'no-redis-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function vitestWithoutRedis(extraEnv: Record<string, string>): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env['REQUIRE_REDIS'];
  Object.assign(env, extraEnv);
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  return new Promise((resolve) => {
    execFile(process.execPath, [vitest, 'run', 'test/lib/idempotency/redis-auth.test.ts'], { cwd: ROOT, env }, (error, stdout, stderr) => {
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
  });

  it('fails before running anything when REQUIRE_REDIS=1 (CI)', { timeout: 60_000 }, async () => {
    const { code, output } = await vitestWithoutRedis({ REQUIRE_REDIS: '1' });
    expect(code).not.toBe(0);
    expect(output).toContain('REQUIRE_REDIS=1 but redis-server is not on PATH');
    expect(output).not.toMatch(/\d+ passed/);
  });
});
