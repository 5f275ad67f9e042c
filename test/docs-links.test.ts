/**
 * The README and every page of docs/ stay navigable: every relative Markdown link resolves to a file of the
 * repository, and an anchor into a Markdown file names one of its headings (GitHub's slugs). The README stays a
 * newcomer's page (at most 250 lines), and no page carries a machine path or a working note.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const DOCS = join(ROOT, 'docs');

const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
].sort();

/** The page without its fenced code blocks, where a `#` line is not a heading and a link is not a link. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's heading anchor: lower case, punctuation (all but `-`, `_` and spaces) dropped, spaces as `-`. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings; a repeated slug gets `-1`, `-2`, … as on GitHub. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of withoutFences(markdown).matchAll(/^#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/gm)) {
    // Inline formatting is not part of the anchor: links keep their text, emphasis and code marks go.
    const text = match[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = slug(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The targets of the inline links `[text](target)` and images of a page, without a title. */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** Why a link is dead, or undefined when it resolves. External links and mail links are not checked. */
export function deadLink(page: string, target: string): string | undefined {
  if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const hash = target.indexOf('#');
  const pathPart = decodeURI(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  if (pathPart.startsWith('/')) return 'an absolute path (use a path relative to the page)';
  const file = pathPart === '' ? page : resolve(dirname(page), pathPart);
  if (relative(ROOT, file).startsWith('..')) return 'outside the repository';
  if (!existsSync(file)) return `no file ${relative(ROOT, file)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md') || statSync(file).isDirectory()) return undefined;
  if (!anchors(readFileSync(file, 'utf8')).has(anchor)) return `no heading #${anchor} in ${relative(ROOT, file)}`;
  return undefined;
}

describe('the documentation links', () => {
  it('finds the README and the docs pages', () => {
    expect(PAGES.map((page) => relative(ROOT, page))).toContain('README.md');
    expect(PAGES.length).toBeGreaterThan(5);
  });

  it.each(PAGES.map((page) => [relative(ROOT, page), page]))('every relative link of %s resolves', (_name, page) => {
    const markdown = readFileSync(page, 'utf8');
    const targets = linkTargets(markdown);
    const dead = targets.flatMap((target) => {
      const why = deadLink(page, target);
      return why === undefined ? [] : [`${target}: ${why}`];
    });
    expect(dead).toEqual([]);
  });

  it('the README links to every docs page', () => {
    const linked = new Set(linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) => target.split('#')[0]));
    const pages = readdirSync(DOCS).filter((name) => name.endsWith('.md'));
    expect(pages.filter((name) => !linked.has(`docs/${name}`))).toEqual([]);
  });

  it('the README stays a page for a newcomer (at most 250 lines)', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(250);
  });

  it.each(PAGES.map((page) => [relative(ROOT, page), page]))('%s holds no machine path and no working note', (_name, page) => {
    const markdown = readFileSync(page, 'utf8');
    expect(markdown).not.toContain('/work/');
    expect(markdown).not.toContain('/home/');
    expect(markdown).not.toContain('NOTES-for');
  });
});

describe('the link checker itself', () => {
  const readme = join(ROOT, 'README.md');

  it('makes GitHub slugs', () => {
    expect(slug('Guarantees: at least once, with a bound')).toBe('guarantees-at-least-once-with-a-bound');
    expect(slug('`npm run bench`: every figure against its peer')).toBe('npm-run-bench-every-figure-against-its-peer');
    expect(slug('Batches (CKafka, CMQ, EventBridge)')).toBe('batches-ckafka-cmq-eventbridge');
    expect(slug('The `Idempotency-Key` header')).toBe('the-idempotency-key-header');
    expect([...anchors('# A\n\n## A\n\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });

  it('finds links, but not inside code', () => {
    expect(linkTargets('[a](docs/x.md) `[b](y.md)` ![c](z.png "title")\n```\n[d](w.md)\n```\n')).toEqual(['docs/x.md', 'z.png']);
  });

  it('reports a dead file, a dead anchor and an absolute path, and accepts what exists', () => {
    expect(deadLink(readme, 'docs/no-such-page.md')).toMatch(/no file/);
    expect(deadLink(readme, 'docs/reliability.md#no-such-heading')).toMatch(/no heading/);
    expect(deadLink(readme, '#no-such-heading')).toMatch(/no heading/);
    expect(deadLink(readme, '/etc/passwd')).toMatch(/absolute/);
    expect(deadLink(readme, 'docs/reliability.md#health-probe')).toBeUndefined();
    expect(deadLink(readme, 'openapi.yaml')).toBeUndefined();
    expect(deadLink(readme, 'https://example.com/x')).toBeUndefined();
  });
});
