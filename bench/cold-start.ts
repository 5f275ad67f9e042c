/**
 * Cold start of the deploy bundle: how long `require('dist/index.js')` and the first invocation take in a fresh
 * Node process (median of N runs), next to a bundle built without the shims, to show what the shims save.
 * `npm run bench:cold-start [-- --runs N]` prints the figures.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');

const PROBE = `
const t0 = process.hrtime.bigint();
const m = require(process.argv[1]);
const t1 = process.hrtime.bigint();
m.main_handler({ httpMethod: 'GET', headers: {}, queryString: { RoomId: 'r' } }, { request_id: 'bench', time_limit_in_ms: 3000 })
  .then(() => {
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, firstInvocationMs: Number(t2 - t1) / 1e6 }));
  });`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 100) / 100;
}

function measure(file: string, runs: number): { requireMs: number; firstInvocationMs: number; bytes: number } {
  const requireMs: number[] = [];
  const firstMs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const out = execFileSync(process.execPath, ['-e', PROBE, file], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const figures = JSON.parse(out) as { requireMs: number; firstInvocationMs: number };
    requireMs.push(figures.requireMs);
    firstMs.push(figures.firstInvocationMs);
  }
  return { requireMs: median(requireMs), firstInvocationMs: median(firstMs), bytes: statSync(file).size };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--runs');
  const runs = i >= 0 ? Number(process.argv[i + 1]) : 15;
  const dir = mkdtempSync(path.join(tmpdir(), 'cold-'));
  try {
    const shipped = path.join(dir, 'index.js');
    copyFileSync(path.join(ROOT, 'dist', 'index.js'), shipped);
    const plain = path.join(dir, 'plain.js');
    await build({ entryPoints: [path.join(ROOT, 'handlers', 'index.ts')], outfile: plain, bundle: true, platform: 'node', target: 'node18', format: 'cjs', minify: true, logLevel: 'error' });
    const result = { runs, shipped: measure(shipped, runs), withoutShims: measure(plain, runs) };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cold-start benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
