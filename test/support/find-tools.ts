/**
 * The real components some bundle suites drive besides redis-server (test/support/find-redis.ts): Debian's
 * `chromium` (test/bundle/browser.test.ts) and `prometheus` (test/bundle/prometheus.test.ts). Found on PATH by the
 * global setup (test/support/global-setup.ts); when one is absent its suite is skipped with one notice, unless its
 * REQUIRE_ switch (set by .ci/run) makes that an error. No vitest imports: the global setup runs outside the workers.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface OptionalTool {
  /** The executable's name on PATH. */
  readonly binary: string;
  /** What is skipped without it. */
  readonly suite: string;
  /** The variable that makes its absence an error. */
  readonly require: string;
  readonly hint: string;
}

export const OPTIONAL_TOOLS = {
  chromium: {
    binary: 'chromium',
    suite: 'the real-browser CORS suite',
    require: 'REQUIRE_BROWSER',
    hint: 'Install it to run it: Debian/Ubuntu `apt-get install chromium`.',
  },
  prometheus: {
    binary: 'prometheus',
    suite: 'the real-Prometheus scrape suite',
    require: 'REQUIRE_PROMETHEUS',
    hint: 'Install it to run it: Debian/Ubuntu `apt-get install prometheus`.',
  },
} as const satisfies Record<string, OptionalTool>;

export type OptionalToolName = keyof typeof OPTIONAL_TOOLS;

/** The executable `name` on `searchPath` (a PATH value), or undefined. */
export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory: try the next one
    }
  }
  return undefined;
}
