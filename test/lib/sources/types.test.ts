/**
 * lib/sources/types.ts: defineSource builds an adapter whose `adapt` only ever sees events its guard accepts.
 */
import { describe, expect, it } from 'vitest';
import { defineSource } from '../../../lib/sources/types';

interface Tick {
  tick: string;
}

const isTick = (event: unknown): event is Tick => typeof event === 'object' && event !== null && typeof (event as { tick?: unknown }).tick === 'string';

describe('defineSource', () => {
  it('keeps the name, and canHandle is the guard', () => {
    const source = defineSource('timer', isTick, (event) => ({ kind: 'timer', trigger: event.tick, message: '' }));
    expect(source.name).toBe('timer');
    expect(source.canHandle({ tick: 'a' })).toBe(true);
    expect(source.canHandle({ tick: 1 })).toBe(false);
  });

  it('adapts its own events; another event is undefined and never reaches the adapter', () => {
    const seen: unknown[] = [];
    const source = defineSource('timer', isTick, (event) => {
      seen.push(event);
      return { kind: 'timer', trigger: event.tick, message: 'm' };
    });
    expect(source.adapt({ tick: 'every-minute' })).toEqual({ kind: 'timer', trigger: 'every-minute', message: 'm' });
    expect(source.adapt(null)).toBeUndefined();
    expect(source.adapt({ Records: [] })).toBeUndefined();
    expect(seen).toEqual([{ tick: 'every-minute' }]);
  });
});
