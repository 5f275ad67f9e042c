/**
 * The trigger actions of the local SCF (ListTriggers, CreateTrigger, UpdateTrigger, DeleteTrigger): the records,
 * and the local listeners behind them (a Function URL per http trigger, a topic per CKafka trigger), which invoke
 * the function through the host by the trigger's qualifier.
 */
import { CKAFKA_TRIGGER, TIMER_TRIGGER } from '../shared/triggers';
import { scfError } from './api-error';
import { CkafkaTopic, type CkafkaEvent } from './ckafka';
import { FunctionUrl, type FunctionUrlEvent, type UrlOutcome } from './function-url';
import { presentTrigger, scfTime, type FunctionRecord, type TriggerRecord } from './records';
import { parseTriggerDesc, triggerName, triggerType, type TriggerDesc } from './trigger-desc';
import * as v from './validate';
import { checkQualifier, LATEST } from './versions';

const MAX_TRIGGERS_PER_TYPE = 10;

/** What the trigger actions need from the local SCF. */
export interface TriggerHost {
  liveOf(f: FunctionRecord): { urls: Map<string, FunctionUrl>; topics: Map<string, CkafkaTopic> };
  invokeForUrl(f: FunctionRecord, qualifier: string, event: FunctionUrlEvent): Promise<UrlOutcome>;
  invokeForCkafka(f: FunctionRecord, qualifier: string, event: CkafkaEvent): Promise<{ ok: boolean; error?: string }>;
  readonly ckafkaRetryDelayMs: number;
}

export function listTriggers(f: FunctionRecord, params: v.Params): Record<string, unknown> {
  const offset = v.optionalInteger(params, 'Offset') ?? 0;
  const limit = v.optionalInteger(params, 'Limit') ?? 20;
  if (offset < 0) throw scfError('InvalidParameterValue.Offset', 'Offset must be 0 or more.');
  if (limit < 1 || limit > 200) throw scfError('InvalidParameterValue.Limit', 'Limit must be from 1 to 200.');
  let list = [...f.triggers.values()];
  const filters = params.Filters;
  if (filters !== undefined) {
    if (!Array.isArray(filters)) throw scfError('InvalidParameter', 'Filters must be an array of {Name, Values}.');
    for (const filter of filters as { Name?: unknown; Values?: unknown }[]) {
      const values = Array.isArray(filter.Values) ? filter.Values.map(String) : [];
      if (filter.Name === 'Qualifier') list = list.filter((t) => values.includes(t.qualifier));
      else if (filter.Name === 'TriggerName') list = list.filter((t) => values.includes(t.name));
      else if (filter.Name === 'Description') list = list.filter((t) => values.includes(t.description));
      else if (filter.Name === 'Type') list = list.filter((t) => values.includes(t.type));
      else throw scfError('InvalidParameterValue.Filters', `Filter name \`${String(filter.Name)}\` is not supported: Qualifier, TriggerName, Description.`);
    }
  }
  return { TotalCount: list.length, Triggers: list.slice(offset, offset + limit).map(presentTrigger) };
}

function enableFlag(params: v.Params, fallback: boolean): boolean {
  const value = v.optionalString(params, 'Enable');
  if (value === undefined) return fallback;
  return v.oneOf('Enable', value, ['OPEN', 'CLOSE'], 'OPEN') === 'OPEN';
}

