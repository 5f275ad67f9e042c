/** Shared fixtures for the deploy tests: a scratch copy of this checkout's deployable files. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../../support/bundle';

/** serverless.yml and the build's dist/ files (every .js output and meta.json) in a new temporary folder. */
export function copyProject(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(path.join(dir, 'dist'));
  copyFileSync(path.join(ROOT, 'serverless.yml'), path.join(dir, 'serverless.yml'));
  const built = readdirSync(path.join(ROOT, 'dist')).filter((f) => f.endsWith('.js') || f === 'meta.json');
  for (const f of built) copyFileSync(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
  return dir;
}
