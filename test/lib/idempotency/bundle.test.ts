/**
 * ioredis in the esbuild bundle: present (the Redis store needs it) but evaluated only when a Redis store is
 * first used, so a cold start with the default memory store does not pay for it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../support/bundle';
import { freePort } from '../../support/redis-server';

let dir: string;
let bundle: string;
let withoutIoredis: string;

async function bundleEntry(outfile: string, external: string[] = []): Promise<void> {
  await build({
    entryPoints: [path.join(ROOT, 'lib/idempotency/create.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    external,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'idempotency-bundle-'));
  bundle = path.join(dir, 'create.js');
  withoutIoredis = path.join(dir, 'create-external.js');
  await bundleEntry(bundle);
  await bundleEntry(withoutIoredis, ['ioredis']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ioredis in the CommonJS bundle', () => {
  it('is bundled (about 150 KB minified)', () => {
    const delta = statSync(bundle).size - statSync(withoutIoredis).size;
    expect(delta).toBeGreaterThan(50_000);
    expect(delta).toBeLessThan(400_000);
  });

  it('is not evaluated until a Redis store is used', async () => {
    const port = await freePort(); // nothing listens there
    const probe = path.join(dir, 'probe.cjs');
    writeFileSync(
      probe,
      `
const Module = require('node:module');
const loaded = new Set();
const load = Module._load;
Module._load = function (request, ...rest) { loaded.add(request.replace(/^node:/, '')); return load.call(this, request, ...rest); };
const snapshot = () => ['net', 'tls', 'dns'].filter((m) => loaded.has(m));
(async () => {
  const out = {};
  const { createIdempotencyStore } = require(${JSON.stringify(bundle)});
  out.afterRequire = snapshot();
  const memory = createIdempotencyStore({});
  await memory.begin('k', 1000);
  out.afterMemoryUse = snapshot();
  const redis = createIdempotencyStore({ redisUrl: 'redis://127.0.0.1:${port}/0' });
  out.afterRedisCreated = snapshot();
  out.error = await redis.begin('k', 1000).then(() => 'none', (e) => e.name);
  out.afterRedisUse = snapshot();
  await redis.close();
  process.stdout.write(JSON.stringify(out));
})();
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8', timeout: 15_000 })) as Record<string, unknown>;
    expect(out).toEqual({
      afterRequire: [],
      afterMemoryUse: [],
      afterRedisCreated: [],
      error: 'IdempotencyStoreError',
      afterRedisUse: expect.arrayContaining(['net', 'tls']),
    });
  });
});