export async function createTrigger(host: TriggerHost, f: FunctionRecord, params: v.Params): Promise<Record<string, unknown>> {
  const type = triggerType(v.requiredString(params, 'Type'));
  const name = v.requiredString(params, 'TriggerName');
  const { topic } = triggerName(type, name);
  const desc = parseTriggerDesc(type, v.optionalString(params, 'TriggerDesc'));
  const qualifier = checkQualifier(f, v.optionalString(params, 'Qualifier') ?? LATEST);
  // Deliberate: timer and ckafka triggers created without Enable start closed, as the plugin's trap shows.
  const enabled = enableFlag(params, type === 'http');
  const customArgument = v.optionalString(params, 'CustomArgument') ?? '';
  if (customArgument !== '' && type !== 'timer') throw scfError('InvalidParameterValue.CustomArgument', 'CustomArgument is only for timer triggers.');
  if (Buffer.byteLength(customArgument) > TIMER_TRIGGER.argumentMaxBytes) {
    throw scfError('InvalidParameterValue.CustomArgument', `CustomArgument exceeds ${TIMER_TRIGGER.argumentMaxBytes / 1024} KB.`);
  }
  if (f.status !== 'Active')
    throw scfError('FailedOperation.CreateTrigger', `The function \`${f.name}\` is ${f.status}: triggers can be created once it is Active.`);
  if (f.triggers.has(name)) throw scfError('ResourceInUse.Trigger', `A trigger named \`${name}\` already exists on \`${f.name}\`.`);
  const sameType = [...f.triggers.values()].filter((t) => t.type === type);
  if (type === 'http' && sameType.some((t) => t.qualifier === qualifier)) {
    throw scfError('ResourceInUse.Trigger', `The function \`${f.name}\` already has a Function URL (http trigger) for ${qualifier}.`);
  }
  if (sameType.length >= MAX_TRIGGERS_PER_TYPE)
    throw scfError('LimitExceeded.Trigger', `A function can have at most ${String(MAX_TRIGGERS_PER_TYPE)} ${type} triggers.`);
  const now = scfTime();
  const trigger: TriggerRecord = {
    type,
    name,
    desc,
    enabled,
    qualifier,
    customArgument,
    description: v.optionalString(params, 'Description') ?? '',
    addTime: now,
    modTime: now,
  };
  const l = host.liveOf(f);
  if (desc.type === 'http' && desc.enableExtranet) {
    const url = await FunctionUrl.start(() => ({
      authType: trigger.desc.type === 'http' ? trigger.desc.authType : 'NONE',
      invoke: (event) => host.invokeForUrl(f, trigger.qualifier, event),
    }));
    l.urls.set(name, url);
    trigger.url = url.url;
  }
  if (desc.type === 'ckafka' && topic !== undefined) {
    l.topics.set(
      name,
      new CkafkaTopic(
        topic,
        () => ({
          maxMsgNum: trigger.desc.type === 'ckafka' ? trigger.desc.maxMsgNum : 1,
          retry: trigger.desc.type === 'ckafka' ? trigger.desc.retry : 0,
          enabled: trigger.enabled,
        }),
        (event) => host.invokeForCkafka(f, trigger.qualifier, event),
        host.ckafkaRetryDelayMs,
      ),
    );
  }
  f.triggers.set(name, trigger);
  return { TriggerInfo: presentTrigger(trigger) };
}

function triggerOf(f: FunctionRecord, params: v.Params): TriggerRecord {
  const name = v.requiredString(params, 'TriggerName');
  const type = v.requiredString(params, 'Type');
  const t = f.triggers.get(name);
  if (t === undefined || t.type !== type) throw scfError('ResourceNotFound.Trigger', `The ${type} trigger \`${name}\` does not exist on \`${f.name}\`.`);
  return t;
}

export function updateTrigger(host: TriggerHost, f: FunctionRecord, params: v.Params): Record<string, unknown> {
  const t = triggerOf(f, params);
  if (f.status !== 'Active')
    throw scfError('FailedOperation.UpdateTrigger', `The function \`${f.name}\` is ${f.status}: triggers can be updated once it is Active.`);
  const text = v.optionalString(params, 'TriggerDesc');
  let desc: TriggerDesc = t.desc;
  if (text !== undefined) {
    desc = parseTriggerDesc(t.type, text);
    if (desc.type === 'ckafka' && t.desc.type === 'ckafka' && desc.offset !== t.desc.offset) {
      throw scfError(
        'InvalidParameterValue.TriggerDesc',
        `A ckafka trigger can change only ${CKAFKA_TRIGGER.inPlace.join(', ')}; delete and create it to change offset.`,
      );
    }
    if (desc.type === 'http' && t.desc.type === 'http' && desc.enableExtranet !== t.desc.enableExtranet) {
      throw scfError(
        'InvalidParameterValue.TriggerDesc',
        "The local SCF cannot switch a Function URL's extranet address on or off; delete and create the trigger.",
      );
    }
  }
  const qualifier = params.Qualifier === undefined ? t.qualifier : checkQualifier(f, v.optionalString(params, 'Qualifier') ?? t.qualifier);
  const customArgument = v.optionalString(params, 'CustomArgument');
  t.desc = desc;
  t.enabled = enableFlag(params, t.enabled);
  t.qualifier = qualifier;
  if (customArgument !== undefined) t.customArgument = customArgument;
  const description = v.optionalString(params, 'Description');
  if (description !== undefined) t.description = description;
  t.modTime = scfTime();
  if (t.enabled) host.liveOf(f).topics.get(t.name)?.kick();
  return {};
}

export async function deleteTrigger(host: TriggerHost, f: FunctionRecord, params: v.Params): Promise<Record<string, unknown>> {
  const t = triggerOf(f, params);
  const l = host.liveOf(f);
  f.triggers.delete(t.name);
  const url = l.urls.get(t.name);
  l.urls.delete(t.name);
  const topic = l.topics.get(t.name);
  l.topics.delete(t.name);
  await Promise.all([url?.close(), topic?.close()]);
  return {};
}
