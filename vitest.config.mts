// Vitest runs on the development Node (>= 20.19, package.json engines); test/bundle/node18.test.ts runs the built bundle on
// SCF's Node 18.15 separately. `.mts`: this file is ESM, and the package is CommonJS (the bundle's format).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Finds redis-server once, before any test: the Redis suites are skipped with one notice when it is missing,
    // unless REQUIRE_REDIS=1 (.ci/run) makes that an error.
    globalSetup: ['test/support/global-setup.ts'],
    // Tests start loopback servers; a proxy in the environment must never see that traffic.
    env: { http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '' },
  },
});
