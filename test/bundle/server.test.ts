/**
 * The standalone HTTP server as deployed: `node dist/server.js` in a child process (PORT=0, so it picks a free port
 * and names it in its "listening" line), driven with real HTTP against the embedded TRTC emulator. Also `npm start`'s
 * CLI (tools/cli/start.ts) with `--port 0`. `npm test` builds dist/ first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { ROOT } from '../support/bundle';
import { NO_CREDENTIALS } from '../support/env';
import { BASE } from '../support/fixtures';

const SERVER = path.join(ROOT, 'dist', 'server.js');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });

/** The report of the API's own example, as JSON types. */
const REPORT = { ...BASE };
let sequence = 0;
/**
 * A report no other request of this file sent: the server remembers recorded reports (idempotency), so an identical
 * one would be answered from memory without reaching TRTC.
 */
function freshReport(): typeof REPORT {
  sequence += 1;
  return { ...REPORT, TroubleMsg: `VoiceException #${String(sequence)}` };
}
function formBody(report: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(report).map(([k, v]): [string, string] => [k, String(v)])).toString();
}
const API_EXAMPLE_QUERY =
  '?Action=CreateTroubleInfo&Version=2019-07-22&SdkAppId=1400188366&RoomId=1587879309&TeacherUserId=teacher' +
  '&StudentUserId=student&TroubleUserId=student&TroubleType=1&TroubleTime=87654321&TroubleMsg=VoiceException';

