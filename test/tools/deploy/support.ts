/** Shared fixtures for the deploy tests: a scratch copy of this checkout's deployable files. */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
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

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const DEPLOY_CLI = path.join(ROOT, 'tools', 'deploy', 'cli.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run deploy`'s CLI as a child process in `cwd`, with only PATH, HOME and `env` in its environment. */
export function deployCli(args: string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(TSX, [DEPLOY_CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// YAML documents are untyped; `any` stays inside the deploy tests.
export type Doc = Record<string, any>;

/** Edits `dir`/serverless.yml in place. */
export function editYml(dir: string, edit: (d: Doc) => void): void {
  const file = path.join(dir, 'serverless.yml');
  const d = parse(readFileSync(file, 'utf8')) as Doc;
  edit(d);
  writeFileSync(file, stringify(d));
}
