/**
 * The code package SCF runs: the build's JavaScript outputs in the handler's folder (dist/), at the zip's root,
 * so the handler is `index.main_handler`. The list comes from the build's own record (dist/meta.json), so a file
 * the build adds (a lazily loaded chunk) ships without edits here, and a stale file left in dist/ does not.
 * dist/server.js, the standalone HTTP server for web functions and containers, is never needed by the event function.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeZip } from './zip';

export interface Artifact {
  readonly zip: Buffer;
  readonly sha256: string;
  /** Zip entry name → the file it came from, relative to the project root. */
  readonly files: readonly { readonly entry: string; readonly source: string }[];
}

/** Build outputs that are never part of the event function's package. */
const NOT_SHIPPED = new Set(['server.js']);

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/** The files to ship from `codeDir`, read from the esbuild metafile the build writes. */
export function shippedFiles(root: string, codeDir: string, handlerFile: string): string[] {
  const metaPath = path.join(root, codeDir, 'meta.json');
  if (!existsSync(metaPath)) throw new ArtifactError(`${path.join(codeDir, 'meta.json')} is missing: run npm run build first`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { outputs?: Record<string, unknown> };
  const dir = path.posix.normalize(codeDir.split(path.sep).join('/'));
  const files = Object.keys(meta.outputs ?? {})
    .filter((out) => path.posix.dirname(out) === dir && out.endsWith('.js') && !NOT_SHIPPED.has(path.posix.basename(out)))
    .map((out) => path.posix.basename(out))
    .sort();
  if (!files.includes(handlerFile)) {
    throw new ArtifactError(`the build produced no ${dir}/${handlerFile} for the handler: run npm run build first`);
  }
  return files;
}

export function buildArtifact(root: string, codeDir: string, handler: string): Artifact {
  const handlerFile = `${handler.split('.')[0]}.js`;
  const files = shippedFiles(root, codeDir, handlerFile).map((entry) => ({ entry, source: path.posix.join(codeDir, entry) }));
  const zip = writeZip(files.map((f) => ({ name: f.entry, data: readFileSync(path.join(root, f.source)) })));
  return { zip, sha256: createHash('sha256').update(zip).digest('hex'), files };
}
