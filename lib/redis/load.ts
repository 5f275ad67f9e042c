/**
 * Loads the Redis file on first use: in the bundle, scripts/build.mjs turns this import into
 * `require("./redis.js")`, resolved next to dist/index.js (or dist/server.js) at run time; from source (tests) it
 * is an ordinary dynamic import. A cold start that never touches Redis neither reads nor parses that file.
 */
export type RedisFile = typeof import('./file');

/** The Redis file's exports (Node caches the module: loading it twice costs nothing). */
export function loadRedisFile(): Promise<RedisFile> {
  return import('./file');
}
