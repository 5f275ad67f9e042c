/**
 * The invocation's deadline: when the answer must be ready. SCF gives `context.time_limit_in_ms` (and, in some
 * runtimes, `getRemainingTimeInMillis`, used only when present); a safety margin is kept back to answer in time.
 */

export interface Deadline {
  /** Epoch milliseconds by which the work must be done. */
  readonly at: number;
  /** Milliseconds left (never negative). */
  remaining(): number;
}

export interface DeadlineSource {
  readonly time_limit_in_ms?: unknown;
  readonly getRemainingTimeInMillis?: unknown;
}

export function deadlineAt(at: number, now: () => number = Date.now): Deadline {
  return { at, remaining: () => Math.max(0, at - now()) };
}

/**
 * The deadline of an invocation that started at `startedAt`: the platform's remaining time when it tells us,
 * else its time limit, else `fallbackLimitMs`, minus `marginMs`.
 */
export function invocationDeadline(
  context: DeadlineSource | undefined,
  options: { startedAt: number; fallbackLimitMs: number; marginMs: number; now?: () => number },
): Deadline {
  const now = options.now ?? Date.now;
  let end = options.startedAt + options.fallbackLimitMs;
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? callRemaining(context.getRemainingTimeInMillis) : undefined;
  if (remaining !== undefined) end = now() + remaining;
  else if (typeof context?.time_limit_in_ms === 'number' && context.time_limit_in_ms > 0) end = options.startedAt + context.time_limit_in_ms;
  // Keep at least half the time for work when the limit is smaller than twice the margin.
  const budget = end - options.startedAt;
  const margin = Math.min(options.marginMs, Math.max(0, Math.floor(budget / 2)));
  return deadlineAt(end - margin, now);
}

function callRemaining(fn: Function): number | undefined {
  try {
    const value: unknown = fn();
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
