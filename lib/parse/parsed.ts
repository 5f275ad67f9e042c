/** The result of a pure parsing step, and the raw parameters it reads, shared by every source and the HTTP path. */
import type { Failure } from '../outcome';

/** Parameters as they arrived, before validation. Values are JSON values, strings, or RepeatedValue. */
export type RawParams = Record<string, unknown>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; failure: Failure };
