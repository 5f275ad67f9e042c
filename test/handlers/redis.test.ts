/**
 * handlers/redis.ts, the entry of dist/redis.js: it exports exactly the three Redis cores the facades load lazily
 * (lib/idempotency/redis.ts, lib/quota/redis.ts, lib/dead-letter/), and the built file does too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as entry from '../../handlers/redis';
import { RedisStoreCore } from '../../lib/idempotency/redis-store';
import { RedisScheduleCore } from '../../lib/quota/redis-schedule';
import { RedisParkedCore } from '../../lib/dead-letter/redis-parked';
import { ROOT } from '../support/bundle';

describe('the Redis entry (dist/redis.js)', () => {
  it('exports the idempotency store core, the quota schedule core and the dead-letter core, nothing else', () => {
    expect(Object.keys(entry).sort()).toEqual(['RedisParkedCore', 'RedisScheduleCore', 'RedisStoreCore']);
    expect(entry.RedisParkedCore).toBe(RedisParkedCore);
    expect(entry.RedisStoreCore).toBe(RedisStoreCore);
    expect(entry.RedisScheduleCore).toBe(RedisScheduleCore);
  });

  it('the built file exports the same three classes', () => {
    const built = path.join(ROOT, 'dist', 'redis.js');
    expect(existsSync(built), 'run npm run build (npm test does)').toBe(true);
    const exported = createRequire(import.meta.url)(built) as Record<string, unknown>;
    expect(Object.keys(exported).sort()).toEqual(['RedisParkedCore', 'RedisScheduleCore', 'RedisStoreCore']);
    for (const value of Object.values(exported)) expect(typeof value).toBe('function');
  });
});
