/**
 * The artefact: a byte-for-byte deterministic zip of the build's dist/*.js (without the standalone server),
 * index.js at the root; readable by Debian's unzip and by the local SCF's reader, contents identical to dist/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactError, buildArtifact } from '../../../tools/deploy/artifact';
import { crc32, writeZip } from '../../../tools/deploy/zip';
import { readZip } from '../../../tools/local-cloud/zip';
import { ROOT } from '../../support/bundle';
import { toolPath } from '../../support/tools';

/** A scratch project whose dist/ holds the given files and a meta.json listing `outputs`. */
/** A fake build: `artifact` is the list scripts/build.mjs writes into dist/meta.json. */
function project(files: Record<string, string>, artifact: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'artifact-'));
  mkdirSync(path.join(dir, 'dist'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'dist', name), text);
  writeFileSync(path.join(dir, 'dist', 'meta.json'), JSON.stringify({ outputs: {}, artifact }));
  return dir;
}

describe('buildArtifact on this checkout', () => {
  const a = buildArtifact(ROOT, 'dist', 'index.main_handler');

  it("holds the build's artefact (dist/index.js, dist/redis.js; never server.js) at the root", () => {
    expect(a.files.map((f) => f.entry)).toContain('index.js');
    expect(a.files.map((f) => f.entry)).not.toContain('server.js');
    const entries = readZip(a.zip);
    expect(entries.map((e) => e.name)).toEqual(a.files.map((f) => f.entry));
    for (const f of a.files) {
      expect(entries.find((e) => e.name === f.entry)!.data.equals(readFileSync(path.join(ROOT, f.source)))).toBe(true);
    }
  });

  it('is the same bytes every time, whatever the files’ timestamps', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'artifact-'));
    try {
      mkdirSync(path.join(dir, 'dist'));
      for (const name of ['index.js', 'redis.js', 'meta.json']) copyFileSync(path.join(ROOT, 'dist', name), path.join(dir, 'dist', name));
      for (const name of ['index.js', 'redis.js']) utimesSync(path.join(dir, 'dist', name), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
      const b = buildArtifact(dir, 'dist', 'index.main_handler');
      const c = buildArtifact(ROOT, 'dist', 'index.main_handler');
      expect(b.zip.equals(c.zip)).toBe(true);
      expect(b.sha256).toBe(a.sha256);
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Skipped without unzip/zipinfo (one notice for the run); REQUIRE_UNZIP=1 (.ci/run) makes that an error.
  it.runIf(toolPath('unzip') !== null)('Debian unzip lists and tests it: 0644 files dated 1980-01-01, CRCs right', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'artifact-'));
    try {
      const file = path.join(dir, 'code.zip');
      writeFileSync(file, a.zip);
      expect(execFileSync('unzip', ['-t', file], { encoding: 'utf8' })).toMatch(/No errors detected/);
      const listing = execFileSync('zipinfo', [file], { encoding: 'utf8' });
      expect(listing).toMatch(/-rw-r--r--\s.*\s80-Jan-01 00:00 index\.js/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what is shipped comes from the build record', () => {
  it('exactly the files the build lists as the artefact are shipped; server.js and stale files are not', () => {
    const dir = project({ 'index.js': 'exports.main_handler = 1;', 'redis.js': 'r', 'server.js': 's', 'old.js': 'stale' }, ['dist/index.js', 'dist/redis.js']);
    try {
      expect(buildArtifact(dir, 'dist', 'index.main_handler').files.map((f) => f.entry)).toEqual(['index.js', 'redis.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no build, or no handler file: a clear error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'artifact-'));
    try {
      expect(() => buildArtifact(dir, 'dist', 'index.main_handler')).toThrow(/dist\/meta\.json is missing: run npm run build first/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const other = project({ 'other.js': '' }, ['dist/other.js']);
    try {
      expect(() => buildArtifact(other, 'dist', 'index.main_handler')).toThrow(ArtifactError);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('writeZip', () => {
  it('sorts entries, round-trips through a reader, refuses unsafe or duplicate names', () => {
    const zip = writeZip([
      { name: 'b.js', data: Buffer.from('bee') },
      { name: 'a/x.js', data: Buffer.from('') },
    ]);
    expect(readZip(zip).map((e) => [e.name, e.data.toString()])).toEqual([
      ['a/x.js', ''],
      ['b.js', 'bee'],
    ]);
    expect(() => writeZip([{ name: '../evil', data: Buffer.alloc(0) }])).toThrow(/relative printable ASCII/);
    expect(() =>
      writeZip([
        { name: 'a', data: Buffer.alloc(0) },
        { name: 'a', data: Buffer.alloc(0) },
      ]),
    ).toThrow(/duplicate/);
  });

  it('CRC-32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
