import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RedisIdempotencyStore, type RedisIdempotencyStoreOptions } from '../../../lib/idempotency/redis';
import { IdempotencyStoreError } from '../../../lib/idempotency/store';
import { clearProxyEnv, describeWithRedis, freePort, rawCommand, redisServerBinary, startRedisServer, type RedisServer } from '../../support/redis-server';
import { describeStoreContract, LONG_TTL_MS, recordOf, tokenOf, uniqueKey } from '../../support/store-contract';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `read()` again until `done` holds, for at most `withinMs`; returns the last value read (the caller asserts it). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, withinMs = 5_000): Promise<T> {
  const until = Date.now() + withinMs;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await sleep(10);
    value = await read();
  }
  return value;
}

let server: RedisServer;
let raw: Redis;
/** Stores made by a test, closed after it. */
const opened: RedisIdempotencyStore[] = [];

function storeFor(options: Partial<RedisIdempotencyStoreOptions> = {}): RedisIdempotencyStore {
  const store = new RedisIdempotencyStore({ url: server.url, ...options });
  opened.push(store);
  return store;
}

/** Runs `fn`, and returns how it settled and how long that took. */
async function settle(fn: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await fn();
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

/** A TCP server that counts connections and does whatever `onSocket` says (by default: never answers). */
async function tcpServer(
  onSocket: (socket: Socket) => void = () => undefined,
): Promise<{ port: number; connections: () => number; server: Server; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const srv = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    connections: () => count,
    server: srv,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        srv.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  clearProxyEnv();
  if (redisServerBinary() === null) return; // the suites below are skipped
  server = await startRedisServer();
  raw = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  await raw.connect();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

describeWithRedis('RedisIdempotencyStore against redis-server', () => {
  describeStoreContract('RedisIdempotencyStore', () => ({
    store: storeFor(),
    shortTtlMs: 300,
    advance: (ms) => sleep(ms + 100),
  }));
});

describeWithRedis('RedisIdempotencyStore: what is stored in Redis', () => {
  it('writes the in-progress marker with SET NX PX and the record with its own PX', async () => {
    const store = storeFor();
    const key = uniqueKey();
    const token = tokenOf(await store.begin(key, 5_000));
    expect(JSON.parse((await raw.get(key)) ?? 'null')).toEqual({ state: 'in-progress', token });
    const markerTtl = await raw.pttl(key);
    expect(markerTtl).toBeGreaterThan(4_000);
    expect(markerTtl).toBeLessThanOrEqual(5_000);
    await store.complete(key, token, recordOf('req-1', 123), 86_400_000);
    expect(JSON.parse((await raw.get(key)) ?? 'null')).toEqual({ state: 'completed', requestId: 'req-1', fingerprint: 'f'.repeat(64), completedAt: 123 });
    expect(await raw.pttl(key)).toBeGreaterThan(86_390_000);
  });

  it('deletes the key on release()', async () => {
    const store = storeFor();
    const key = uniqueKey();
    await store.release(key, tokenOf(await store.begin(key, 5_000)));
    expect(await raw.exists(key)).toBe(0);
  });

  it('puts keyPrefix in front of every key', async () => {
    const store = storeFor({ keyPrefix: 'staging:' });
    const key = uniqueKey();
    await store.complete(key, tokenOf(await store.begin(key, 5_000)), recordOf('req'), 5_000);
    expect(await raw.exists(key)).toBe(0);
    expect(await raw.exists(`staging:${key}`)).toBe(1);
    expect((await storeFor().begin(key, 5_000)).state).toBe('claimed'); // a different prefix is a different key
  });

  it('rejects a value it did not write with IdempotencyStoreError, and leaves it alone', async () => {
    const store = storeFor();
    for (const junk of ['not json', '{"state":"done"}', '42', '{"state":"completed","requestId":7}']) {
      const key = uniqueKey();
      await raw.set(key, junk);
      await expect(store.begin(key, 5_000)).rejects.toThrow(IdempotencyStoreError);
      await expect(store.begin(key, 5_000)).rejects.toThrow(/found a value it did not write/);
      await store.complete(key, 'token', recordOf('req'), 5_000);
      await store.release(key, 'token');
      expect(await raw.get(key)).toBe(junk);
    }
  });

  it('lets exactly one of 60 begin() calls from six connections claim a key', async () => {
    const stores = Array.from({ length: 6 }, () => storeFor());
    for (let round = 0; round < 5; round += 1) {
      const key = uniqueKey();
      const results = await Promise.all(stores.flatMap((store) => Array.from({ length: 10 }, () => store.begin(key, LONG_TTL_MS))));
      expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.state === 'in-progress')).toHaveLength(59);
    }
  });

  it('after a concurrent claim completes, every store replays the same record', async () => {
    const stores = Array.from({ length: 3 }, () => storeFor());
    const key = uniqueKey();
    const results = await Promise.all(stores.map((store) => store.begin(key, LONG_TTL_MS)));
    const winner = results.findIndex((r) => r.state === 'claimed');
    const result = results[winner];
    const store = stores[winner];
    if (result === undefined || store === undefined) throw new Error('nobody claimed the key');
    await store.complete(key, tokenOf(result), recordOf('req-winner'), LONG_TTL_MS);
    for (const s of stores) expect(await s.begin(key, LONG_TTL_MS)).toEqual({ state: 'completed', record: recordOf('req-winner') });
  });
});

