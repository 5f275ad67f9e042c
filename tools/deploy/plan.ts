/**
 * The plan (pure): from the wanted function (serverless.yml + the artefact's sha256) and what SCF reports
 * (GetFunction, GetFunctionAddress, ListTriggers), the writes to make, each with its reason. Nothing differs →
 * no write at all. A runtime change is refused (SCF cannot change it). A function stuck in CreateFailed is
 * deleted and re-created. The Function URL trigger is updated in place, never deleted and re-created (its URL
 * would change).
 */
import { CKAFKA_TRIGGER, isTriggerType, TRIGGER_TYPES } from '../shared/triggers';
import type { FunctionConfig, Trigger } from './serverless-yml';
import type { FunctionSpec, FunctionState, TriggerSpec, TriggerState } from './scf-api';

export type Step =
  | { readonly action: 'CreateFunction' | 'UpdateFunctionCode' | 'UpdateFunctionConfiguration'; readonly reason: string }
  | { readonly action: 'DeleteFunction'; readonly reason: string; readonly destructive: true }
  | { readonly action: 'CreateTrigger' | 'UpdateTrigger'; readonly reason: string; readonly trigger: TriggerSpec }
  | { readonly action: 'DeleteTrigger'; readonly reason: string; readonly trigger: TriggerSpec; readonly destructive: true }
  | { readonly action: 'nothing' | 'keep'; readonly reason: string };

