/** The SCF Timer trigger: `{Type:"Timer", TriggerName, Time, Message}`. Not a report: acknowledged, never sent. */
import { isPlainRecord } from '../parse/json';
import { defineSource } from './types';

export interface TimerEvent {
  Type: 'Timer';
  TriggerName?: string;
  Time?: string;
  Message?: string;
}

export function isTimerEvent(event: unknown): event is TimerEvent {
  return isPlainRecord(event) && event.Type === 'Timer' && !('httpMethod' in event);
}

export const timer = defineSource('timer', isTimerEvent, (event) => ({
  kind: 'timer',
  trigger: typeof event.TriggerName === 'string' ? event.TriggerName.slice(0, 64) : '',
  message: typeof event.Message === 'string' ? event.Message.slice(0, 256) : '',
}));
