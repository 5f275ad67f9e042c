/**
 * `${…}` variables in serverless.yml, resolved as the Serverless Framework (v3) resolves them, for the sources a
 * deploy can answer without a network: `${env:NAME}` (the environment), `${opt:stage}` (--stage), `${self:a.b}`
 * (another value of the file, itself resolved) and `${sls:stage}` (--stage, else provider.stage, else dev), each
 * with fallbacks (`${env:X, self:custom.y, 'default'}`: the first source with a value wins; a quoted string, a
 * number or true/false ends the chain). A variable that is a whole value keeps its type; inside a string it must be
 * a string, number or boolean. `\${` is a literal `${`. Stricter than the Framework, and on purpose: every other
 * source (ssm, file, s3, cf, param, …) is refused, a `${…}` that names no source is refused rather than deployed
 * as text, and resolved values are never resolved again (an environment value is taken literally). Errors name the
 * key and the variable as written, never a resolved value (they may be secrets). Pure.
 */
import type { Env } from '../../lib/config';

export interface VariableContext {
  readonly env: Env;
  /** --stage, when given. */
  readonly stage?: string;
}

export type Resolved = { ok: true; value: unknown } | { ok: false; errors: string[] };

/** The sources resolved, as the docs and the errors name them. */
export const RESOLVED_SOURCES = 'env, opt, self and sls:stage';

type Source = { readonly literal: string | number | boolean } | { readonly type: string; readonly address: string };
type Part = string | { readonly text: string; readonly sources: readonly Source[] };
type Segment = string | number;

class VariableError extends Error {}

const TYPE = /^([a-z][a-zA-Z0-9]*)([:(])/;

/** The index of the `}` closing the `${` at `start`, skipping quoted strings and nested `${…}`; -1 if none. */
function closing(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end === -1) return -1;
      i = end;
    } else if (c === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Splits at the commas outside quotes and nested `${…}`. */
function splitSources(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "'" || c === '"') i = Math.max(i, body.indexOf(c, i + 1));
    else if (c === '$' && body[i + 1] === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(from, i));
      from = i + 1;
    }
  }
  out.push(body.slice(from));
  return out.map((s) => s.trim());
}

function refused(text: string, type: string): VariableError {
  return new VariableError(
    `${text} uses the "${type}" source, which npm run deploy does not resolve (it resolves ${RESOLVED_SOURCES}): ` +
      'put the value in an environment variable and write ${env:NAME}',
  );
}

function source(raw: string, text: string): Source {
  if (/^'[^']*'$/.test(raw)) return { literal: raw.slice(1, -1) };
  if (raw.startsWith('"')) {
    try {
      const value: unknown = JSON.parse(raw);
      if (typeof value === 'string') return { literal: value };
    } catch {
      // reported below
    }
    throw new VariableError(`${text} has an invalid string ${raw}`);
  }
  if (raw === 'true' || raw === 'false') return { literal: raw === 'true' };
  if (raw !== '' && Number.isFinite(Number(raw))) return { literal: Number(raw) };
  const m = TYPE.exec(raw);
  if (m === null) throw new VariableError(`${text} has an invalid source "${raw}"`);
  const type = m[1]!;
  if (m[2] === '(' || !['env', 'opt', 'self', 'sls'].includes(type)) throw refused(text, type);
  return { type, address: raw.slice(m[0].length).trim() };
}

/** A string as literal text and variables; throws VariableError for a malformed or refused one. */
function parseTemplate(value: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < value.length;) {
    if (value[i] === '\\' && value.startsWith('${', i + 1)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!value.startsWith('${', i)) {
      literal += value[i];
      i++;
      continue;
    }
    const end = closing(value, i);
    if (end === -1) throw new VariableError(`${value.slice(i, i + 60)} has no closing }`);
    const text = value.slice(i, end + 1);
    const body = value.slice(i + 2, end).trim();
    if (!TYPE.test(body)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(body) ? body : 'NAME';
      throw new VariableError(`${text} names no source: write \${env:${name}} for an environment variable, or \\\${ for a literal \${`);
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ text, sources: splitSources(body).map((raw) => source(raw, text)) });
    i = end + 1;
  }
  if (literal || parts.length === 0) parts.push(literal);
  return parts;
}

function pathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Outcome = { readonly value: unknown } | { readonly error: string };

class Resolver {
  readonly errors: string[] = [];
  private readonly done = new Map<string, Outcome>();
  private readonly active: string[] = [];

  constructor(
    private readonly root: unknown,
    private readonly ctx: VariableContext,
  ) {}

