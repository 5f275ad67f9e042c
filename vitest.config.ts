import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start loopback servers; a proxy in the environment must never see that traffic.
    env: { http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '' },
  },
});
