/**
 * The local SCF's instances under abuse: an event the instance cannot be handed (100,000 levels of nesting) is
 * answered with a clear error and never wedges the function (Invoke, the Function URL, timers and CKafka keep
 * working); MemorySize is enforced (the instance is stopped and the invocation reported as SCF reports a memory
 * overrun, 434); invocations queued behind a configuration update run on the old configuration; every process a
 * handler started ends with its instance, a detached grandchild included.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud';
import { createFunctionUrl, errorCode, scfClient, waitForStatus, zipBase64, type ScfClient } from './support/cloud';

/** Everything these tests ask of a function, chosen by the event. */
const CODE = `
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const post = (url, body) => new Promise((resolve, reject) => {
  const req = http.request(url, { method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end(body);
});
exports.main_handler = async (event) => {
  if (event.allocate) {
    // Off the V8 heap, a step at a time; 192 MB at most, so the test stays bounded if the limit is not enforced.
    const keep = [];
    for (let i = 0; i < 48; i++) { keep.push(Buffer.alloc(4 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 5)); }
    return { survived: keep.length };
  }
  if (event.heap) {
    // On the V8 heap, synchronously; about 200 MB at most.
    const keep = [];
    for (let i = 0; i < 250; i++) keep.push(new Array(100000).fill(i + 0.5));
    return { survived: keep.length };
  }
  if (event.spawn) {
    const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: {} });
    child.unref();
    const orphan = Number(execFileSync('sh', ['-c', 'setsid sleep 300 >/dev/null 2>&1 </dev/null & echo $!']).toString().trim());
    fs.writeFileSync(event.spawn, JSON.stringify([child.pid, orphan]));
    if (event.hang) await new Promise((r) => setTimeout(r, 60000));
    return 'spawned';
  }
  if (event.hold) await post(event.hold, '');
  if (process.env.SINK_URL) await post(process.env.SINK_URL, JSON.stringify({ event, triggerSrc: process.env.TRIGGER_SRC || null }));
  return { greeting: process.env.GREETING, pid: process.pid };
};
`;

const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

let cloud: LocalCloud;
let scf: ScfClient;
let work: string;

/** A loopback server for the functions to report to (sink) or to wait on (hold). */
class Loopback {
  readonly hits: unknown[] = [];
  private readonly held: ServerResponse[] = [];
  private holding = true;
  private waiters: (() => void)[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        if (req.url === '/hold' && this.holding) this.held.push(res);
        else res.end('ok');
        if (req.url !== '/hold') this.hits.push(JSON.parse(text) as unknown);
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.url = typeof address === 'object' && address !== null ? `http://127.0.0.1:${String(address.port)}` : '';
    this.server = server;
  }

  /** Resolves once `test()` holds, re-checked on every request. */
  async until(test: () => boolean): Promise<void> {
    while (!test()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.holding = false;
    for (const res of this.held.splice(0)) res.end('ok');
  }

  async close(): Promise<void> {
    this.release();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const sink = new Loopback();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${String(pid)}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Waits (bounded) until none of `pids` is alive; returns those still alive. */
async function ended(pids: number[]): Promise<number[]> {
  const until = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

async function create(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await scf.CreateFunction({
    FunctionName: name,
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: zipBase64({ 'index.js': CODE }) },
    Timeout: 10,
    ...extra,
  });
  expect(await waitForStatus(scf, name, ['Active', 'CreateFailed'])).toBe('Active');
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'local-instances-'));
  await sink.start();
  cloud = await startLocalCloud({ activationDelayMs: 50, ckafkaRetryDelayMs: 100 });
  scf = scfClient(cloud);
});
afterAll(async () => {
  const pids = cloud.instancePids();
  await cloud.close();
  expect(await ended(pids)).toEqual([]);
  await sink.close();
  rmSync(work, { recursive: true, force: true });
});

