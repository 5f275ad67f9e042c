/**
 * The entry of dist/redis.js, the artefact's second file: everything that needs ioredis (the idempotency store's
 * core and the shared quota's core, with ioredis itself). Reached only through the facades' dynamic imports
 * (lib/idempotency/redis.ts, lib/quota/redis.ts), i.e. only when REDIS_URL is set. Exports classes that build no errors of their own: error classes and shared
 * types stay in dist/index.js, so `instanceof` works across the two files.
 */
export { RedisStoreCore } from '../lib/idempotency/redis-store';
export { RedisScheduleCore } from '../lib/quota/redis-schedule';
export { RedisParkedCore } from '../lib/dead-letter/redis-parked';
