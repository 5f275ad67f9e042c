import { vi } from 'vitest';

/** Captures what the function writes to stdout (its JSON log lines) while `fn` runs. */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const value = await fn();
    return { value, lines: chunks.join('').split('\n').filter(Boolean) };
  } catch (error) {
    return { error, lines: chunks.join('').split('\n').filter(Boolean) };
  } finally {
    spy.mockRestore();
  }
}
