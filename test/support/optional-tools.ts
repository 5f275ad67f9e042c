/** The executables of test/support/find-tools.ts as the global setup found them, and `describe` that skips without them. */
import { describe, inject } from 'vitest';
import type { OptionalToolName } from './find-tools';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Debian's chromium (found by test/support/global-setup.ts), or null when it is not installed. */
    chromium: string | null;
    /** Debian's prometheus, or null when it is not installed. */
    prometheus: string | null;
  }
}

/** The executable, or null (the global setup printed the one notice). */
export function optionalTool(name: OptionalToolName): string | null {
  return inject(name);
}

/** `describe` for a suite that needs the tool: skipped (the global setup said so once) when it is absent. */
export function describeWith(name: OptionalToolName): typeof describe | typeof describe.skip {
  return optionalTool(name) === null ? describe.skip : describe;
}
