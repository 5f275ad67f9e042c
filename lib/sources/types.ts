/**
 * An event source adapter: a type guard that recognises its own events and nobody else's, and a function that
 * turns a claimed event into what the pipeline consumes (an HTTP request, a bare parameter object, batch records,
 * or a timer tick).
 */
import type { HttpRequest } from '../http/request';
import type { HttpAnswerFormat } from '../http/response';
import type { ReportKeyOf } from '../idempotency/keys';
import type { Parsed, RawParams } from '../parse/parsed';
import type { SourceName } from './names';

/** One message of a batch: where it sits (for logs and the summary), its identity, its key, and its parameters. */
export interface BatchRecord {
  /** Position in the batch, from 0. */
  readonly index: number;
  /** Stable identity of the message (CKafka topic/partition/offset, EventBridge source/id, CMQ msgId), if it has one. */
  readonly identity?: string;
  /** The idempotency store key of the message's report once validated, as the adapter decided it. */
  readonly idempotencyKey: ReportKeyOf;
  /** The parameters, or why the message could not be read as a report. */
  readonly params: Parsed<RawParams>;
}

export type Adapted =
  | {
      readonly kind: 'http';
      readonly request: Parsed<HttpRequest>;
      /** How the answer is shaped: the integration response (default) or ALB's (optionally multi-value). */
      readonly format?: HttpAnswerFormat;
    }
  | { readonly kind: 'report'; readonly params: RawParams }
  | { readonly kind: 'batch'; readonly records: readonly BatchRecord[] }
  | { readonly kind: 'timer'; readonly trigger: string; readonly message: string };

export interface EventSource {
  readonly name: SourceName;
  /** True exactly for this source's own events. */
  canHandle(event: unknown): boolean;
  /** The adapted event, or undefined when the event is not this source's. */
  adapt(event: unknown): Adapted | undefined;
}

/** Builds a source from its type guard and its adapter, so `adapt` can only ever see its own events. */
export function defineSource<E>(name: SourceName, guard: (event: unknown) => event is E, adapt: (event: E) => Adapted): EventSource {
  return { name, canHandle: guard, adapt: (event) => (guard(event) ? adapt(event) : undefined) };
}
