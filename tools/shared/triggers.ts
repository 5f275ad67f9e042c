/**
 * The one table of SCF trigger types, read by the deploy tool (serverless.yml's events, the plan) and the local
 * cloud (CreateTrigger's checks) alike: the types handled, their limits and defaults, and the retired types with
 * the message both give. Facts from Tencent's TriggerDesc reference (CreateTrigger) and the CKafka trigger page.
 */

/** The trigger types handled: a Function URL, a timer, a CKafka topic. Other types are left alone by the deploy. */
export const TRIGGER_TYPES = ['http', 'timer', 'ckafka'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export function isTriggerType(value: string): value is TriggerType {
  return (TRIGGER_TYPES as readonly string[]).includes(value);
}

/** Types SCF no longer creates, with why and what replaces them (one sentence, no final full stop). */
export const RETIRED_TRIGGERS: Readonly<Record<string, string>> = {
  apigw:
    'API Gateway triggers are retired by Tencent (no new ones since 2024-07-01, offline since 2025-06-30, API Gateway itself stops from 2026-10-30): ' +
    'use an `http` event (a Function URL) instead',
  cmq: 'CMQ was retired on 2022-12-31 and SCF no longer offers CMQ triggers: feed the function through a `ckafka` event (a CKafka trigger) instead',
};

export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** A Function URL: AuthType NONE (public) or CAM (signed callers); one per version or alias. */
export const HTTP_TRIGGER = {
  authTypes: ['NONE', 'CAM'] as const,
  /** The name when serverless.yml gives none (the one Tencent's tooling uses). */
  defaultName: 'url-trigger',
} as const;

/** Timer triggers: TriggerName of letters, digits, - and _, at most 100; CustomArgument at most 4 KB. */
export const TIMER_TRIGGER = {
  name: /^[A-Za-z0-9_-]{1,100}$/,
  argumentMaxBytes: 4096,
} as const;

/**
 * CKafka triggers, TriggerName `<instanceId>-<topic>`. All four of maxMsgNum, offset, retry and timeOut are
 * required. maxMsgNum up to 10000; timeOut 1–60 s; retry is "the most retries when the function fails", 10000 by
 * default, with no lower bound stated: 0 (no retry) is accepted. Only maxMsgNum, retry and timeOut (and Enable)
 * change in place; another offset means deleting and creating the trigger.
 */
export const CKAFKA_TRIGGER = {
  instanceId: /^ckafka-[a-z0-9]+$/,
  name: /^(ckafka-[a-z0-9]+)-(.+)$/,
  maxMsgNum: { min: 1, max: 10_000 },
  retry: { min: 0, max: 10_000 },
  timeOut: { min: 1, max: 60 },
  offsets: ['latest', 'earliest'] as const,
  inPlace: ['maxMsgNum', 'retry', 'timeOut'] as const,
} as const;
