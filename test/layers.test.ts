/**
 * The import structure, read from the source: two wings (the shipped function in handlers/ and lib/, the tools in
 * tools/), nothing shipped imports a tool, no circle, and every import inside the function runs down the layer order
 * that docs/development.md states.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/bundle';

/** Top to bottom; a file belongs to the layer of the longest prefix (a folder, or a file named whole) it matches. */
const LAYERS: readonly (readonly [name: string, prefixes: readonly string[]])[] = [
  ['entries', ['handlers/']],
  [
    'orchestration',
    [
      'lib/invocation.ts',
      'lib/pipeline.ts',
      'lib/batch.ts',
      'lib/dead-letter-after.ts',
      'lib/drain.ts',
      'lib/probe.ts',
      'lib/send-once.ts',
      'lib/http/handle.ts',
      'lib/server/',
    ],
  ],
  ['adapters', ['lib/sources/', 'lib/http/']],
  ['services', ['lib/idempotency/', 'lib/dead-letter/', 'lib/quota/', 'lib/trtc/', 'lib/redis/', 'lib/pacer.ts']],
  [
    'foundations',
    [
      'lib/config.ts',
      'lib/log.ts',
      'lib/failures.ts',
      'lib/errors.ts',
      'lib/outcome.ts',
      'lib/report.ts',
      'lib/deadline.ts',
      'lib/parse/',
      'lib/batch-summary.ts',
      'lib/sources/names.ts',
    ],
  ],
];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...walk(rel));
    else if (/\.(ts|mts|cjs|mjs)$/.test(name)) out.push(rel);
  }
  return out;
}

const EXTENSIONS = ['', '.ts', '.mts', '.cjs', '.mjs', '/index.ts'];

/** The project files `file` imports (static, dynamic, require, type-only), as paths from the root. */
export function importsOf(file: string, exists: (rel: string) => boolean): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]*)\1/g)) {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[2]!));
    const found = EXTENSIONS.map((e) => base + e).find(exists);
    if (found) out.push(found);
  }
  return out;
}

function layerOf(file: string): number {
  let best = { layer: -1, length: 0 };
  for (const [layer, [, prefixes]] of LAYERS.entries()) {
    for (const prefix of prefixes) {
      const matches = prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix;
      if (matches && prefix.length > best.length) best = { layer, length: prefix.length };
    }
  }
  return best.layer;
}

/** A circle in `graph`, as the files on it, or undefined. */
export function findCircle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const circle = visit(next);
      if (circle) return circle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const circle = visit(node);
    if (circle) return circle;
  }
  return undefined;
}

const files = [...walk('handlers'), ...walk('lib'), ...walk('tools')];
const known = new Set(files);
const graph = new Map(files.map((f) => [f, importsOf(f, (rel) => known.has(rel))]));

describe('the import structure', () => {
  it('puts every file of the function in a layer', () => {
    expect(files.filter((f) => !f.startsWith('tools/') && layerOf(f) < 0)).toEqual([]);
  });

  it('never imports a tool from the shipped function', () => {
    const wrong = [...graph].flatMap(([from, tos]) =>
      from.startsWith('tools/') ? [] : tos.filter((to) => to.startsWith('tools/')).map((to) => `${from} -> ${to}`),
    );
    expect(wrong).toEqual([]);
  });

  it('imports only down the layer order (or within a layer) inside the function', () => {
    const upward = [...graph].flatMap(([from, tos]) =>
      from.startsWith('tools/') ? [] : tos.filter((to) => layerOf(to) < layerOf(from)).map((to) => `${from} -> ${to}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps files small: runtime files at most 400 lines, tool files at most 500, the entries smaller still', () => {
    const lines = (file: string): number => readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1;
    const over = (limit: number, list: readonly string[]): string[] => list.filter((f) => lines(f) > limit).map((f) => `${f}: ${lines(f)}`);
    expect(
      over(
        400,
        files.filter((f) => !f.startsWith('tools/')),
      ),
    ).toEqual([]);
    expect(
      over(
        500,
        files.filter((f) => f.startsWith('tools/')),
      ),
    ).toEqual([]);
    expect(over(200, ['handlers/server.ts'])).toEqual([]);
    expect(over(120, ['handlers/index.ts'])).toEqual([]);
  });

  it('has no circle in either wing', () => {
    expect(findCircle(graph)).toBeUndefined();
  });

  it('finds a circle and an upward import when there is one (the checks can fail)', () => {
    expect(
      findCircle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(layerOf('lib/config.ts')).toBeGreaterThan(layerOf('lib/pipeline.ts'));
    expect(graph.get('handlers/index.ts')!.length).toBeGreaterThan(3);
  });
});