  /** Deep-resolves a node; errors are recorded at the string they belong to. */
  node(value: unknown, path: readonly Segment[]): unknown {
    if (typeof value === 'string') {
      const out = this.string(value, path);
      if ('error' in out) {
        this.errors.push(`${pathText(path)}: ${out.error}`);
        return value;
      }
      return out.value;
    }
    if (Array.isArray(value)) return value.map((v, i) => this.node(v, [...path, i]));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.node(v, [...path, k])]));
    return value;
  }

  /** A string value at `path`, resolved once (memoised: `${self:…}` may ask for it again). */
  private string(value: string, path: readonly Segment[]): Outcome {
    if (!value.includes('${')) return { value };
    const key = pathText(path);
    const known = this.done.get(key);
    if (known !== undefined) return known;
    if (this.active.includes(key)) return { error: `circular reference: ${[...this.active.slice(this.active.indexOf(key)), key].join(' → ')}` };
    this.active.push(key);
    let outcome: Outcome;
    try {
      outcome = { value: this.template(value, path) };
    } catch (error) {
      if (!(error instanceof VariableError)) throw error;
      outcome = { error: error.message };
    }
    this.active.pop();
    this.done.set(key, outcome);
    return outcome;
  }

  private template(value: string, path: readonly Segment[]): unknown {
    const parts = parseTemplate(value);
    if (parts.length === 1 && typeof parts[0] !== 'string') return this.variable(parts[0]!, path);
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const v = this.variable(part, path);
        if (typeof v === 'object') throw new VariableError(`${part.text} is a mapping or a list, which cannot be part of a string`);
        return String(v);
      })
      .join('');
  }

  /** The first source with a value, else an error naming why each had none. */
  private variable(v: Exclude<Part, string>, path: readonly Segment[]): unknown {
    const reasons: string[] = [];
    for (const s of v.sources) {
      if ('literal' in s) return s.literal;
      const address = s.address.includes('${') ? this.embedded(s.address, path, v.text) : s.address;
      const found = this.lookup(s.type, address, v.text);
      if ('value' in found) return found.value;
      reasons.push(found.missing);
    }
    throw new VariableError(`${v.text} has no value: ${reasons.join('; ')}`);
  }

  /** A nested variable inside an address (`${self:custom.${opt:stage}}`): must come out as a string. */
  private embedded(address: string, path: readonly Segment[], text: string): string {
    const parts = parseTemplate(address);
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const v = this.variable(part, path);
        if (typeof v === 'object') throw new VariableError(`${text}: ${part.text} is a mapping or a list, which cannot be part of an address`);
        return String(v);
      })
      .join('');
  }

  private lookup(type: string, address: string, text: string): { value: unknown } | { missing: string } {
    switch (type) {
      case 'env': {
        if (address === '') throw new VariableError(`${text} names no environment variable`);
        const value = this.ctx.env[address];
        return value === undefined ? { missing: `the environment variable ${address} is not set` } : { value };
      }
      case 'opt':
        if (address === 'stage') return this.ctx.stage === undefined ? { missing: '--stage was not given' } : { value: this.ctx.stage };
        return {
          missing:
            address === 'region'
              ? 'npm run deploy takes no --region (the region comes from TENCENTCLOUD_REGION, else provider.region)'
              : `npm run deploy takes no --${address} (the only option a variable reads is --stage)`,
        };
      case 'sls': {
        if (address !== 'stage') throw new VariableError(`${text}: of the "sls" source only \${sls:stage} is resolved`);
        if (this.ctx.stage !== undefined) return { value: this.ctx.stage };
        const stage = this.self(['provider', 'stage'], text);
        return { value: stage === undefined || stage === null ? 'dev' : stage };
      }
      default: {
        const segments = address === '' ? [] : address.split('.');
        const value = this.self(segments, text);
        return value === undefined || value === null ? { missing: `${address} is not in serverless.yml` } : { value };
      }
    }
  }

  /** The resolved value at a path of the document (undefined when absent). */
  private self(segments: readonly string[], text: string): unknown {
    let node: unknown = this.root;
    // Once a variable was resolved on the way, the rest is a resolved value: never resolved again.
    let resolved = false;
    const path: Segment[] = [];
    for (const segment of segments) {
      if (!resolved && typeof node === 'string') {
        node = this.settled(node, path, text);
        resolved = true;
      }
      if (Array.isArray(node) && /^\d+$/.test(segment)) {
        node = node[Number(segment)];
        path.push(Number(segment));
      } else if (isObject(node) && Object.hasOwn(node, segment)) {
        node = node[segment];
        path.push(segment);
      } else return undefined;
    }
    if (resolved) return node;
    const before = this.errors.length;
    const value = this.node(node, path);
    // An error inside the referenced value is reported at its own key (the walk reaches it too).
    if (this.errors.length > before) {
      const [first] = this.errors.splice(before);
      throw new VariableError(`${text} cannot be resolved: ${first ?? pathText(path)}`);
    }
    return value;
  }

  /** A string node resolved (it may be a variable standing for a mapping). */
  private settled(node: string, path: readonly Segment[], text: string): unknown {
    const out = this.string(node, path);
    if ('error' in out) throw new VariableError(`${text} cannot be resolved: ${pathText(path)}: ${out.error}`);
    return out.value;
  }
}

/** Resolves every `${…}` in the values of a parsed serverless.yml (keys are never resolved, as in the Framework). */
export function resolveVariables(doc: unknown, ctx: VariableContext): Resolved {
  const resolver = new Resolver(doc, ctx);
  const value = resolver.node(doc, []);
  return resolver.errors.length > 0 ? { ok: false, errors: [...new Set(resolver.errors)] } : { ok: true, value };
}
