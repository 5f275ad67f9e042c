// The slow proofs (`npm run test:slow`, about 2 minutes each): not part of `npm test`. They drive the built bundle,
// so the script builds it first.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/slow/**/*.slow.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 30_000,
    globalSetup: ['test/support/global-setup.ts'],
    env: { http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '' },
  },
});
