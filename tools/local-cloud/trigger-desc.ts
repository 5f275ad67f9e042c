/**
 * TriggerDesc per trigger type, parsed and validated (pure), and re-serialised for read-back as the platform
 * does: a timer's bare cron comes back as {"cron":"…"}, an http trigger gains NetConfig.ExtranetUrl.
 */
import { scfError } from './api-error';
import { parseCron, type Cron } from '../shared/cron';
import {
  CKAFKA_TRIGGER,
  HTTP_TRIGGER,
  isTriggerType,
  RETIRED_TRIGGERS,
  TIMER_TRIGGER,
  TRIGGER_TYPES,
  type IntRange,
  type TriggerType,
} from '../shared/triggers';

export { TRIGGER_TYPES, type TriggerType };

export interface HttpDesc {
  type: 'http';
  authType: 'NONE' | 'CAM';
  enableIntranet: boolean;
  enableExtranet: boolean;
  cors?: Record<string, unknown>;
  extra: Record<string, unknown>;
}
export interface TimerDesc {
  type: 'timer';
  cron: string;
  schedule: Cron;
}
export interface CkafkaDesc {
  type: 'ckafka';
  maxMsgNum: number;
  offset: string;
  retry: number;
  timeOut: number;
  extra: Record<string, unknown>;
}
export type TriggerDesc = HttpDesc | TimerDesc | CkafkaDesc;

export function triggerType(value: string): TriggerType {
  const retired = RETIRED_TRIGGERS[value];
  if (retired !== undefined) throw scfError('InvalidParameterValue.Type', `Trigger type \`${value}\` cannot be created: ${retired}.`);
  if (!isTriggerType(value)) {
    throw scfError('InvalidParameterValue.Type', `Trigger type \`${value}\` is not supported by the local SCF: use ${TRIGGER_TYPES.join(', ')}.`);
  }
  return value;
}

function bad(reason: string): never {
  throw scfError('InvalidParameterValue.TriggerDesc', `TriggerDesc is invalid: ${reason}.`);
}

function jsonObject(text: string, type: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(`a ${type} trigger's TriggerDesc must be a JSON object string`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`a ${type} trigger's TriggerDesc must be a JSON object`);
  return value as Record<string, unknown>;
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') return bad(`${name} must be true or false`);
  return value;
}

const HTTP_EXTRA_KEYS = ['ApiGwCompatible', 'EnableSimpleMode'];
const CORS_KEYS = ['Enable', 'Origins', 'Headers', 'Methods', 'ExposeHeaders', 'MaxAge', 'Credentials'];

function parseHttp(text: string): HttpDesc {
  const o = jsonObject(text, 'http');
  for (const key of Object.keys(o)) {
    if (key !== 'AuthType' && key !== 'NetConfig' && key !== 'CorsConfig' && !HTTP_EXTRA_KEYS.includes(key)) bad(`unknown key \`${key}\` for an http trigger`);
  }
  const authType = HTTP_TRIGGER.authTypes.find((a) => a === o.AuthType);
  if (authType === undefined) return bad(`AuthType is required: ${HTTP_TRIGGER.authTypes.map((a) => `"${a}"`).join(' or ')}`);
  const net = o.NetConfig;
  if (typeof net !== 'object' || net === null || Array.isArray(net)) return bad('NetConfig is required: {"EnableIntranet":bool,"EnableExtranet":bool}');
  const n = net as Record<string, unknown>;
  for (const key of Object.keys(n)) {
    if (key !== 'EnableIntranet' && key !== 'EnableExtranet' && key !== 'ExtranetUrl' && key !== 'IntranetUrl') bad(`unknown key \`NetConfig.${key}\``);
  }
  const desc: HttpDesc = {
    type: 'http',
    authType,
    enableIntranet: bool(n.EnableIntranet, 'NetConfig.EnableIntranet'),
    enableExtranet: bool(n.EnableExtranet, 'NetConfig.EnableExtranet'),
    extra: {},
  };
  if (!desc.enableIntranet && !desc.enableExtranet) bad('NetConfig must enable the extranet or the intranet address');
  for (const key of HTTP_EXTRA_KEYS) if (o[key] !== undefined) desc.extra[key] = bool(o[key], key);
  if (o.CorsConfig !== undefined) {
    const cors = o.CorsConfig;
    if (typeof cors !== 'object' || cors === null || Array.isArray(cors)) return bad('CorsConfig must be an object');
    for (const key of Object.keys(cors)) if (!CORS_KEYS.includes(key)) bad(`unknown key \`CorsConfig.${key}\``);
    desc.cors = cors as Record<string, unknown>;
  }
  return desc;
}

