/**
 * The SCF API port against misbehaving endpoints over loopback: an answer that drips or never ends is cut at the
 * call's deadline, one larger than the bound is cut at the bound, and in both the socket is destroyed (the process
 * can exit); a garbled GetFunction answer is called unreadable, with no advice drawn from it; SCF_ENDPOINT with
 * credentials, or plain http:// to a host other than loopback, is refused without echoing it.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../../tools/deploy/deploy';
import { MAX_ANSWER_BYTES } from '../../../tools/deploy/bounded-agent';
import { SdkScfApi, scfTarget } from '../../../tools/deploy/scf-api';
import { ROOT } from '../../support/bundle';
import { copyProject } from './support';

/** The documented bound on an answer (10 MB); the streaming server gives up at 4× it whatever the client does. */
const BOUND = 10 * 1024 * 1024;
const KEYS = { TENCENTCLOUD_SECRET_ID: 'AKIDdeployer', TENCENTCLOUD_SECRET_KEY: 'deployer-secret-key-value' };

interface Endpoint {
  url: string;
  /** Bytes of body written so far. */
  sent(): number;
  /** Resolves when the client's connection closed. */
  closed(): Promise<void>;
  close(): Promise<void>;
}

/** A loopback SCF endpoint whose every answer is written by `answer`. */
function endpoint(answer: (res: http.ServerResponse, count: (n: number) => void, socket: Socket) => void): Promise<Endpoint> {
  let sent = 0;
  let onClose: (() => void) | undefined;
  const closedOnce = new Promise<void>((resolve) => (onClose = resolve));
  const server = http.createServer((req, res) => {
    req.resume();
    req.socket.once('close', () => onClose?.());
    req.on('end', () => answer(res, (n) => (sent += n), req.socket));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        sent: () => sent,
        closed: () => closedOnce,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((done) => server.close(() => done()));
        },
      }),
    ),
  );
}

/** One byte every 200 ms of a body announced as 1000 bytes. */
const drip = (res: http.ServerResponse, count: (n: number) => void, socket: Socket): void => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{');
  const timer = setInterval(() => {
    res.write(' ');
    count(1);
  }, 200);
  socket.once('close', () => clearInterval(timer));
};

/** A body announced as 3 GB, streamed as fast as the client reads, given up after 4× the bound. */
const huge = (res: http.ServerResponse, count: (n: number) => void, socket: Socket): void => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(3 * 1024 ** 3) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  const pump = (): void => {
    while (!socket.destroyed) {
      if (sent > 4 * BOUND) {
        socket.destroy();
        return;
      }
      sent += chunk.length;
      count(chunk.length);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
};

describe('a bad SCF answer is bounded in time and size, and its socket destroyed', { timeout: 20_000 }, () => {
  it('the bound is 10 MB', () => {
    expect(MAX_ANSWER_BYTES).toBe(BOUND);
  });

  it('a dripping answer: cut at the call deadline, the connection closed by the client', async () => {
    const scf = await endpoint(drip);
    try {
      const api = new SdkScfApi('default', 'ap-guangzhou', { SCF_ENDPOINT: scf.url, ...KEYS }, { callTimeoutMs: 600 });
      await expect(api.getFunction('f')).rejects.toThrow(/^GetFunction: no complete answer within 0\.6 s; the connection was closed$/);
      await scf.closed();
    } finally {
      await scf.close();
    }
  });

  it('an answer announced as 3 GB: cut once past the bound, long before it is sent', async () => {
    const scf = await endpoint(huge);
    try {
      const api = new SdkScfApi('default', 'ap-guangzhou', { SCF_ENDPOINT: scf.url, ...KEYS });
      await expect(api.getFunction('f')).rejects.toThrow(/^GetFunction: the answer exceeded 10 MB; the connection was closed$/);
      await scf.closed();
      expect(scf.sent()).toBeLessThan(2 * BOUND);
    } finally {
      await scf.close();
    }
  });

  it('npm run deploy against the 3 GB answer exits 1 with the reason, promptly', async () => {
    const scf = await endpoint(huge);
    const dir = copyProject('deploy-huge-');
    try {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          path.join(ROOT, 'node_modules', '.bin', 'tsx'),
          [path.join(ROOT, 'tools', 'deploy', 'cli.ts'), '--no-smoke'],
          { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, SCF_ENDPOINT: scf.url, ...KEYS }, timeout: 15_000 },
          (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
        );
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^deploy: reading the function failed: the SCF API's answer was unreadable \(GetFunction: the answer exceeded 10 MB/);
      expect(scf.sent()).toBeLessThan(2 * BOUND);
    } finally {
      await scf.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a garbled GetFunction answer is unreadable, not advice', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyProject('deploy-garbled-');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['no Status or Runtime', JSON.stringify({ Response: { RequestId: 'r-1', FunctionName: 'f' } })],
    ['a Runtime that is not a string', JSON.stringify({ Response: { RequestId: 'r-1', Status: 'Active', Runtime: 18 } })],
    ['not JSON', '<html>502 Bad Gateway</html>'],
    ['JSON without Response', '{"ok":true}'],
  ])('%s', async (_, body) => {
    const scf = await endpoint((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    try {
      const error = await deploy({ root: dir, env: { SCF_ENDPOINT: scf.url, ...KEYS }, print: () => {}, yes: true }).then(
        () => new Error('the deploy succeeded'),
        (e: unknown) => e as Error,
      );
      expect(error.message).toMatch(/^reading the function failed: the SCF API's answer was unreadable \(GetFunction: /);
      expect(error.message).not.toMatch(/delete the function|runs {2}and/);
    } finally {
      await scf.close();
    }
  });
});

describe('SCF_ENDPOINT', () => {
  it('with credentials in it is refused, and neither they nor the URL are echoed', () => {
    for (const raw of ['http://:pw-secret-1@127.0.0.1:9001', 'http://user:pw-secret-1@127.0.0.1:9001', 'http://user:pw-secret-1@[::1']) {
      let message = '';
      try {
        scfTarget({ SCF_ENDPOINT: raw });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, raw).toMatch(/^SCF_ENDPOINT /);
      expect(message, raw).not.toContain('pw-secret-1');
    }
    expect(() => scfTarget({ SCF_ENDPOINT: 'http://:pw-secret-1@127.0.0.1:9001' })).toThrow(/must not hold a user name or password/);
  });

  it('plain http:// only to loopback; https:// anywhere', () => {
    expect(() => scfTarget({ SCF_ENDPOINT: 'http://scf.example.com' })).toThrow(
      /^SCF_ENDPOINT: plain http:\/\/ is allowed only to a loopback address \(127\.0\.0\.1, \[::1\], localhost\)/,
    );
    expect(() => scfTarget({ SCF_ENDPOINT: 'http://10.0.0.8:9001' })).toThrow(/plain http:\/\/ is allowed only to a loopback address/);
    expect(scfTarget({ SCF_ENDPOINT: 'http://127.0.0.1:9001' })).toEqual({ protocol: 'http://', host: '127.0.0.1:9001' });
    expect(scfTarget({ SCF_ENDPOINT: 'http://localhost:9001' })).toEqual({ protocol: 'http://', host: 'localhost:9001' });
    expect(scfTarget({ SCF_ENDPOINT: 'http://[::1]:9001' })).toEqual({ protocol: 'http://', host: '[::1]:9001' });
    expect(scfTarget({ SCF_ENDPOINT: 'https://scf.example.com' })).toEqual({ protocol: 'https://', host: 'scf.example.com' });
    expect(scfTarget({})).toEqual({ protocol: 'https://', host: 'scf.tencentcloudapi.com' });
  });
});
