/**
 * Where redis-server is, for the global setup (test/support/global-setup.ts). No vitest imports: the global setup
 * runs outside the test workers.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** How to install redis-server, for the notice and the errors. */
export const REDIS_INSTALL_HINT = 'Install it to run them: Debian/Ubuntu `apt-get install redis-server`, macOS `brew install redis`.';

/** The redis-server executable on `searchPath` (a PATH value), or undefined. Pure apart from file checks. */
export function findRedisServer(searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory: try the next one
    }
  }
  return undefined;
}
