/**
 * TRTC's rate limit in front of the emulator: a loopback HTTP server that counts requests in fixed one-second
 * windows (floor(arrival / 1000 ms), as TRTC counts "in a second"), answers RequestLimitExceeded itself for every
 * request beyond `limit` in its window, and forwards the others to the emulator (which verifies TC3 and records
 * them). Used by the quota proof and the benchmark.
 */
import http, { type IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface RateLimitedUpstream {
  readonly url: string;
  /** Requests accepted (forwarded) per window start (epoch ms, a multiple of 1000); never more than the limit. */
  readonly accepted: Map<number, number>;
  /** Every request that arrived per window start, accepted or refused: what TRTC counts against the limit. */
  readonly offered: Map<number, number>;
  /** Requests refused with RequestLimitExceeded. */
  refused(): number;
  /** Arrival times (epoch ms) of the requests accepted, in order. */
  readonly arrivals: number[];
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startRateLimitedUpstream(emulatorUrl: string, limit = 20): Promise<RateLimitedUpstream> {
  const target = new URL(emulatorUrl);
  const accepted = new Map<number, number>();
  const offered = new Map<number, number>();
  let refused = 0;
  const arrivals: number[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const window = Math.floor(at / 1000) * 1000;
    offered.set(window, (offered.get(window) ?? 0) + 1);
    void readBody(req).then((body) => {
      const count = (accepted.get(window) ?? 0) + 1;
      if (count > limit) {
        refused += 1;
        const message = `Your current request times equals to \`${count}\` in a second, which exceeds the frequency limit \`${limit}\` for a second. Please reduce the frequency of calls.`;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ Response: { Error: { Code: 'RequestLimitExceeded', Message: message }, RequestId: randomUUID() } }));
        return;
      }
      accepted.set(window, count);
      arrivals.push(at);
      const forward = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    // The emulator derives the credential scope's service from the first label of the host: keep it 127.
    url: `http://127.0.0.1:${port}`,
    accepted,
    offered,
    arrivals,
    refused: () => refused,
    stop: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