describe('an event the instance cannot be handed', () => {
  it('is answered with a clear error, and the function keeps serving Invoke, its Function URL, timers and CKafka', async () => {
    await create('deep', { Environment: { Variables: [{ Key: 'SINK_URL', Value: `${sink.url}/sink` }] } });
    // More than the 4 instances a function may have: each must be released.
    for (let i = 0; i < 6; i++) {
      const code = await errorCode(scf.Invoke({ FunctionName: 'deep', ClientContext: DEEP }));
      expect(code).toBe('InvalidParameterValue.ClientContext');
    }
    const last = cloud.calls().at(-1);
    expect(last?.error).toBe('InvalidParameterValue.ClientContext');

    const invoked = await scf.Invoke({ FunctionName: 'deep', ClientContext: '{"after":"deep"}' });
    expect(invoked.Result?.InvokeResult).toBe(0);

    const url = await createFunctionUrl(scf, 'deep');
    const answer = await fetch(url, { method: 'POST', body: 'via url' });
    expect(answer.status).toBe(200);

    await scf.CreateTrigger({ FunctionName: 'deep', TriggerName: 'tick', Type: 'timer', TriggerDesc: '* * * * * * *', Enable: 'OPEN' });
    await sink.until(() => sink.hits.some((h) => (h as { triggerSrc: unknown }).triggerSrc === 'Timer'));
    await scf.UpdateTrigger({ FunctionName: 'deep', TriggerName: 'tick', Type: 'timer', Enable: 'CLOSE' });

    await scf.CreateTrigger({
      FunctionName: 'deep',
      TriggerName: 'ckafka-abcd1234-deep',
      Type: 'ckafka',
      Enable: 'OPEN',
      TriggerDesc: JSON.stringify({ maxMsgNum: 1, offset: 'latest', retry: 0, timeOut: 60 }),
    });
    await cloud.produce('ckafka-abcd1234-deep', ['from kafka']);
    await cloud.idle();
    expect(cloud.deliveries('ckafka-abcd1234-deep').map((d) => d.ok)).toEqual([true]);
  }, 30_000);

  it('an asynchronous invocation of it ends as a failed invocation, and the function keeps serving', async () => {
    // 128 KB is the limit of an Event invocation: 60,000 levels fit.
    const deep = `${'['.repeat(60_000)}${']'.repeat(60_000)}`;
    for (let i = 0; i < 6; i++) {
      const r = await scf.Invoke({ FunctionName: 'deep', InvocationType: 'Event', ClientContext: deep });
      expect(r.Result?.FunctionRequestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    await cloud.idle();
    const invoked = await scf.Invoke({ FunctionName: 'deep', ClientContext: '{}' });
    expect(invoked.Result?.InvokeResult).toBe(0);
  }, 30_000);
});

describe('MemorySize', () => {
  it.each([
    ['Buffers off the V8 heap, allocated step by step', { allocate: true }],
    ['the V8 heap, in one synchronous loop', { heap: true }],
  ])(
    'an instance past its memory is stopped and reported as a memory overrun (434): %s',
    async (_what, event) => {
      const name = 'allocate' in event ? 'hungry-buffers' : 'hungry-heap';
      await create(name, { MemorySize: 128 });
      const warm = JSON.parse((await scf.Invoke({ FunctionName: name })).Result?.RetMsg ?? '{}') as { pid: number };
      const r = await scf.Invoke({ FunctionName: name, ClientContext: JSON.stringify(event), LogType: 'Tail' });
      expect(r.Result?.RetMsg).toBe('');
      expect(r.Result?.InvokeResult).toBe(434);
      const error = JSON.parse(r.Result?.ErrMsg ?? '{}') as { errorCode: number; errorMessage: string; statusCode: number };
      expect(error).toMatchObject({ errorCode: 434, statusCode: 434 });
      expect(error.errorMessage).toMatch(/memory limit of 128 MB/i);
      expect(r.Result?.Log).toMatch(/memory limit of 128 MB/i);
      expect(alive(warm.pid)).toBe(false);
      const next = JSON.parse((await scf.Invoke({ FunctionName: name })).Result?.RetMsg ?? '{}') as { pid: number };
      expect(next.pid).not.toBe(warm.pid);
    },
    30_000,
  );

  it('a function with more memory runs the same allocation', async () => {
    await create('roomy', { MemorySize: 512 });
    const r = await scf.Invoke({ FunctionName: 'roomy', ClientContext: '{"allocate":true}' });
    expect(r.Result?.InvokeResult).toBe(0);
    expect(JSON.parse(r.Result?.RetMsg ?? '{}')).toEqual({ survived: 48 });
    expect(r.Result?.MemUsage).toBeGreaterThan(192 * 1024 * 1024);
  }, 30_000);
});

describe('a configuration update', () => {
  it('lets the invocations queued behind it run on the old configuration', async () => {
    await create('queued', { Environment: { Variables: [{ Key: 'GREETING', Value: 'old' }] } });
    const event = JSON.stringify({ hold: `${sink.url}/hold` });
    const invocations = Array.from({ length: 6 }, () => scf.Invoke({ FunctionName: 'queued', ClientContext: event }));
    await sink.until(() => sink.heldCount === 4);
    // All six reached the local SCF: four run, two wait for an instance.
    const until = Date.now() + 5000;
    while (cloud.calls().filter((c) => c.action === 'Invoke' && (c.params as { FunctionName?: string }).FunctionName === 'queued').length < 6) {
      expect(Date.now()).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 20));
    }
    await scf.UpdateFunctionConfiguration({ FunctionName: 'queued', Environment: { Variables: [{ Key: 'GREETING', Value: 'new' }] } });
    expect(await waitForStatus(scf, 'queued', ['Active', 'UpdateFailed'])).toBe('Active');
    sink.release();
    const results = await Promise.all(invocations);
    expect(results.map((r) => r.Result?.InvokeResult)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(results.map((r) => (JSON.parse(r.Result?.RetMsg ?? '{}') as { greeting: string }).greeting)).toEqual(Array(6).fill('old'));
    const after = await scf.Invoke({ FunctionName: 'queued' });
    expect((JSON.parse(after.Result?.RetMsg ?? '{}') as { greeting: string }).greeting).toBe('new');
  }, 30_000);
});

describe('processes a handler starts', () => {
  it('end with an instance killed past its Timeout: a detached child and a detached orphaned grandchild', async () => {
    await create('spawner', { Timeout: 2 });
    const file = path.join(work, 'timeout.json');
    const r = await scf.Invoke({ FunctionName: 'spawner', ClientContext: JSON.stringify({ spawn: file, hang: true }) });
    expect(r.Result?.InvokeResult).toBe(433);
    const pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
    expect(pids).toHaveLength(2);
    expect(await ended(pids)).toEqual([]);
  }, 30_000);

  it('end when the local cloud stops', async () => {
    const own = await startLocalCloud({ activationDelayMs: 0 });
    const client = scfClient(own);
    await client.CreateFunction({
      FunctionName: 'spawner',
      Runtime: 'Nodejs18.15',
      Handler: 'index.main_handler',
      Code: { ZipFile: zipBase64({ 'index.js': CODE }) },
    });
    expect(await waitForStatus(client, 'spawner', ['Active', 'CreateFailed'])).toBe('Active');
    const file = path.join(work, 'close.json');
    const r = await client.Invoke({ FunctionName: 'spawner', ClientContext: JSON.stringify({ spawn: file }) });
    expect(r.Result?.RetMsg).toBe('"spawned"');
    const pids = JSON.parse(readFileSync(file, 'utf8')) as number[];
    expect(pids.filter(alive)).toEqual(pids);
    await own.close();
    expect(await ended(pids)).toEqual([]);
  }, 30_000);
});
