/**
 * Loads the built bundle (dist/index.js), the artefact that is deployed, so tests exercise exactly that code.
 * `npm test` builds it first.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE = path.join(ROOT, 'dist', 'index.js');

export type MainHandler = (event: unknown, context?: Record<string, unknown>) => Promise<unknown>;

/**
 * The bundle's exports. `fresh: true` loads it anew, as a cold start does (new module state: no cached client,
 * an empty in-memory idempotency store); otherwise the same warm instance is returned each time.
 */
export function loadBundle(options: { fresh?: boolean } = {}): { main_handler: MainHandler } {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build (npm test does)`);
  const require = createRequire(import.meta.url);
  if (options.fresh) delete require.cache[require.resolve(BUNDLE)];
  return require(BUNDLE) as { main_handler: MainHandler };
}
