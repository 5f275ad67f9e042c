import { AsyncLocalStorage } from 'node:async_hooks';
import { vi, type MockInstance } from 'vitest';

/** The capture each write belongs to: the one whose `fn` (or anything it started) is writing. */
const sinks = new AsyncLocalStorage<string[]>();
let active = 0;
let spy: MockInstance<typeof process.stdout.write> | undefined;

/**
 * Captures what the function writes to stdout (its JSON log lines) while `fn` runs. Captures may overlap (concurrent
 * invocations): one spy serves them all and each write goes to the capture whose `fn` made it, so no line leaks to
 * the test output when the first of several concurrent captures ends. A write made outside every capture goes on
 * to stdout.
 */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const chunks: string[] = [];
  if (active === 0) {
    const write = process.stdout.write.bind(process.stdout);
    spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      const sink = sinks.getStore();
      if (sink === undefined) return write(chunk, ...rest);
      sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write);
  }
  active += 1;
  const lines = (): string[] => chunks.join('').split('\n').filter(Boolean);
  try {
    const value = await sinks.run(chunks, fn);
    return { value, lines: lines() };
  } catch (error) {
    return { error, lines: lines() };
  } finally {
    active -= 1;
    if (active === 0) spy?.mockRestore();
  }
}
