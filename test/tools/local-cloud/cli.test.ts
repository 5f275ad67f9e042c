/**
 * `npm run local` as a user runs it (the script's command: node --import tsx tools/local-cloud/cli.ts, on the built bundle): wait for
 * the Function URL line, POST a report, feed the CKafka trigger with the produce subcommand, SIGTERM, and check
 * that every process it started (function instances included) has stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/bundle';
import { BASE } from '../../support/fixtures';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'tools', 'local-cloud', 'cli.ts');
const ENV = { PATH: process.env.PATH ?? '', HOME: tmpdir() };
const CONFIG = path.join(tmpdir(), `local-cli-test-${String(process.pid)}.yml`);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [CLI, ...args], { cwd: ROOT, env: ENV, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** Every process whose ancestry leads to `root` (from /proc). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked: it is not a descendant any more
      continue;
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let at: number | undefined = pid;
    while (at !== undefined && at > 1) {
      at = parent.get(at);
      if (at === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${String(pid)}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.pid !== undefined && alive(child.pid)) child.kill('SIGKILL');
  rmSync(CONFIG, { force: true });
});

describe('npm run local', () => {
  it('--help exits 0; a bad flag is a one-line error with exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: npm run local');
    const bad = await run(['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--bogus');
    const port = await run(['--port', 'x']);
    expect(port.code).toBe(2);
  }, 90_000);

  it('deploys this checkout, serves the Function URL and the CKafka trigger, and stops everything on SIGTERM (sent twice)', async () => {
    const base = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    writeFileSync(
      CONFIG,
      `${base.trimEnd()}\n      - ckafka:\n          parameters: { instanceId: ckafka-abcd1234, topic: reports, maxMsgNum: 10, retry: 3, timeOut: 60 }\n`,
    );
    // The command the npm script execs (the tsx CLI would put a signal-relaying process of its own in between).
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', CONFIG], { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no Function URL line within 90 s; stderr:\n${stderr}`)), 90_000);
      proc.stdout?.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        const m = /^local Function URL: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(stdout);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('exit', () => reject(new Error(`exited early; stderr:\n${stderr}`)));
    });
    const report = BASE;
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { Response: { RequestId: string } }).Response.RequestId).toMatch(/^[0-9a-f-]{36}$/);

    const port = /local SCF API: http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
    expect(port).toBeDefined();
    const produced = await run(['produce', 'ckafka-abcd1234-reports', JSON.stringify({ ...report, TroubleMsg: 'from produce' })]);
    expect(produced.code, produced.stderr).toBe(0);
    expect(JSON.parse(produced.stdout)).toEqual({ trigger: 'ckafka-abcd1234-reports', offsets: [0] });
    const unknown = await run(['produce', 'nope', 'x', '--port', port ?? '']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no ckafka trigger named nope');

    const started = descendants(proc.pid ?? -1);
    expect(started.length).toBeGreaterThanOrEqual(2); // the node process under tsx, and at least one function instance
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    // npm forwards the signal it gets, so the local cloud may see SIGTERM twice: the second must not cut its cleanup
    // short (test/tools/local-cloud/signals.test.ts holds the cleanup open to prove it; here it may already be done).
    proc.kill('SIGTERM');
    while (!stderr.includes('SIGTERM: stopping the local cloud') && proc.exitCode === null) {
      await Promise.race([new Promise<void>((resolve) => proc.stderr?.once('data', () => resolve())), exited]);
    }
    if (proc.exitCode === null) proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const until = Date.now() + 5000;
    while (started.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(started.filter(alive)).toEqual([]);
    expect(stderr).toContain('SIGTERM: stopping the local cloud');
  }, 120_000);
});