/** A child process with its output collected line by line. */
interface Proc {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function childEnv(extra: Record<string, string>, credentials: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(NO_CREDENTIALS)) delete env[key];
  delete env.TRTC_ENDPOINT;
  delete env.PORT;
  Object.assign(env, { http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '', no_proxy: '', NO_PROXY: '' });
  if (credentials) {
    Object.assign(env, {
      TENCENTCLOUD_SECRETID: credential.secretId,
      TENCENTCLOUD_SECRETKEY: credential.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
      TRTC_ENDPOINT: emulator.url,
    });
  }
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (stream: NodeJS.ReadableStream | null, into: string[]): void => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts.filter((line) => line !== ''));
    });
  };
  const stdout: string[] = [];
  const stderr: string[] = [];
  collect(child.stdout, stdout);
  collect(child.stderr, stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout, stderr, exited };
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Starts `node dist/server.js` on a free port and waits for its "listening" line. */
async function startServerProcess(extra: Record<string, string> = {}): Promise<Proc & { port: number }> {
  const proc = run(process.execPath, [SERVER], childEnv({ PORT: '0', HOST: '127.0.0.1', ...extra }, true));
  const listening = await waitFor('the listening line', () => {
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.stdout.join('\n')} ${proc.stderr.join('\n')}`);
    return parsed(proc.stdout).find((line) => line.msg === 'listening');
  });
  expect(listening.level).toBe('info');
  expect(typeof listening.port).toBe('number');
  return { ...proc, port: listening.port as number };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  localPort: number | undefined;
}

interface Send {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  agent?: http.Agent;
}

/** One real HTTP request; a new connection unless an agent is given. */
function send(port: number, { method = 'POST', path: target = '/', headers = {}, body, agent }: Send): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), localPort: res.socket?.localPort }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function envelope(reply: Reply): { Response: { RequestId: string; Error?: { Code: string; Message: string } } } {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(reply.body) as { Response: { RequestId: string; Error?: { Code: string; Message: string } } };
}

function createdParams(): Record<string, unknown>[] {
  return emulator.created.map(({ RequestId: _id, ...params }) => params);
}

function expectRecorded(reply: Reply, report: Record<string, unknown>): void {
  expect(reply.status, reply.body).toBe(200);
  expect(emulator.created).toHaveLength(1);
  expect(envelope(reply)).toEqual({ Response: { RequestId: emulator.created[0]!.RequestId } });
  expect(createdParams()).toEqual([report]);
}

let server: Proc & { port: number };

beforeAll(async () => {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build (npm test does)`);
  await emulator.start();
  server = await startServerProcess();
});
afterAll(async () => {
  if (server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await emulator.stop();
});
beforeEach(() => emulator.reset());

describe('node dist/server.js', () => {
  it('POST with a JSON body records the report and answers 200 with TRTC’s RequestId', async () => {
    const report = freshReport();
    const reply = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
    expectRecorded(reply, report);
    expect(reply.headers['x-request-id']).toMatch(UUID);
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('POST with a form body', async () => {
    const report = freshReport();
    const reply = await send(server.port, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: formBody(report) });
    expectRecorded(reply, report);
  });

  it('GET with the API’s example query string', async () => {
    expectRecorded(await send(server.port, { method: 'GET', path: `/${API_EXAMPLE_QUERY}` }), REPORT);
  });

  it('curl -d style: a JSON body labelled application/x-www-form-urlencoded', async () => {
    const report = freshReport();
    const reply = await send(server.port, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'curl/8.5.0', Accept: '*/*' },
      body: JSON.stringify(report),
    });
    expectRecorded(reply, report);
  });

  it('reports are taken on / only: another path is 404 naming /, nothing reaches TRTC, and the log line says method and path', async () => {
    const report = freshReport();
    const reply = await send(server.port, { path: '/api/trouble', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
    expect(reply.status).toBe(404);
    expect(envelope(reply).Response.Error).toEqual({ Code: 'ResourceNotFound', Message: expect.stringContaining('reports are taken on /') });
    expect(envelope(reply).Response.RequestId).toBe(reply.headers['x-request-id']);
    expect(emulator.calls).toHaveLength(0);
    const requestId = reply.headers['x-request-id'];
    const line = await waitFor('the 404 log line', () => parsed(server.stdout).find((l) => l.http_request_id === requestId));
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/api/trouble', status: 404 });
  });

  it('the invocation log line of a report carries its method and path', async () => {
    const reply = await send(server.port, { method: 'GET', path: `/?${formBody(freshReport())}` });
    expect(reply.status, reply.body).toBe(200);
    const requestId = reply.headers['x-request-id'];
    const line = await waitFor('the invocation log line', () => parsed(server.stdout).find((l) => l.msg === 'invocation' && l.http_request_id === requestId));
    expect(line).toMatchObject({ method: 'GET', path: '/', status: 200 });
  });

  it('GET /openapi.json serves openapi.yaml as JSON; POST there is 405', async () => {
    const reply = await send(server.port, { method: 'GET', path: '/openapi.json' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body)).toEqual(parseYaml(readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8')));
    const post = await send(server.port, { method: 'POST', path: '/openapi.json', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('a bad request (missing parameters) is 400 and nothing reaches TRTC', async () => {
    const reply = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ SdkAppId: '1400188366' }) });
    expect(reply.status).toBe(400);
    expect(envelope(reply).Response.Error?.Code).toBe('MissingParameter');
    // With no TRTC answer, the envelope's RequestId is this request's id, the one in X-Request-Id.
    expect(envelope(reply).Response.RequestId).toBe(reply.headers['x-request-id']);
    expect(emulator.calls).toHaveLength(0);
  });

  it('malformed JSON is 400 and an unsupported media type 415, with zero calls', async () => {
    const bad = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body: '{"SdkAppId":' });
    expect(bad.status).toBe(400);
    const xml = await send(server.port, { headers: { 'Content-Type': 'application/xml' }, body: '<report/>' });
    expect(xml.status).toBe(415);
    expect(emulator.calls).toHaveLength(0);
  });

  it('a 100 KB body is 413 (Connection: close), nothing reaches TRTC, and the server carries on', async () => {
    const body = JSON.stringify({ ...REPORT, TroubleMsg: 'x'.repeat(100 * 1024) });
    const reply = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body });
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
    expect(envelope(reply).Response.Error?.Code).toBe('RequestSizeLimitExceeded');
    expect(emulator.calls).toHaveLength(0);
    const report = freshReport();
    expectRecorded(await send(server.port, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }), report);
  });

  it('a chunked body that grows past the cap is 413 without a Content-Length to go by', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/',
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), localPort: undefined }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i += 1) req.write(Buffer.alloc(10 * 1024, 0x61));
      req.end();
    });
    expect(reply.status).toBe(413);
    expect(emulator.calls).toHaveLength(0);
  });

  it('Expect: 100-continue with a too-large Content-Length gets 413 before any body is sent', async () => {
    const reply = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': 200_000, Expect: '100-continue' },
      });
      req.on('continue', () => {
        continued = true;
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(reply).toEqual({ status: 413, continued: false });
    expect(emulator.calls).toHaveLength(0);
  });

  it('PUT is 405 with Allow, and nothing reaches TRTC', async () => {
    const reply = await send(server.port, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(REPORT) });
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, POST, OPTIONS');
    expect(envelope(reply).Response.Error?.Code).toBe('UnsupportedProtocol');
    expect(emulator.calls).toHaveLength(0);
  });

  it('GET /healthz is 200 {"status":"ok"} without touching TRTC; POST /healthz is 405', async () => {
    const reply = await send(server.port, { method: 'GET', path: '/healthz' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ status: 'ok' });
    const head = await send(server.port, { method: 'HEAD', path: '/healthz' });
    expect([head.status, head.body]).toEqual([200, '']);
    const post = await send(server.port, { method: 'POST', path: '/healthz', body: JSON.stringify(REPORT) });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(emulator.calls).toHaveLength(0);
  });

  it('keeps connections alive: two requests on one socket', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(server.port, { agent, method: 'GET', path: `/?${formBody(freshReport())}` });
      const second = await send(server.port, { agent, method: 'GET', path: `/?${formBody(freshReport())}` });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.headers.connection).toBe('keep-alive');
      expect(second.localPort).toBe(first.localPort);
      expect(emulator.created).toHaveLength(2);
    } finally {
      agent.destroy();
    }
  });

  it('echoes a sane X-Request-Id and replaces one that is not, logging it as http_request_id', async () => {
    const mine = 'trace-4f2a.9_Z:abc';
    const echoed = await send(server.port, { method: 'GET', path: `/?${formBody(freshReport())}`, headers: { 'X-Request-Id': mine } });
    expect(echoed.headers['x-request-id']).toBe(mine);
    const tooLong = await send(server.port, { method: 'GET', path: '/healthz', headers: { 'X-Request-Id': 'a'.repeat(129) } });
    expect(tooLong.headers['x-request-id']).toMatch(UUID);
    const spaced = await send(server.port, { method: 'GET', path: '/healthz', headers: { 'X-Request-Id': 'two words' } });
    expect(spaced.headers['x-request-id']).toMatch(UUID);
    const line = await waitFor('the invocation line', () => parsed(server.stdout).find((l) => l.http_request_id === mine));
    expect(line).toMatchObject({ msg: 'invocation', source: 'http-server', outcome: 'sent', status: 200, upstream_request_id: emulator.created[0]!.RequestId });
  });

  it('answers garbage with 400 and survives client resets and half-sent bodies', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw.slice(raw.indexOf('\r\n\r\n') + 4)).toMatch(/^\{"Response":\{"Error":\{"Code":"InvalidParameter"/);

    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"SdkAppId":');
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, 50);
      });
      socket.on('error', () => resolve());
    });
    // The server saw the half-sent body go away (the event, not a pause), and still answers.
    await waitFor('the server to notice the reset', () => parsed(server.stdout).find((l) => l.msg === 'the client went away before sending the whole request'));
    const health = await send(server.port, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(emulator.calls).toHaveLength(0);
  });

  it('answers a repeated report from memory: one TRTC record, the same RequestId, Idempotent-Replayed', async () => {
    const body = JSON.stringify(freshReport());
    const first = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body });
    const again = await send(server.port, { headers: { 'Content-Type': 'application/json' }, body });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(envelope(again)).toEqual(envelope(first));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(emulator.created).toHaveLength(1);
  });

  it('writes only JSON lines to stdout, never a secret', async () => {
    await send(server.port, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(freshReport()) });
    await waitFor('a log line', () => (server.stdout.length > 3 ? true : undefined));
    for (const line of server.stdout) {
      expect(() => JSON.parse(line), line).not.toThrow();
      expect(line).not.toContain(credential.secretKey);
      expect(line).not.toContain(credential.token);
    }
    expect(server.stderr).toEqual([]);
  });
});

