/**
 * handlers/index.ts when a defect throws inside the HTTP pipeline (it never should): the HTTP caller still gets a
 * 500 envelope with the invocation's RequestId, no stack trace, and one `unexpected error` log line.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BASE_STRINGS, functionUrlEvent, TEST_ENV } from '../support/fixtures';

vi.mock('../../lib/http/handle', () => ({
  handleHttp: () => Promise.reject(new TypeError('a defect deep inside')),
}));

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('main_handler with a defect in the HTTP pipeline', () => {
  it('answers 500 InternalError with the invocation id, names only the error class, and logs it once', async () => {
    for (const [name, value] of Object.entries(TEST_ENV)) vi.stubEnv(name, value);
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const { main_handler } = await import('../../handlers/index');
    const answer = (await main_handler(functionUrlEvent({ query: BASE_STRINGS }), { request_id: 'defect-1' })) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(500);
    const body = JSON.parse(answer.body) as { Response: { RequestId: string; Error: { Code: string; Message: string } } };
    expect(body.Response.RequestId).toBe('defect-1');
    expect(body.Response.Error.Message).toMatch(/\(TypeError\); retry later/);
    expect(answer.body).not.toMatch(/a defect deep inside|at .*\.ts:\d+/);
    const logged = lines
      .join('')
      .split('\n')
      .filter((l) => l.includes('"unexpected error"'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toMatch(/\.ts:\d+/);
  });
});
