/**
 * Direct invocation (SCF Invoke API, console test, CLI): the event is the bare CreateTroubleInfo parameter object.
 * It is claimed only when it names at least one CreateTroubleInfo parameter, so that an unrelated event (the
 * console's "Hello World" template, a COS notification) is reported as unrecognised instead of as eight missing
 * parameters.
 */
import { isPlainRecord } from '../parse/json';
import type { RawParams } from '../parse/parsed';
import { PARAMETER_NAMES } from '../report';
import { defineSource } from './types';

const NAMES: readonly string[] = [...PARAMETER_NAMES, 'Action', 'Version'];

/** Keys that mark another source's envelope; a bare parameter object has none of them. */
const ENVELOPE_KEYS: readonly string[] = ['httpMethod', 'requestContext', 'Records', 'EventList', 'specversion', 'version', 'Type'];

export function isDirectEvent(event: unknown): event is RawParams {
  if (!isPlainRecord(event)) return false;
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(event, name);
  return NAMES.some(has) && !ENVELOPE_KEYS.some(has);
}

export const direct = defineSource('direct', isDirectEvent, (event) => {
  const params: RawParams = Object.create(null) as RawParams;
  for (const key of Object.keys(event)) params[key] = event[key];
  return { kind: 'report', params };
});