describe('shutdown and startup', () => {
  it('SIGTERM: stops accepting, lets the in-flight request finish, closes idle keep-alive connections, exits 0', async () => {
    const proc = await startServerProcess();
    const idle = new http.Agent({ keepAlive: true });
    try {
      expect((await send(proc.port, { agent: idle, method: 'GET', path: '/healthz' })).status).toBe(200); // an idle keep-alive socket
      emulator.inject({ kind: 'delay', ms: 700 });
      const report = freshReport();
      const inFlight = send(proc.port, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
      await waitFor('the upstream call', () => (emulator.calls.length > 0 ? true : undefined));
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      const reply = await inFlight;
      expectRecorded(reply, report);
      expect(reply.headers.connection).toBe('close');
      const exit = await proc.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(3000);
      const messages = parsed(proc.stdout).map((l) => l.msg);
      expect(messages).toEqual(expect.arrayContaining(['listening', 'invocation', 'shutting down', 'stopped']));
      await expect(send(proc.port, { method: 'GET', path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      idle.destroy();
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });

  it('SIGINT with nothing in flight exits 0 at once', async () => {
    const proc = await startServerProcess();
    const startedAt = Date.now();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('a bad PORT is an error line and exit code 1', async () => {
    const proc = run(process.execPath, [SERVER], childEnv({ PORT: 'http', HOST: '127.0.0.1' }, true));
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(parsed(proc.stdout)).toEqual([expect.objectContaining({ level: 'error', msg: 'cannot start' })]);
  });
});

describe('npm start (tools/cli/start.ts --port 0)', () => {
  it('serves on loopback with the embedded emulator when there are no credentials, and stops on SIGTERM', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const proc = run(tsx, ['tools/cli/start.ts', '--port', '0'], childEnv({}, false));
    try {
      const url = await waitFor(
        'the URL on stderr',
        () => {
          if (proc.child.exitCode !== null) throw new Error(`start-cli exited: ${proc.stderr.join('\n')}`);
          return proc.stderr.map((l) => /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(l)?.[1]).find(Boolean);
        },
        20_000,
      );
      expect(proc.stderr.join('\n')).toContain('embedded TRTC emulator');
      expect(proc.stderr.join('\n')).toMatch(/curl -X POST http:\/\/127\.0\.0\.1:\d+ -H 'Content-Type: application\/json' -d '\{"SdkAppId":"1400188366"/);
      const port = Number(new URL(url).port);
      const reply = await send(port, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: JSON.stringify(REPORT) });
      expect(reply.status, reply.body).toBe(200);
      expect(envelope(reply).Response.RequestId).toMatch(UUID);
      expect(emulator.calls).toHaveLength(0); // its own emulator, not the test's
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
      expect(proc.stderr.join('\n')).toContain('emulator: 1 call(s), 1 record(s) created');
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });

  it('`npm start` stopped with SIGTERM, as a supervisor or an IDE stops it, stops the server: nothing is left on its port', { timeout: 60_000 }, async () => {
    const proc = run('npm', ['start', '--', '--port', '0'], childEnv({}, false));
    try {
      const url = await waitFor(
        'the URL on stderr',
        () => {
          if (proc.child.exitCode !== null) throw new Error(`npm start exited: ${proc.stderr.join('\n')}`);
          return proc.stderr.map((l) => /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(l)?.[1]).find(Boolean);
        },
        45_000,
      );
      const port = Number(new URL(url).port);
      expect((await send(port, { method: 'GET', path: '/healthz' })).status).toBe(200);
      proc.child.kill('SIGTERM'); // the pid of npm itself, not of the server
      await proc.exited;
      // The server (npm's child) drains, stops its emulator and says so on its way out.
      await waitFor('the server to stop', () => (proc.stderr.some((l) => l.startsWith('emulator: ')) ? true : undefined), 10_000);
      await expect(send(port, { method: 'GET', path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });

  it.skipIf(process.platform !== 'linux')('--host chooses the address to listen on, as HOST does for dist/server.js', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const proc = run(tsx, ['tools/cli/start.ts', '--port', '0', '--host', '127.0.0.2'], childEnv({}, false));
    try {
      const url = await waitFor('the URL on stderr', () => proc.stderr.map((l) => /^listening on (http:\/\/[0-9.]+:\d+)$/.exec(l)?.[1]).find(Boolean), 20_000);
      expect(new URL(url).hostname).toBe('127.0.0.2');
      const reply = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.2', port: Number(new URL(url).port), path: '/healthz', agent: false }, (res) => resolve(res.statusCode ?? 0))
          .on('error', reject);
      });
      expect(reply).toBe(200);
      await expect(send(Number(new URL(url).port), { method: 'GET', path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('--help exits 0 with the options on stdout; an unknown flag is a one-line error and exit 2', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const help = run(tsx, ['tools/cli/start.ts', '--help'], childEnv({}, false));
    expect((await help.exited).code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/--port N[\s\S]*--host ADDRESS[\s\S]*--emulator/);
    const bad = run(tsx, ['tools/cli/start.ts', '--prot', '1'], childEnv({}, false));
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr[0]).toBe('error: unknown option --prot');
    expect(bad.stderr.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad --port with exit code 2', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const proc = run(tsx, ['tools/cli/start.ts', '--port', 'abc'], childEnv({}, false));
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr.join('\n')).toContain('--port must be a whole number from 0 to 65535');
  });
});
