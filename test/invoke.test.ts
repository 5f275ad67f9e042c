/**
 * `npm run invoke`'s runner (lib/dev/invoke-cli.ts) as a user runs it: no credentials in the environment, so it
 * starts the embedded emulator, says so on stderr, and prints the function's result on stdout; a sample's
 * expectation file sets the scene (faults, environment) it documents.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/bundle';
import { NO_CREDENTIALS } from './support/env';

const run = promisify(execFile);

async function invoke(sample: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, http_proxy: '', HTTP_PROXY: '' };
  for (const key of [...Object.keys(NO_CREDENTIALS), 'TRTC_ENDPOINT']) delete env[key];
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const { stdout, stderr } = await run(tsx, ['lib/dev/invoke-cli.ts', `events/${sample}.json`], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run invoke', () => {
  it('runs a sample against the embedded emulator and prints the response with the RequestId', { timeout: 30_000 }, async () => {
    const { code, stdout, stderr } = await invoke('function-url-post-json');
    expect(code).toBe(0);
    expect(stderr).toMatch(/no cloud credentials .* embedded TRTC emulator at http:\/\/127\.0\.0\.1:\d+/);
    const response = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ Response: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(stderr).toMatch(/emulator: 1 call\(s\), 1 record\(s\) created/);
  });

  it("applies the sample's documented faults, and exits 1 with the error when the handler throws", { timeout: 30_000 }, async () => {
    const offline = await invoke('function-url-upstream-action-offline');
    expect(offline.code).toBe(0);
    expect((JSON.parse(offline.stdout) as { statusCode: number }).statusCode).toBe(502);
    const down = await invoke('ckafka-batch-upstream-down');
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ errorType: 'BatchIncompleteError' });
  });
});