export interface Observed {
  readonly fn: FunctionState | null;
  /** GetFunctionAddress's CodeSha256 (null: none reported, or the function is absent). */
  readonly codeSha256: string | null;
  readonly triggers: readonly TriggerState[];
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

export function functionSpec(fn: FunctionConfig): FunctionSpec {
  return {
    name: fn.name,
    runtime: fn.runtime,
    handler: fn.handler,
    memorySize: fn.memorySize,
    timeout: fn.timeout,
    role: fn.role,
    description: fn.description,
    environment: fn.environment,
  };
}

/** The trigger as CreateTrigger / UpdateTrigger take it (TriggerDesc per type, as the SCF docs define it). */
export function triggerSpec(t: Trigger): TriggerSpec {
  const base = { type: t.type, name: t.name, qualifier: t.qualifier, enable: t.enable };
  switch (t.type) {
    case 'http':
      return {
        ...base,
        desc: JSON.stringify({
          AuthType: t.authType,
          NetConfig: { EnableIntranet: t.netConfig.enableIntranet, EnableExtranet: t.netConfig.enableExtranet },
          ...(t.cors
            ? {
                CorsConfig: {
                  Enable: true,
                  Origins: t.cors.origins,
                  Methods: t.cors.methods,
                  Headers: t.cors.headers,
                  ExposeHeaders: t.cors.exposeHeaders,
                  ...(t.cors.maxAge !== undefined ? { MaxAge: t.cors.maxAge } : {}),
                  Credentials: t.cors.credentials,
                },
              }
            : {}),
        }),
      };
    case 'timer':
      return { ...base, desc: t.cron, ...(t.argument !== undefined ? { customArgument: t.argument } : {}) };
    case 'ckafka':
      return { ...base, desc: JSON.stringify({ maxMsgNum: t.maxMsgNum, offset: t.offset, retry: t.retry, timeOut: t.timeOut }) };
  }
}

function json(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The Function URL a http trigger's TriggerDesc reports (NetConfig.ExtranetUrl), or null. */
export function extranetUrl(desc: string): string | null {
  const url = obj(json(desc).NetConfig).ExtranetUrl;
  return typeof url === 'string' && url !== '' ? url : null;
}

/** The comparable part of a TriggerDesc, whatever SCF added on read-back (URLs, ids) left out. */
function comparableDesc(type: string, desc: string): Record<string, string> {
  if (type === 'timer') {
    const cron = desc.trim().startsWith('{') ? json(desc).cron : desc;
    return {
      cron: String(cron ?? '')
        .trim()
        .split(/\s+/)
        .join(' '),
    };
  }
  const d = json(desc);
  if (type === 'http') {
    const net = obj(d.NetConfig);
    const cors = obj(d.CorsConfig);
    const corsOn = cors.Enable === true;
    return {
      AuthType: String(d.AuthType ?? ''),
      'NetConfig.EnableIntranet': String(net.EnableIntranet === true),
      'NetConfig.EnableExtranet': String(net.EnableExtranet === true),
      CorsConfig: corsOn
        ? JSON.stringify(
            ['Origins', 'Methods', 'Headers', 'ExposeHeaders', 'MaxAge', 'Credentials'].map(
              (k) => cors[k] ?? (k === 'Credentials' ? false : k === 'MaxAge' ? null : []),
            ),
          )
        : 'off',
    };
  }
  if (type === 'ckafka') {
    return { maxMsgNum: String(d.maxMsgNum ?? ''), offset: String(d.offset ?? ''), retry: String(d.retry ?? ''), timeOut: String(d.timeOut ?? '') };
  }
  return { desc };
}

function triggerChanges(have: TriggerState, want: TriggerSpec): string[] {
  const changes: string[] = [];
  const a = comparableDesc(have.type, have.desc);
  const b = comparableDesc(want.type, want.desc);
  for (const key of Object.keys(b)) if (a[key] !== b[key]) changes.push(`${key} ${a[key] || '(none)'} → ${b[key]}`);
  if (have.enable !== want.enable) changes.push(`Enable ${have.enable ? 'OPEN' : 'CLOSE'} → ${want.enable ? 'OPEN' : 'CLOSE'}`);
  if (have.qualifier !== want.qualifier) changes.push(`Qualifier ${have.qualifier} → ${want.qualifier}`);
  if (want.type === 'timer' && have.customArgument !== (want.customArgument ?? '')) changes.push('CustomArgument changed');
  return changes;
}

/** Does GetFunctionAddress's CodeSha256 (hex or base64) name this zip? */
export function sameCode(reported: string | null, sha256Hex: string): boolean {
  if (reported === null) return false;
  const r = reported.trim();
  return r.toLowerCase() === sha256Hex.toLowerCase() || r === Buffer.from(sha256Hex, 'hex').toString('base64');
}

function configChanges(have: FunctionState, want: FunctionSpec): string[] {
  const changes: string[] = [];
  if (have.memorySize !== want.memorySize) changes.push(`MemorySize ${have.memorySize} → ${want.memorySize}`);
  if (have.timeout !== want.timeout) changes.push(`Timeout ${have.timeout} → ${want.timeout}`);
  if (have.role !== want.role) changes.push(`Role ${have.role || '(none)'} → ${want.role}`);
  if (have.description !== want.description) changes.push('Description changed');
  if (!have.publicNet) changes.push('public network DISABLE → ENABLE (the function must reach trtc.tencentcloudapi.com)');
  // Variable names only: values may be secrets.
  const added = Object.keys(want.environment).filter((k) => !(k in have.environment));
  const removed = Object.keys(have.environment).filter((k) => !(k in want.environment));
  const changed = Object.keys(want.environment).filter((k) => k in have.environment && have.environment[k] !== want.environment[k]);
  if (added.length) changes.push(`environment: ${added.sort().join(', ')} added`);
  if (changed.length) changes.push(`environment: ${changed.sort().join(', ')} changed`);
  if (removed.length) changes.push(`environment: ${removed.sort().join(', ')} removed`);
  return changes;
}

/** "a, b and c". */
function words(list: readonly string[]): string {
  return list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)!}`;
}

function triggerKey(t: { type: string; name: string }): string {
  return `${t.type}/${t.name}`;
}

function describeTrigger(t: { type: string; name: string }): string {
  return `${t.type} trigger ${t.name}`;
}

export function planDeploy(wanted: FunctionConfig, codeSha256: string, observed: Observed): Step[] {
  const spec = functionSpec(wanted);
  const wantedTriggers = wanted.triggers.map(triggerSpec);
  const steps: Step[] = [];
  const fn = observed.fn;
  let existing: readonly TriggerState[] = observed.triggers;

  if (fn === null || fn.status === 'CreateFailed') {
    if (fn !== null) {
      const why = fn.statusReasons.length ? ` (${fn.statusReasons.join('; ')})` : '';
      steps.push({
        action: 'DeleteFunction',
        destructive: true,
        reason: `${wanted.name} is CreateFailed${why}; SCF cannot update a function that failed to create, so it is deleted and created again`,
      });
      existing = [];
    }
    steps.push({
      action: 'CreateFunction',
      reason: fn === null ? `${wanted.name} does not exist` : `re-create ${wanted.name} after CreateFailed`,
    });
  } else {
    if (fn.runtime !== spec.runtime) {
      throw new PlanError(
        `${wanted.name} runs ${fn.runtime} and serverless.yml asks for ${spec.runtime}, but SCF cannot change a function's runtime ` +
          `after creation: set the runtime back to ${fn.runtime}, or delete the function (its Function URL changes) and deploy again`,
      );
    }
    const code: string[] = [];
    if (!sameCode(observed.codeSha256, codeSha256)) {
      code.push(
        observed.codeSha256 === null ? 'SCF reports no code hash for it' : `code sha256 ${observed.codeSha256.slice(0, 12)}… → ${codeSha256.slice(0, 12)}…`,
      );
    }
    if (fn.handler !== spec.handler) code.push(`Handler ${fn.handler} → ${spec.handler}`);
    if (code.length) steps.push({ action: 'UpdateFunctionCode', reason: code.join('; ') });
    const config = configChanges(fn, spec);
    if (config.length) steps.push({ action: 'UpdateFunctionConfiguration', reason: config.join('; ') });
  }

  const wantedKeys = new Set(wantedTriggers.map(triggerKey));
  const kept: Step[] = [];
  for (const have of existing) {
    if (wantedKeys.has(triggerKey(have))) continue;
    // The trigger types serverless.yml describes; others (a legacy API Gateway trigger, COS, …) are left alone.
    if (!isTriggerType(have.type)) {
      kept.push({ action: 'keep', reason: `${describeTrigger(have)} is left as it is (npm run deploy manages ${words(TRIGGER_TYPES)} triggers only)` });
      continue;
    }
    const url = have.type === 'http' ? extranetUrl(have.desc) : null;
    steps.push({
      action: 'DeleteTrigger',
      destructive: true,
      trigger: { type: have.type, name: have.name, desc: have.desc, qualifier: have.qualifier, enable: have.enable },
      reason: `${describeTrigger(have)} is not in serverless.yml${url ? `; its Function URL ${url} stops working` : ''}`,
    });
  }
  const creates: Step[] = [];
  for (const want of wantedTriggers) {
    const have = existing.find((t) => triggerKey(t) === triggerKey(want));
    if (!have) {
      creates.push({ action: 'CreateTrigger', trigger: want, reason: `${describeTrigger(want)} does not exist` });
      continue;
    }
    const changes = triggerChanges(have, want);
    if (changes.length === 0) continue;
    // CKafka triggers can change only a few settings (and Enable) in place.
    const inPlace = want.type !== 'ckafka' || changes.every((c) => [...CKAFKA_TRIGGER.inPlace, 'Enable'].some((key) => c.startsWith(`${key} `)));
    if (inPlace) {
      // UpdateTrigger keeps a CustomArgument it is not sent: one removed from serverless.yml is cleared with "".
      const trigger = want.type === 'timer' && want.customArgument === undefined && have.customArgument !== '' ? { ...want, customArgument: '' } : want;
      steps.push({ action: 'UpdateTrigger', trigger, reason: `${describeTrigger(want)}: ${changes.join('; ')}` });
    } else {
      steps.push({
        action: 'DeleteTrigger',
        destructive: true,
        trigger: { ...want, qualifier: have.qualifier },
        reason: `${describeTrigger(want)}: ${changes.join('; ')}; SCF can change only ${words(CKAFKA_TRIGGER.inPlace)} of a CKafka trigger, so it is re-created`,
      });
      creates.push({ action: 'CreateTrigger', trigger: want, reason: `re-create ${describeTrigger(want)}` });
    }
  }
  steps.push(...creates);
  if (steps.length === 0) {
    steps.push({ action: 'nothing', reason: `${wanted.name} and its ${existing.length - kept.length} trigger(s) already match serverless.yml and this build` });
  }
  return [...steps, ...kept];
}
