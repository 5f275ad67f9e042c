/**
 * handlers/index.ts from source: the same sample suite as the bundle (test/support/samples.ts), so the orchestration
 * files (handlers/index.ts, lib/batch.ts, lib/idempotency/once.ts, lib/pacer.ts, the pipeline) are measured by
 * coverage and a failure points at a source line. A fresh load resets the module registry: a cold start.
 */
import { vi } from 'vitest';
import type { MainHandler } from '../support/bundle';
import { describeSamples } from '../support/samples';

describeSamples('sample events (handlers/index.ts)', async ({ fresh }) => {
  if (fresh) vi.resetModules();
  return (await import('../../handlers/index')) as { main_handler: MainHandler };
});
