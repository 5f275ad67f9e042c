/**
 * Load of the standalone server on loopback: `node dist/server.js` in a child process against the embedded TRTC
 * emulator, driven by autocannon with a fresh report per request (so every request reaches TRTC instead of being
 * answered from the idempotency store). Reports throughput, latency, errors and the server's memory (RSS from
 * /proc, sampled during the run). `npm run bench:load [-- --seconds N --connections C]` prints the figures.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { throwawayCredential, TrtcEmulator } from '../trtc-emulator';

export interface LoadOptions {
  readonly seconds: number;
  readonly connections: number;
  readonly root: string;
  /** Extra environment for the server (e.g. IDEMPOTENCY_CACHE_SIZE). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface LoadFigures {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly non2xx: number;
  /** 503 answers to requests a client sent on a connection past its request limit (lib/server/limits.ts). */
  readonly pastSocketLimit: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly upstreamCreated: number;
  /** Server RSS after warm-up and at the end, and the largest sample, in MiB. */
  readonly rssWarmMiB: number;
  readonly rssEndMiB: number;
  readonly rssMaxMiB: number;
  readonly distinctRequestIds: number;
  /** Server RSS once a second during the run, in MiB. */
  readonly rssTimelineMiB: readonly number[];
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return Math.round((kb / 1024) * 10) / 10;
}

export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  const endpoint = await emulator.start();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    // As in production: one JSON line per request on stdout (read and discarded here).
    LOG_LEVEL: 'info',
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token,
    TRTC_ENDPOINT: endpoint,
    ...options.env,
  };
  const child = spawn(process.execPath, [path.join(options.root, 'dist', 'server.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('the server did not start')), 10_000);
      child.once('exit', (code) => reject(new Error(`the server exited (${String(code)})`)));
      const onData = (chunk: Buffer): void => {
        buffered += chunk.toString('utf8');
        const port = /"msg":"listening"[^\n]*"port":(\d+)/.exec(buffered)?.[1];
        if (port) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve(Number(port));
        }
      };
      child.stdout.on('data', onData);
      timer.unref();
    });
    const url = `http://127.0.0.1:${port}/`;
    let sequence = 0;
    const requestIds = new Set<string>();
    const body = (): string =>
      JSON.stringify({
        SdkAppId: '1400188366',
        RoomId: '1587879309',
        TeacherUserId: 'teacher_lin',
        StudentUserId: 'student_wang',
        TroubleUserId: 'student_wang',
        TroubleType: 1,
        TroubleTime: 1764150000,
        TroubleMsg: `load test report ${(sequence += 1)}`,
      });
    // Warm-up: connections, JIT, keep-alive pools.
    await autocannon({
      url,
      connections: options.connections,
      duration: 1,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
    });
    const rssWarm = rssMiB(child.pid!);
    const timeline: number[] = [];
    const sampler = setInterval(() => timeline.push(rssMiB(child.pid!)), 1000);
    const createdBefore = emulator.created.length;
    let pastSocketLimit = 0;
    const result = await autocannon({
      url,
      connections: options.connections,
      duration: options.seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (req) => ({ ...req, body: body() }),
          onResponse: (status, responseBody) => {
            // autocannon reuses a connection after the server's `Connection: close` (its MAX_REQUESTS_PER_SOCKET-th
            // answer); Node answers the request sent past it 503. Counted apart, so every other non-2xx still shows.
            if (status === 503) pastSocketLimit += 1;
            if (status === 200) {
              const id = (JSON.parse(responseBody) as { Response?: { RequestId?: string } }).Response?.RequestId;
              if (id) requestIds.add(id);
            }
          },
        },
      ],
    });
    clearInterval(sampler);
    const rssEnd = rssMiB(child.pid!);
    return {
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      non2xx: result.non2xx,
      pastSocketLimit,
      errors: result.errors,
      timeouts: result.timeouts,
      upstreamCreated: emulator.created.length - createdBefore,
      rssWarmMiB: rssWarm,
      rssEndMiB: rssEnd,
      rssMaxMiB: Math.max(rssWarm, rssEnd, ...timeline),
      distinctRequestIds: requestIds.size,
      rssTimelineMiB: timeline,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await emulator.stop();
  }
}