describeWithRedis('RedisIdempotencyStore: connection', () => {
  it('does not connect until first used, and close() of an unused store makes no connection', async () => {
    const tcp = await tcpServer((socket) => socket.destroy());
    try {
      const unused = new RedisIdempotencyStore({ url: `redis://127.0.0.1:${tcp.port}` });
      await sleep(100);
      await unused.close();
      expect(tcp.connections()).toBe(0);
      const used = new RedisIdempotencyStore({ url: `redis://127.0.0.1:${tcp.port}`, connectTimeoutMs: 300 });
      await expect(used.begin(uniqueKey(), 1_000)).rejects.toThrow(IdempotencyStoreError);
      expect(tcp.connections()).toBeGreaterThanOrEqual(1);
      await used.close();
    } finally {
      await tcp.close();
    }
  });

  it('uses one connection for all calls and close() quits it', async () => {
    const before = Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))?.[1]);
    const store = new RedisIdempotencyStore({ url: server.url });
    await Promise.all(Array.from({ length: 20 }, () => store.begin(uniqueKey(), 5_000)));
    expect(Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))?.[1])).toBe(before + 1);
    await store.close();
    // Redis drops the client when it reads QUIT: wait for that, bounded.
    expect(
      await eventually(
        async () => Number(/connected_clients:(\d+)/.exec(await raw.info('clients'))?.[1]),
        (n) => n === before,
      ),
    ).toBe(before);
  });

  it('Redis unreachable (a closed port): every call rejects with IdempotencyStoreError in well under 3 s, without the password', async () => {
    const port = await freePort();
    const password = 'S3cret-Pa55word';
    const store = new RedisIdempotencyStore({ url: `redis://:${password}@127.0.0.1:${port}/1` });
    try {
      for (let i = 0; i < 3; i += 1) {
        for (const call of [
          () => store.begin(uniqueKey(), 5_000),
          () => store.complete(uniqueKey(), 't', recordOf('req'), 5_000),
          () => store.release(uniqueKey(), 't'),
        ]) {
          const { error, ms } = await settle(call);
          expect(error).toBeInstanceOf(IdempotencyStoreError);
          expect(ms).toBeLessThan(3_000);
          const message = (error as Error).message;
          expect(message).toMatch(new RegExp(`^Redis idempotency store at redis://127\\.0\\.0\\.1:${port}/1 is unreachable: `));
          expect(message).not.toContain(password);
          expect(message).not.toContain('Pa55');
          expect(JSON.stringify(error)).not.toContain(password);
          expect(String((error as Error).stack)).not.toContain(password);
        }
      }
    } finally {
      await store.close();
    }
  });

  it('a server that accepts but never answers: begin() rejects within the connect timeout', async () => {
    const tcp = await tcpServer();
    const store = new RedisIdempotencyStore({ url: `redis://127.0.0.1:${tcp.port}`, connectTimeoutMs: 300, commandTimeoutMs: 300 });
    try {
      const { error, ms } = await settle(() => store.begin(uniqueKey(), 5_000));
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as Error).message).toMatch(/unreachable/);
      expect(ms).toBeLessThan(1_500);
    } finally {
      await store.close();
      await tcp.close();
    }
  });

  it('a command without an answer rejects within the command timeout, and its claim is cleaned up', async () => {
    const store = storeFor({ commandTimeoutMs: 200 });
    await store.begin(uniqueKey(), 5_000); // connected
    const key = uniqueKey();
    expect(await rawCommand(server.port, 'CLIENT PAUSE 700 ALL')).toBe('+OK');
    const { error, ms } = await settle(() => store.begin(key, 60_000));
    expect(error).toBeInstanceOf(IdempotencyStoreError);
    expect((error as Error).message).toMatch(/failed \(EVAL\): Command timed out/);
    expect(ms).toBeLessThan(600);
    // The pause ends (700 ms); the delayed claim, then its clean-up run: wait for the key to go, bounded.
    expect(
      await eventually(
        () => raw.exists(key),
        (n) => n === 0,
      ),
    ).toBe(0);
    expect((await store.begin(key, 5_000)).state).toBe('claimed');
  });

  it('recovers by itself when Redis comes back', async () => {
    const own = await startRedisServer();
    const store = new RedisIdempotencyStore({ url: own.url });
    try {
      expect((await store.begin(uniqueKey(), 5_000)).state).toBe('claimed');
      await own.stop();
      const { error, ms } = await settle(() => store.begin(uniqueKey(), 5_000));
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect(ms).toBeLessThan(3_000);
      const again = await startRedisServer({ port: own.port });
      try {
        let state = 'none';
        const until = Date.now() + 5_000;
        while (state !== 'claimed' && Date.now() < until) {
          state = await store.begin(uniqueKey(), 5_000).then(
            (r) => r.state,
            () => 'error',
          );
          if (state !== 'claimed') await sleep(100);
        }
        expect(state).toBe('claimed');
      } finally {
        await again.stop();
      }
    } finally {
      await store.close();
      await own.stop();
    }
  });

  it('speaks TLS for rediss:// URLs', async () => {
    const firstBytes: number[] = [];
    const tcp = await tcpServer((socket) => socket.once('data', (chunk: Buffer) => firstBytes.push(chunk[0] ?? -1)));
    const store = new RedisIdempotencyStore({ url: `rediss://:pw-secret@127.0.0.1:${tcp.port}/0`, connectTimeoutMs: 300 });
    try {
      const { error } = await settle(() => store.begin(uniqueKey(), 5_000));
      expect(error).toBeInstanceOf(IdempotencyStoreError);
      expect((error as Error).message).toContain(`rediss://127.0.0.1:${tcp.port}/0`);
      expect((error as Error).message).not.toContain('pw-secret');
      expect(firstBytes[0]).toBe(0x16); // a TLS handshake record, not a RESP command
    } finally {
      await store.close();
      await tcp.close();
    }
  });

  it('rejects calls after close() without reconnecting', async () => {
    const store = new RedisIdempotencyStore({ url: server.url });
    await store.begin(uniqueKey(), 5_000);
    await store.close();
    await expect(store.begin(uniqueKey(), 5_000)).rejects.toThrow(/is closed/);
  });
});
