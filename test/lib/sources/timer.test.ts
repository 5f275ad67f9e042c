import { describe, expect, it } from 'vitest';
import { isTimerEvent, timer } from '../../../lib/sources/timer';

describe('timer source', () => {
  it('claims SCF Timer events and no HTTP event that happens to say Type: Timer', () => {
    expect(isTimerEvent({ Type: 'Timer', TriggerName: 'probe', Time: '2026-01-01T00:00:00Z', Message: '' })).toBe(true);
    expect(isTimerEvent({ Type: 'Timer', httpMethod: 'POST' })).toBe(false);
    expect(isTimerEvent({ Type: 'timer' })).toBe(false);
    expect(isTimerEvent(null)).toBe(false);
    expect(timer.adapt({ Records: [] })).toBeUndefined();
  });

  it('adapts to a probe with the trigger and message, cut to 64 and 256 characters; non-strings become empty', () => {
    expect(timer.adapt({ Type: 'Timer', TriggerName: 'health', Message: 'hi' })).toEqual({ kind: 'timer', trigger: 'health', message: 'hi' });
    const long = timer.adapt({ Type: 'Timer', TriggerName: 't'.repeat(100), Message: 'm'.repeat(300) });
    expect(long).toEqual({ kind: 'timer', trigger: 't'.repeat(64), message: 'm'.repeat(256) });
    expect(timer.adapt({ Type: 'Timer', TriggerName: 7, Message: { a: 1 } })).toEqual({ kind: 'timer', trigger: '', message: '' });
  });
});
