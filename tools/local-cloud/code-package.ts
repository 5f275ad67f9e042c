/** Unpacks a function's code package into a directory (read with ./zip), after checking the handler file is at its root. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readZip } from './zip';

/** Extracts `zip` into `dir` (replacing it). Returns why it cannot serve `<file>.js`, or undefined when it can. */
export function extractPackage(zip: Buffer, file: string, dir: string): string | undefined {
  const entries = readZip(zip);
  if (!entries.some((e) => !e.directory && e.name === `${file}.js`)) {
    const names = entries
      .filter((e) => !e.directory)
      .map((e) => e.name)
      .slice(0, 5);
    return `the code package has no ${file}.js at its root (it holds ${names.join(', ') || 'no files'})`;
  }
  rmSync(dir, { recursive: true, force: true });
  for (const entry of entries) {
    const target = path.join(dir, entry.name);
    if (entry.directory) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.data);
    }
  }
  return undefined;
}
