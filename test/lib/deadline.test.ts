import { describe, expect, it } from 'vitest';
import { deadlineAt, invocationDeadline, type DeadlineSource } from '../../lib/deadline';

const STARTED = 1_000_000;

function fixedClock(t: number): () => number {
  return () => t;
}

function deadline(context: DeadlineSource | undefined, opts: { now?: number; fallbackLimitMs?: number; marginMs?: number } = {}): number {
  return invocationDeadline(context, {
    startedAt: STARTED,
    fallbackLimitMs: opts.fallbackLimitMs ?? 10_000,
    marginMs: opts.marginMs ?? 500,
    now: fixedClock(opts.now ?? STARTED),
  }).at;
}

describe('deadlineAt', () => {
  it('remaining() counts down and never goes negative', () => {
    let now = 0;
    const d = deadlineAt(1000, () => now);
    expect(d.at).toBe(1000);
    expect(d.remaining()).toBe(1000);
    now = 999;
    expect(d.remaining()).toBe(1);
    now = 1000;
    expect(d.remaining()).toBe(0);
    now = 5000;
    expect(d.remaining()).toBe(0);
  });
});

describe('invocationDeadline', () => {
  it('uses time_limit_in_ms from the start, minus the margin', () => {
    expect(deadline({ time_limit_in_ms: 3000 })).toBe(STARTED + 3000 - 500);
  });

  it('prefers getRemainingTimeInMillis when present, counted from now', () => {
    expect(deadline({ time_limit_in_ms: 3000, getRemainingTimeInMillis: () => 1200 }, { now: STARTED + 300 })).toBe(STARTED + 300 + 1200 - 500);
  });

  it('falls back to time_limit_in_ms when getRemainingTimeInMillis is absent', () => {
    expect(deadline({ time_limit_in_ms: 3000 }, { now: STARTED + 300 })).toBe(STARTED + 2500);
  });

  it('falls back to time_limit_in_ms when getRemainingTimeInMillis throws', () => {
    const context: DeadlineSource = {
      time_limit_in_ms: 3000,
      getRemainingTimeInMillis: () => {
        throw new Error('not available');
      },
    };
    expect(deadline(context)).toBe(STARTED + 2500);
  });

  it.each([
    ['a string', () => '1200'],
    ['NaN', () => Number.NaN],
    ['a negative number', () => -5],
    ['Infinity', () => Number.POSITIVE_INFINITY],
  ])('ignores getRemainingTimeInMillis returning %s', (_label, fn) => {
    expect(deadline({ time_limit_in_ms: 3000, getRemainingTimeInMillis: fn })).toBe(STARTED + 2500);
  });

  it('ignores a getRemainingTimeInMillis that is not a function', () => {
    expect(deadline({ time_limit_in_ms: 3000, getRemainingTimeInMillis: 1200 })).toBe(STARTED + 2500);
  });

  it.each([
    ['no context', undefined],
    ['an empty context', {}],
    ['a string limit', { time_limit_in_ms: '3000' }],
    ['a zero limit', { time_limit_in_ms: 0 }],
    ['a negative limit', { time_limit_in_ms: -1 }],
  ])('uses the fallback limit with %s', (_label, context) => {
    expect(deadline(context, { fallbackLimitMs: 7000 })).toBe(STARTED + 7000 - 500);
  });

  it('keeps at least half the time for work when the limit is under twice the margin', () => {
    expect(deadline({ time_limit_in_ms: 600 }, { marginMs: 500 })).toBe(STARTED + 300);
    expect(deadline({ time_limit_in_ms: 1000 }, { marginMs: 500 })).toBe(STARTED + 500);
    expect(deadline({ time_limit_in_ms: 1001 }, { marginMs: 500 })).toBe(STARTED + 501);
  });

  it('a zero margin ends at the limit', () => {
    expect(deadline({ time_limit_in_ms: 3000 }, { marginMs: 0 })).toBe(STARTED + 3000);
  });

  it('remaining() is measured with the given clock', () => {
    let now = STARTED;
    const d = invocationDeadline({ time_limit_in_ms: 3000 }, { startedAt: STARTED, fallbackLimitMs: 10_000, marginMs: 500, now: () => now });
    expect(d.remaining()).toBe(2500);
    now += 2000;
    expect(d.remaining()).toBe(500);
    now += 10_000;
    expect(d.remaining()).toBe(0);
  });
});
