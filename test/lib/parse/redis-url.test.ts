import { describe, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../../../lib/idempotency/redis';
import { parseRedisUrl } from '../../../lib/parse/redis-url';

describe('parseRedisUrl', () => {
  it('reads host, port, db, user and password, with defaults', () => {
    expect(parseRedisUrl('redis://10.0.0.5')).toEqual({ tls: false, host: '10.0.0.5', port: 6379, db: 0, display: 'redis://10.0.0.5:6379/0' });
    expect(parseRedisUrl('redis://:p%40ss%3Aw%2Frd@10.0.0.5:6380/2')).toEqual({
      tls: false,
      host: '10.0.0.5',
      port: 6380,
      db: 2,
      password: 'p@ss:w/rd',
      display: 'redis://10.0.0.5:6380/2',
    });
    expect(parseRedisUrl('rediss://app:pw@redis.example.com/15')).toEqual({
      tls: true,
      host: 'redis.example.com',
      port: 6379,
      db: 15,
      username: 'app',
      password: 'pw',
      display: 'rediss://redis.example.com:6379/15',
    });
    expect(parseRedisUrl('REDISS://[::1]:7000/')).toMatchObject({ tls: true, host: '::1', port: 7000, db: 0, display: 'rediss://[::1]:7000/0' });
  });

  it('rejects what it cannot use, never echoing credentials', () => {
    for (const bad of [
      '',
      'not a url',
      'http://:topsecret@host',
      'redis://:topsecret@host/x',
      'redis://:topsecret@host/0?tls=false',
      'redis://:topsecret@host/0/1',
      'redis://:topsecret%zz@host',
    ]) {
      let caught: unknown;
      try {
        parseRedisUrl(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught, bad).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toMatch(/^REDIS_URL /);
      expect((caught as Error).message).not.toContain('topsecret');
    }
  });

  it('rejects timeouts that are not whole milliseconds ≥ 1', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      expect(() => new RedisIdempotencyStore({ url: 'redis://h', commandTimeoutMs: bad })).toThrow(RangeError);
      expect(() => new RedisIdempotencyStore({ url: 'redis://h', connectTimeoutMs: bad })).toThrow(RangeError);
    }
  });
});
