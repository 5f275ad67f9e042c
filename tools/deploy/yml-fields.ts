/**
 * The field checks serverless.yml's reader is built from (pure): typed values with errors that name their key path,
 * unknown keys reported with a "did you mean" when one is close.
 */

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(key, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

export class Errors {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  /** Reports every key of `obj` not in `known`, with a suggestion when one is close. */
  keys(path: string, obj: Obj, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const near = suggest(key, known);
      this.add(`${path}.${key}`, `unknown key${near ? `; did you mean "${near}"?` : ` (known: ${known.join(', ')})`}`);
    }
  }
}

export function str(e: Errors, path: string, v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) e.add(path, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') {
    e.add(path, 'must be a non-empty string');
    return undefined;
  }
  return v.trim();
}

export function bool(e: Errors, path: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    e.add(path, 'must be true or false');
    return fallback;
  }
  return v;
}

export function int(e: Errors, path: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    e.add(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

export function strings(e: Errors, path: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
    e.add(path, 'must be a list of non-empty strings');
    return [];
  }
  return v as string[];
}
