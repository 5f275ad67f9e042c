/**
 * handlers/index.ts from source: the same sample suite as the bundle (test/support/samples.ts), so the orchestration
 * files (handlers/index.ts, lib/batch.ts, lib/send-once.ts, lib/pacer.ts, the pipeline) are measured by
 * coverage and a failure points at a source line. A fresh load resets the module registry: a cold start. Then the
 * entry's own branches that no sample reaches: an invalid configuration, for an HTTP and a direct invocation.
 */
import { describe, expect, it, vi } from 'vitest';
import type { MainHandler } from '../support/bundle';
import { withEnv } from '../support/env';
import { BASE_STRINGS, BASE, functionUrlEvent } from '../support/fixtures';
import { captureStdout } from '../support/logs';
import { describeSamples } from '../support/samples';

async function loadSource({ fresh }: { fresh: boolean }): Promise<{ main_handler: MainHandler }> {
  if (fresh) vi.resetModules();
  return (await import('../../handlers/index')) as { main_handler: MainHandler };
}

describeSamples('sample events (handlers/index.ts)', loadSource);

describe('main_handler with an invalid configuration', () => {
  const context = { request_id: 'inv-config', time_limit_in_ms: 5_000 };

  it('answers an HTTP event 500 InternalError.Configuration, naming the variable', async () => {
    const undo = withEnv({ LOG_LEVEL: 'loud' });
    try {
      const { main_handler } = await loadSource({ fresh: true });
      const run = await captureStdout(() => main_handler(functionUrlEvent({ query: BASE_STRINGS }), context));
      expect(run.error).toBeUndefined();
      const answer = run.value as { statusCode: number; body: string };
      expect(answer.statusCode).toBe(500);
      const envelope = JSON.parse(answer.body) as { Response: { RequestId: string; Error: { Code: string; Message: string } } };
      expect(envelope.Response).toMatchObject({ RequestId: 'inv-config', Error: { Code: 'InternalError.Configuration' } });
      expect(envelope.Response.Error.Message).toContain('LOG_LEVEL');
    } finally {
      undo();
    }
  });

  it('throws the envelope for a direct invocation, so the platform retries it', async () => {
    const undo = withEnv({ LOG_LEVEL: 'loud' });
    try {
      const { main_handler } = await loadSource({ fresh: true });
      const run = await captureStdout(() => main_handler({ ...BASE }, context));
      expect(run.error).toBeInstanceOf(Error);
      const error = run.error as Error;
      expect(error.name).toBe('ReportNotRecordedError');
      expect(error.stack, 'no stack frames for the platform log').not.toMatch(/\n\s+at /);
      expect(JSON.parse(error.message)).toMatchObject({ Response: { RequestId: 'inv-config', Error: { Code: 'InternalError.Configuration' } } });
    } finally {
      undo();
    }
  });
});
