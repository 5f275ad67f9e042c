/**
 * The code package SCF runs: the build's artefact files (dist/index.js and the lazily loaded dist/redis.js), at the
 * zip's root, so the handler is `index.main_handler`. The list is the build's own (`artifact` in dist/meta.json,
 * decided in scripts/build.mjs), so a file the build adds ships without edits here, and a stale file left in dist/
 * does not.
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

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/** The files to ship from `codeDir`, read from the esbuild metafile the build writes. */
export function shippedFiles(root: string, codeDir: string, handlerFile: string): string[] {
  const metaPath = path.join(root, codeDir, 'meta.json');
  if (!existsSync(metaPath)) throw new ArtifactError(`${path.join(codeDir, 'meta.json')} is missing: run npm run build first`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { artifact?: unknown };
  const dir = path.posix.normalize(codeDir.split(path.sep).join('/'));
  if (!Array.isArray(meta.artifact) || !meta.artifact.every((f): f is string => typeof f === 'string')) {
    throw new ArtifactError(`${path.join(codeDir, 'meta.json')} lists no artefact: run npm run build first`);
  }
  const files = meta.artifact
    .filter((out) => path.posix.dirname(out) === dir)
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
