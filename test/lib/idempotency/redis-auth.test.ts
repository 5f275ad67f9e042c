/**
 * The Redis store against a password-protected server (as TencentDB for Redis is), using a database other than 0.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../../../lib/idempotency/redis';
import { IdempotencyStoreError } from '../../../lib/idempotency/store';
import { clearProxyEnv, describeWithRedis, redisServerBinary, startRedisServer, type RedisServer } from '../../support/redis-server';
import { describeStoreContract, recordOf, tokenOf, uniqueKey } from '../../support/store-contract';

// Characters that must be percent-encoded in a URL, to prove the password is decoded.
const PASSWORD = 'Tr0ub4dor&3:p@ss/w%rd';
const ENCODED = encodeURIComponent(PASSWORD);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
let db2: Redis;
let db0: Redis;

function url(password = ENCODED, db = 2): string {
  return `redis://:${password}@127.0.0.1:${server.port}/${db}`;
}

beforeAll(async () => {
  clearProxyEnv();
  if (redisServerBinary() === null) return; // the suites below are skipped
  server = await startRedisServer({ password: PASSWORD });
  db2 = new Redis({ host: '127.0.0.1', port: server.port, password: PASSWORD, db: 2 });
  db0 = new Redis({ host: '127.0.0.1', port: server.port, password: PASSWORD, db: 0 });
});

afterAll(async () => {
  db2?.disconnect();
  db0?.disconnect();
  await server?.stop();
});

describeWithRedis('RedisIdempotencyStore with a password against redis-server', () => {
  describeStoreContract('RedisIdempotencyStore with a password, db 2', () => ({
    store: new RedisIdempotencyStore({ url: url() }),
    shortTtlMs: 300,
    advance: (ms) => sleep(ms + 100),
  }));
});

describeWithRedis('RedisIdempotencyStore: password and database from the URL', () => {
  it('authenticates with redis://:pass@127.0.0.1:port/2 and keeps its keys in db 2', async () => {
    const store = new RedisIdempotencyStore({ url: url() });
    try {
      const key = uniqueKey();
      await store.complete(key, tokenOf(await store.begin(key, 5_000)), recordOf('req-db2'), 5_000);
      expect(JSON.parse((await db2.get(key)) ?? 'null')).toMatchObject({ state: 'completed', requestId: 'req-db2' });
      expect(await db0.exists(key)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('keeps the same key apart in different databases', async () => {
    const a = new RedisIdempotencyStore({ url: url(ENCODED, 2) });
    const b = new RedisIdempotencyStore({ url: url(ENCODED, 3) });
    try {
      const key = uniqueKey();
      expect((await a.begin(key, 5_000)).state).toBe('claimed');
      expect((await b.begin(key, 5_000)).state).toBe('claimed');
    } finally {
      await a.close();
      await b.close();
    }
  });

  for (const [name, password] of [
    ['a wrong password', 'wrong-Pa55word'],
    ['no password', undefined],
  ] as const) {
    it(`${name}: rejects quickly with IdempotencyStoreError that contains no password`, async () => {
      const store = new RedisIdempotencyStore({
        url: password === undefined ? `redis://127.0.0.1:${server.port}/2` : url(password),
        connectTimeoutMs: 1_000,
      });
      try {
        for (let i = 0; i < 2; i += 1) {
          const started = performance.now();
          const error = await store.begin(uniqueKey(), 5_000).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(performance.now() - started).toBeLessThan(3_000);
          expect(error).toBeInstanceOf(IdempotencyStoreError);
          const message = (error as Error).message;
          expect(message).toMatch(new RegExp(`^Redis idempotency store at redis://127\\.0\\.0\\.1:${server.port}/2 `));
          for (const secret of [PASSWORD, ENCODED, 'wrong-Pa55word', 'Tr0ub4dor']) expect(message).not.toContain(secret);
        }
      } finally {
        await store.close();
      }
    });
  }
});
