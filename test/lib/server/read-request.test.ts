/**
 * lib/server/read-request.ts: the request id, the target split into path and query, the declared length, the
 * request as the pipeline sees it, and readBody's hard cap, driven over loopback with a real Node server.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { declaredLength, pickRequestId, readBody, splitTarget, toHttpRequest, type BodyLimits, type BodyRead } from '../../../lib/server/read-request';

describe('pickRequestId', () => {
  const fresh = (): string => 'generated';

  it.each([
    ['abc-123', 'abc-123'],
    ['  padded  ', 'padded'],
    ['x'.repeat(128), 'x'.repeat(128)],
  ])('keeps a sane token %j', (header, id) => {
    expect(pickRequestId(header, fresh)).toBe(id);
  });

  it.each([[undefined], [''], ['has space'], ['x'.repeat(129)], ['caf\u00e9'], [['a', 'b']]])('replaces %j with a fresh id', (header) => {
    expect(pickRequestId(header, fresh)).toBe('generated');
  });

  it('generates a UUID by default', () => {
    expect(pickRequestId(undefined)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('splitTarget', () => {
  it.each([
    [undefined, '/', ''],
    ['', '/', ''],
    ['/', '/', ''],
    ['/healthz?deep=1', '/healthz', 'deep=1'],
    ['/?a=1?b=2', '/', 'a=1?b=2'],
    ['/x#frag?not-query', '/x', ''],
    ['/?a=1#frag', '/', 'a=1'],
    ['http://example.com/healthz?deep=1', '/healthz', 'deep=1'],
    ['HTTPS://example.com:8443', '/', ''],
    ['http://example.com?x=1', '/', 'x=1'],
  ])('%j → path %j, query %j', (target, path, rawQuery) => {
    expect(splitTarget(target)).toEqual({ path, rawQuery });
  });
});

describe('declaredLength', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    [' 7 ', 7],
    ['999999999999999', 999999999999999],
  ])('%j → %d', (header, length) => {
    expect(declaredLength(header)).toBe(length);
  });

  it.each([[undefined], [''], ['-1'], ['1.5'], ['1e3'], ['0x10'], ['1234567890123456'], ['12, 12']])('%j → undefined', (header) => {
    expect(declaredLength(header)).toBeUndefined();
  });
});

describe('toHttpRequest', () => {
  it('upper-cases the method, splits the target, lower-cases headers and decodes the query', () => {
    const parsed = toHttpRequest('post', '/?RoomId=%E4%B8%AD&a=1&a=2', { 'content-type': 'application/json' }, Buffer.from('{}'), 'req-1');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({ method: 'POST', path: '/', query: { RoomId: '中', a: ['1', '2'] }, requestId: 'req-1' });
    expect(parsed.value.headers['content-type']).toBe('application/json');
    expect(parsed.value.body?.toString()).toBe('{}');
  });

  it('a query whose escapes are not UTF-8 is a 400 naming the field', () => {
    const parsed = toHttpRequest('GET', '/?RoomId=%ff', {}, undefined, 'r');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.failure.status).toBe(400);
      expect(parsed.failure.message).toContain('RoomId');
    }
  });

  it('no method means GET', () => {
    const parsed = toHttpRequest(undefined, '/', {}, undefined, 'r');
    expect(parsed.ok && parsed.value.method).toBe('GET');
  });
});

describe('readBody over loopback', () => {
  let server: Server | undefined;

  afterEach(async () => {
    const running = server;
    server = undefined;
    if (!running) return;
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  });

  /** Starts a server that reads each body with `limits` and reports the result; returns its port. */
  async function start(limits: BodyLimits, results: BodyRead[], onRead?: () => void): Promise<number> {
    server = createServer((req: IncomingMessage, res) => {
      void readBody(req, limits).then((result) => {
        results.push(result);
        onRead?.();
        res.writeHead(200, { Connection: 'close' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /** Posts `chunks` (ending the request after them unless `keepOpen`), with optional headers. */
  function post(port: number, chunks: Buffer[], headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', () => resolve());
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  const LIMITS: BodyLimits = { maxBytes: 100, drainBytes: 1000, drainTimeoutMs: 5_000 };

  it('a body within the cap is read whole', async () => {
    const results: BodyRead[] = [];
    const port = await start(LIMITS, results);
    await post(port, [Buffer.from('a'.repeat(60)), Buffer.from('b'.repeat(40))]);
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result?.kind).toBe('body');
    if (result?.kind === 'body') expect(result.body?.toString()).toBe(`${'a'.repeat(60)}${'b'.repeat(40)}`);
  });

  it('an empty body is undefined', async () => {
    const results: BodyRead[] = [];
    const port = await start(LIMITS, results);
    await post(port, [], { 'content-length': '0' });
    expect(results).toEqual([{ kind: 'body', body: undefined }]);
  });

  it('one byte over the cap, sent chunked: too large, drained to the end', async () => {
    const results: BodyRead[] = [];
    const port = await start(LIMITS, results);
    await post(port, [Buffer.from('a'.repeat(60)), Buffer.from('b'.repeat(41))]);
    expect(results).toEqual([{ kind: 'too-large', drained: true }]);
  });

  it('a declared length past the cap and the drain allowance: too large at once, not drained', async () => {
    const results: BodyRead[] = [];
    const port = await start(LIMITS, results);
    await post(port, [Buffer.alloc(1200)], { 'content-length': '1200' });
    expect(results).toEqual([{ kind: 'too-large', drained: false }]);
  });

  it('a declared length over the cap while the client waits for 100 Continue: too large, counted as drained', async () => {
    const results: BodyRead[] = [];
    const port = await start({ ...LIMITS, withheld: true }, results);
    await post(port, [Buffer.alloc(150)], { 'content-length': '150' });
    expect(results).toEqual([{ kind: 'too-large', drained: true }]);
  });

  it('more than the drain allowance past the cap, chunked: too large, not drained', async () => {
    const results: BodyRead[] = [];
    const port = await start(LIMITS, results);
    await post(port, [Buffer.alloc(600), Buffer.alloc(600)]);
    expect(results).toEqual([{ kind: 'too-large', drained: false }]);
  });

  it('a client that stops sending before the deadline: timeout', async () => {
    const results: BodyRead[] = [];
    let read: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (read = resolve));
    const port = await start({ ...LIMITS, timeoutMs: 50 }, results, () => read());
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '50' } });
    req.on('error', () => undefined);
    req.write('partial');
    await done;
    req.destroy();
    expect(results).toEqual([{ kind: 'timeout' }]);
  });

  it('a client that vanishes mid-body: aborted', async () => {
    const results: BodyRead[] = [];
    let read: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (read = resolve));
    let arrived: () => void = () => undefined;
    const someArrived = new Promise<void>((resolve) => (arrived = resolve));
    server = createServer((req, res) => {
      req.once('data', () => arrived());
      void readBody(req, LIMITS).then((result) => {
        results.push(result);
        read();
        res.destroy();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '50' } });
    req.on('error', () => undefined);
    req.write('partial');
    await someArrived;
    req.destroy();
    await done;
    expect(results).toEqual([{ kind: 'aborted' }]);
  });
});
