/**
 * The registry of event sources, in detection order. Each source claims only its own events (the adapter matrix
 * test checks that every sample is claimed by exactly one source).
 */
import { awsAlb, awsApiGatewayV1, awsHttpApiV2 } from './aws-http';
import { ckafka } from './ckafka';
import { cmq } from './cmq';
import { direct } from './direct';
import { eventBridge, eventBridgeList } from './eventbridge';
import { scfApiGateway, scfFunctionUrl } from './scf-http';
import { timer } from './timer';
import type { SourceName } from './names';
import type { Adapted, EventSource } from './types';

export const SOURCES: readonly EventSource[] = [
  scfFunctionUrl,
  scfApiGateway,
  awsApiGatewayV1,
  awsHttpApiV2,
  awsAlb,
  ckafka,
  cmq,
  eventBridge,
  eventBridgeList,
  timer,
  direct,
];

export type Detected = { readonly source: SourceName; readonly adapted: Adapted };

export function detectSource(event: unknown): Detected | undefined {
  for (const source of SOURCES) {
    const adapted = source.adapt(event);
    if (adapted) return { source: source.name, adapted };
  }
  return undefined;
}

export const EXPECTED_EVENTS =
  'expected one of: an HTTP event (SCF Function URL or API Gateway: httpMethod and headers; AWS API Gateway v1 or ' +
  'HTTP API v2, AWS ALB target), a CKafka or CMQ batch (Records[].Ckafka / Records[].CMQ with msgBody), an EventBridge event ' +
  '(specversion, source, data) or {EventList:[…]}, a Timer event (Type "Timer"), or a CreateTroubleInfo parameter object (SdkAppId, RoomId, TeacherUserId, StudentUserId, TroubleUserId, ' +
  'TroubleType, TroubleTime, TroubleMsg)';

/** A short description of an unrecognised event's shape (its top-level keys), safe to log. */
export function describeShape(event: unknown): string {
  if (event === null) return 'null';
  if (Array.isArray(event)) return `an array of ${event.length}`;
  if (typeof event !== 'object') return `a ${typeof event}`;
  const keys = Object.keys(event)
    .slice(0, 8)
    .map((k) => k.replace(/[^\w.-]/g, '?').slice(0, 32));
  return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
}