function parseTimer(text: string): TimerDesc {
  let cron = text.trim();
  // Read-back form {"cron":"…"} is accepted too (tools echo what GetFunction gave them).
  if (cron.startsWith('{')) {
    const o = jsonObject(cron, 'timer');
    if (typeof o.cron !== 'string') bad('a timer TriggerDesc is a cron expression, or {"cron":"…"}');
    cron = o.cron.trim();
  }
  const parsed = parseCron(cron);
  if (!parsed.ok) bad(`timer cron \`${cron}\`: ${parsed.reason}`);
  return { type: 'timer', cron, schedule: parsed.cron };
}

const CKAFKA_EXTRA_KEYS = ['consumerGroupName', 'easConfig'];

function parseCkafka(text: string): CkafkaDesc {
  const o = jsonObject(text, 'ckafka');
  for (const key of Object.keys(o)) {
    if (!['maxMsgNum', 'offset', 'retry', 'timeOut', ...CKAFKA_EXTRA_KEYS].includes(key)) bad(`unknown key \`${key}\` for a ckafka trigger`);
  }
  for (const key of ['maxMsgNum', 'offset', 'retry', 'timeOut']) if (o[key] === undefined) bad(`\`${key}\` is required for a ckafka trigger`);
  const int = (key: string, { min, max }: IntRange): number => {
    const v = o[key];
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) bad(`\`${key}\` must be an integer from ${String(min)} to ${String(max)}`);
    return n as number;
  };
  const offset = o.offset;
  if (typeof offset !== 'string' || !((CKAFKA_TRIGGER.offsets as readonly string[]).includes(offset) || /^\d{13}$/.test(offset))) {
    bad('`offset` must be "latest", "earliest" or a millisecond timestamp');
  }
  const extra: Record<string, unknown> = {};
  for (const key of CKAFKA_EXTRA_KEYS) if (o[key] !== undefined) extra[key] = o[key];
  return {
    type: 'ckafka',
    maxMsgNum: int('maxMsgNum', CKAFKA_TRIGGER.maxMsgNum),
    offset: offset as string,
    retry: int('retry', CKAFKA_TRIGGER.retry),
    timeOut: int('timeOut', CKAFKA_TRIGGER.timeOut),
    extra,
  };
}

export function parseTriggerDesc(type: TriggerType, text: string | undefined): TriggerDesc {
  if (text === undefined || text === '') bad(`TriggerDesc is required for a ${type} trigger`);
  switch (type) {
    case 'http':
      return parseHttp(text);
    case 'timer':
      return parseTimer(text);
    case 'ckafka':
      return parseCkafka(text);
  }
}

/** TriggerDesc as GetFunction/ListTriggers return it. */
export function readBackDesc(desc: TriggerDesc, url: string | undefined): string {
  switch (desc.type) {
    case 'timer':
      return JSON.stringify({ cron: desc.cron });
    case 'ckafka':
      return JSON.stringify({ maxMsgNum: desc.maxMsgNum, offset: desc.offset, retry: desc.retry, timeOut: desc.timeOut, ...desc.extra });
    case 'http': {
      const net: Record<string, unknown> = { EnableIntranet: desc.enableIntranet, EnableExtranet: desc.enableExtranet };
      if (desc.enableExtranet && url !== undefined) net.ExtranetUrl = url;
      return JSON.stringify({ AuthType: desc.authType, NetConfig: net, ...(desc.cors ? { CorsConfig: desc.cors } : {}), ...desc.extra });
    }
  }
}

/** Checks the TriggerName; for ckafka returns the topic (`<instanceId>-<topic>`). */
export function triggerName(type: TriggerType, name: string): { topic?: string } {
  if (!TIMER_TRIGGER.name.test(name) && type !== 'ckafka') {
    throw scfError('InvalidParameterValue.TriggerName', `TriggerName \`${name}\` is invalid: 1-100 letters, digits, - and _.`);
  }
  if (type === 'ckafka') {
    const m = CKAFKA_TRIGGER.name.exec(name);
    if (m === null || m[2] === undefined) {
      throw scfError(
        'InvalidParameterValue.TriggerName',
        `TriggerName \`${name}\` of a ckafka trigger must be "<instanceId>-<topic>", e.g. ckafka-4kdjmwvz-reports.`,
      );
    }
    return { topic: m[2] };
  }
  return {};
}
