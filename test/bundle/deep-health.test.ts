/**
 * `GET /healthz?deep=1` of `node dist/server.js` under attack, with the shared quota in Redis (REDIS_URL,
 * TRTC_RATE_PER_SECOND) and AUTH_TOKEN set: unauthenticated probes are 401 and never reach TRTC, a storm of
 * authorised probes costs at most one TRTC call per probe interval (the others are answered from the last result,
 * saying so), and authorised reports sent during the storm still get their slots.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { throwawayCredential, TrtcEmulator } from '../../tools/trtc-emulator';
import { distinctReport } from '../support/fixtures';
import { describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../support/redis-server';
import { request, startServerProcess, type ServerProcess } from '../support/server-process';

const TOKEN = 'deep-health-test-token-0123456789';
const credential = throwawayCredential();
const emulator = new TrtcEmulator({ credentials: [credential] });
let redis: RedisServer;
let server: ServerProcess;

beforeAll(async () => {
  if (redisServerBinary() === null) return;
  redis = await startRedisServer();
  const trtc = await emulator.start();
  server = await startServerProcess({
    TENCENTCLOUD_SECRETID: credential.secretId,
    TENCENTCLOUD_SECRETKEY: credential.secretKey,
    TENCENTCLOUD_SESSIONTOKEN: credential.token ?? '',
    TRTC_ENDPOINT: trtc,
    REDIS_URL: redis.url,
    TRTC_RATE_PER_SECOND: '4',
    AUTH_TOKEN: TOKEN,
  });
});
afterAll(async () => {
  if (redisServerBinary() === null) return;
  await server.stop();
  await emulator.stop();
  await redis.stop();
});

const authorised = { Authorization: `Bearer ${TOKEN}` };

interface DeepAnswer {
  status: string;
  cached: boolean;
  ageMs?: number;
  probe: { healthy: boolean; verdict: string };
}

describeWithRedis('GET /healthz?deep=1 with AUTH_TOKEN and the Redis quota', () => {
  it('100 unauthenticated deep probes: 401 each, no TRTC call; plain /healthz still needs no token', async () => {
    emulator.reset();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => request(server.port, 'GET', '/healthz?deep=1', i % 2 === 0 ? {} : { Authorization: 'Bearer wrong' })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
    expect(answers[0]!.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ Response: { Error: { Code: 'AuthFailure.Unauthorized' } } });
    expect(emulator.calls).toHaveLength(0);
    expect((await request(server.port, 'GET', '/healthz')).status).toBe(200);
  });

  it('200 authorised deep probes at once: at most one TRTC call per probe interval, the rest answered from it', async () => {
    emulator.reset();
    const answers = await Promise.all(Array.from({ length: 200 }, () => request(server.port, 'GET', '/healthz?deep=1', authorised)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const bodies = answers.map((a) => JSON.parse(a.body) as DeepAnswer);
    expect(bodies.every((b) => b.probe.healthy && b.probe.verdict === 'ok')).toBe(true);
    // One call for the first; a burst slower than the interval may start one more.
    expect(emulator.calls.length).toBeGreaterThanOrEqual(1);
    expect(emulator.calls.length).toBeLessThanOrEqual(2);
    const cached = bodies.filter((b) => b.cached);
    expect(cached.length).toBeGreaterThanOrEqual(198);
    for (const b of cached) expect(b.ageMs).toBeGreaterThanOrEqual(0);
    expect(bodies.some((b) => !b.cached)).toBe(true);
  });

  it('authorised reports sent during a probe storm all get a slot and are recorded', async () => {
    emulator.reset();
    const reports = Array.from({ length: 6 }, (_, i) => distinctReport(`deep-health-${String(i)}`));
    const storm = Promise.all(Array.from({ length: 150 }, () => request(server.port, 'GET', '/healthz?deep=1', authorised)));
    const answers = await Promise.all(
      reports.map((report) => request(server.port, 'POST', '/', { ...authorised, 'Content-Type': 'application/json' }, JSON.stringify(report))),
    );
    await storm;
    expect(answers.map((a) => `${String(a.status)} ${a.body}`)).toEqual(answers.map((a) => `200 ${a.body}`));
    expect(emulator.created).toHaveLength(reports.length);
    // The storm came within the probe interval of the previous test's probe: no probe call at all, or one.
    expect(emulator.calls.length - emulator.created.length).toBeLessThanOrEqual(1);
  });
});
