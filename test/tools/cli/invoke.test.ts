/**
 * `npm run invoke`'s runner (tools/cli/invoke.ts) as a user runs it, in a child process: no credentials in the
 * environment, so it starts the embedded emulator, says so on stderr, and prints the function's result on stdout
 * (an HTTP body decoded); the parameters TRTC recorded and a REPORT line on stderr; a sample's expectation file sets
 * the scene (faults, environment) it documents unless --no-scene; `-` reads stdin; --fail, --emulator, --help.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAIL_EXIT_CODE } from '../../../tools/cli/invoke';
import { ROOT } from '../../support/bundle';
import { NO_CREDENTIALS } from '../../support/env';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function invoke(args: readonly string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, http_proxy: '', HTTP_PROXY: '' };
  for (const key of [...Object.keys(NO_CREDENTIALS), 'TRTC_ENDPOINT']) delete env[key];
  Object.assign(env, options.env);
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve) => {
    const child = execFile(tsx, ['tools/cli/invoke.ts', ...args], { cwd: ROOT, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.stdin ?? '');
  });
}

const sample = (name: string): string => `events/${name}.json`;

interface Shown {
  statusCode: number;
  body: { Response: { RequestId: string; Error?: { Code: string } } };
}

describe('npm run invoke', () => {
  it('runs a sample against the embedded emulator: the result with its body decoded, what TRTC recorded, a REPORT line', { timeout: 30_000 }, async () => {
    const { code, stdout, stderr } = await invoke([sample('function-url-post-json')]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/no cloud credentials .* embedded TRTC emulator at http:\/\/127\.0\.0\.1:\d+/);
    const shown = JSON.parse(stdout) as Shown;
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toEqual({ Response: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(stdout).toContain('\n  "body": {\n    "Response": {'); // pretty-printed, not a JSON string
    expect(stderr).toMatch(/emulator: 1 call\(s\), 1 record\(s\) created/);
    const event = JSON.parse(readFileSync(path.join(ROOT, sample('function-url-post-json')), 'utf8')) as { body: string };
    const recorded = stderr.split('\n').find((line) => line.startsWith('  {"SdkAppId"'));
    expect(JSON.parse(recorded ?? '{}')).toEqual({ ...(JSON.parse(event.body) as object), RequestId: shown.body.Response.RequestId });
    expect(stderr).toMatch(/^REPORT RequestId: [0-9a-f-]{36} Duration: \d+\.\d\d ms Memory: 128 MB MaxMemoryUsed: \d+\.\d MB$/m);
  });

  it("applies the sample's documented faults (--no-scene does not), and exits 1 with the error when the handler throws", { timeout: 30_000 }, async () => {
    const offline = await invoke([sample('function-url-upstream-action-offline')]);
    expect(offline.code).toBe(0);
    expect((JSON.parse(offline.stdout) as Shown).statusCode).toBe(502);
    expect(offline.stderr).toContain('scene from function-url-upstream-action-offline.expect.json: 1 emulator fault(s)');
    const healthy = await invoke([sample('function-url-upstream-action-offline'), '--no-scene']);
    expect((JSON.parse(healthy.stdout) as Shown).statusCode).toBe(200);
    const down = await invoke([sample('ckafka-batch-upstream-down')]);
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ errorType: 'BatchIncompleteError' });
  });

  it('- reads the event from stdin', { timeout: 30_000 }, async () => {
    const { code, stdout } = await invoke(['-'], { stdin: readFileSync(path.join(ROOT, sample('direct-invoke')), 'utf8') });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ Response: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
  });

  it(`--fail exits ${String(FAIL_EXIT_CODE)} on a 4xx/5xx answer and 0 on success`, { timeout: 30_000 }, async () => {
    expect((await invoke([sample('function-url-invalid-missing-parameters'), '--fail'])).code).toBe(FAIL_EXIT_CODE);
    expect((await invoke([sample('function-url-invalid-missing-parameters')])).code).toBe(0);
    expect((await invoke([sample('function-url-post-form'), '--fail'])).code).toBe(0);
  });

  it('--emulator uses the emulator even with cloud credentials in the shell', { timeout: 30_000 }, async () => {
    // The endpoint is a closed loopback port: were the flag ignored, the call would fail here, not reach the cloud.
    const cloud = { TENCENTCLOUD_SECRETID: 'AKIDnotreal', TENCENTCLOUD_SECRETKEY: 'notreal', TRTC_ENDPOINT: 'http://127.0.0.1:1' };
    const forced = await invoke([sample('function-url-post-json'), '--emulator'], { env: cloud });
    expect(forced.stderr).toMatch(/--emulator: ignoring the cloud credentials .* embedded TRTC emulator/);
    expect((JSON.parse(forced.stdout) as Shown).statusCode).toBe(200);
    const real = await invoke([sample('function-url-post-json')], { env: cloud });
    expect(real.stderr).toContain('cloud credentials found: calling http://127.0.0.1:1');
    expect((JSON.parse(real.stdout) as Shown).statusCode).toBe(502);
  });

  it(
    '--help exits 0 and explains the emulator, the credentials switch, scenes and options; a bad flag is one line and exit 2',
    { timeout: 30_000 },
    async () => {
      const help = await invoke(['--help']);
      expect(help.code).toBe(0);
      for (const text of ['emulator', 'REAL TRTC endpoint', '--emulator', '--no-scene', '--fail', '--timeout', 'stdin', 'expect.json']) {
        expect(help.stdout).toContain(text);
      }
      const bad = await invoke([sample('direct-invoke'), '--tiemout', '5']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.split('\n')[0]).toBe('error: unknown option --tiemout');
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
