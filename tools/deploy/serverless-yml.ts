/**
 * serverless.yml → the typed deploy configuration (pure). Every rule of what may be deployed lives here: key
 * names (an unknown key gets a "did you mean"), the SCF limits (memory, timeout, runtime, environment, names),
 * the trigger schema (http Function URL, ckafka, timer; their limits and the retired types from the shared
 * trigger table), after resolving `${…}` variables (variables.ts). Errors name the key path.
 */
import { parse } from 'yaml';
import { loadConfig } from '../../lib/config';
import { parseCron } from '../shared/cron';
import { CKAFKA_TRIGGER, HTTP_TRIGGER, isTriggerType, RETIRED_TRIGGERS, TIMER_TRIGGER, TRIGGER_TYPES } from '../shared/triggers';
import { resolveVariables } from './variables';
import { bool, Errors, int, isObj, str, strings, suggest, type Obj } from './yml-fields';

export { editDistance, suggest } from './yml-fields';

export type AuthType = (typeof HTTP_TRIGGER.authTypes)[number];

export interface CorsConfig {
  readonly origins: readonly string[];
  readonly methods: readonly string[];
  readonly headers: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
  readonly credentials: boolean;
}

export interface HttpTrigger {
  readonly type: 'http';
  readonly name: string;
  readonly authType: AuthType;
  readonly netConfig: { readonly enableIntranet: boolean; readonly enableExtranet: boolean };
  readonly cors?: CorsConfig;
  readonly qualifier: string;
  readonly enable: boolean;
}

export interface TimerTrigger {
  readonly type: 'timer';
  readonly name: string;
  readonly cron: string;
  readonly argument?: string;
  readonly qualifier: string;
  readonly enable: boolean;
}

export interface CkafkaTrigger {
  readonly type: 'ckafka';
  /** `${instanceId}-${topic}`, the name SCF gives CKafka triggers. */
  readonly name: string;
  readonly instanceId: string;
  readonly topic: string;
  readonly maxMsgNum: number;
  readonly offset: string;
  readonly retry: number;
  readonly timeOut: number;
  readonly qualifier: string;
  readonly enable: boolean;
}

export type Trigger = HttpTrigger | TimerTrigger | CkafkaTrigger;

export interface FunctionConfig {
  /** The key under `functions:` in serverless.yml. */
  readonly key: string;
  /** The SCF function name: `<service>-<stage>-<key>`. */
  readonly name: string;
  readonly description: string;
  readonly runtime: string;
  /** The handler inside the zip (`index.main_handler`: the file sits at the zip's root). */
  readonly handler: string;
  /** The folder the handler file is taken from (`dist` for `dist/index.main_handler`). */
  readonly codeDir: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly role: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly triggers: readonly Trigger[];
}

export interface DeployConfig {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly namespace: string;
  readonly fn: FunctionConfig;
}

export type ConfigResult = { ok: true; config: DeployConfig } | { ok: false; errors: string[] };

/** The Node runtimes that run the bundle (esbuild target node18); SCF cannot change a runtime after creation. */
export const RUNTIMES = ['Nodejs18.15'] as const;
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_REGION = 'ap-guangzhou';
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_QUALIFIER = '$DEFAULT';
export const DEFAULT_MEMORY_MB = 128;
export const DEFAULT_TIMEOUT_S = 10;
/** SCF keeps a function's environment within 4 KB (InvalidParameterValue.EnvironmentExceededLimit). */
export const ENVIRONMENT_LIMIT_BYTES = 4096;

const TOP_KEYS = ['service', 'frameworkVersion', 'configValidationMode', 'provider', 'plugins', 'package', 'functions', 'custom'];
const PROVIDER_KEYS = ['name', 'runtime', 'region', 'stage', 'credentials', 'role', 'memorySize', 'timeout', 'environment', 'namespace', 'description'];
const FUNCTION_KEYS = ['handler', 'description', 'runtime', 'memorySize', 'timeout', 'role', 'environment', 'events'];
const HTTP_KEYS = ['authType', 'netConfig', 'cors', 'qualifier', 'enable'];
const NET_KEYS = ['enableIntranet', 'enableExtranet'];
const CORS_KEYS = ['origins', 'methods', 'headers', 'exposeHeaders', 'maxAge', 'credentials'];
const TIMER_KEYS = ['cronExpression', 'argument', 'qualifier', 'enable'];
const CKAFKA_KEYS = ['instanceId', 'topic', 'maxMsgNum', 'offset', 'retry', 'timeOut', 'qualifier', 'enable'];

/** SCF function names: letters, digits, - and _, a letter first, not ending in - or _, 2–60 characters. */
export function functionNameError(name: string): string | undefined {
  if (name.length < 2 || name.length > 60) return `must be 2–60 characters, "${name}" has ${name.length}`;
  if (!/^[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]$/.test(name)) {
    return `"${name}" must start with a letter, hold only letters, digits, - and _, and not end with - or _`;
  }
  return undefined;
}

/** Memory: 64, or 128–3072 in steps of 128 (MB). */
export function memoryError(mb: unknown): string | undefined {
  const ok = typeof mb === 'number' && (mb === 64 || (Number.isInteger(mb) && mb >= 128 && mb <= 3072 && mb % 128 === 0));
  return ok ? undefined : `must be 64 or 128–3072 in steps of 128 (MB), got ${JSON.stringify(mb)}`;
}

const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;

function environment(e: Errors, path: string, v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined || v === null) return out;
  if (!isObj(v)) {
    e.add(path, 'must be a mapping with a `variables` mapping');
    return out;
  }
  e.keys(path, v, ['variables']);
  const vars = v.variables;
  if (vars === undefined || vars === null) return out;
  if (!isObj(vars)) {
    e.add(`${path}.variables`, 'must be a mapping of NAME: value');
    return out;
  }
  for (const [key, value] of Object.entries(vars)) {
    const at = `${path}.variables.${key}`;
    if (!ENV_KEY.test(key)) e.add(at, 'names must start with a letter and hold 2–64 letters, digits or _');
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      e.add(at, 'must be a string, number or boolean');
      continue;
    }
    const text = String(value);
    if (text === '') e.add(at, 'must not be empty (SCF refuses empty values; remove the variable instead)');
    out[key] = text;
  }
  return out;
}

function environmentSize(vars: Readonly<Record<string, string>>): number {
  return Object.entries(vars).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

function qualifier(e: Errors, path: string, v: unknown): string {
  return str(e, path, v, false) ?? DEFAULT_QUALIFIER;
}

function httpTrigger(e: Errors, path: string, name: string | undefined, p: Obj): HttpTrigger {
  e.keys(`${path}.parameters`, p, HTTP_KEYS);
  const authType = p.authType ?? 'NONE';
  if (!(HTTP_TRIGGER.authTypes as readonly unknown[]).includes(authType))
    e.add(`${path}.parameters.authType`, `must be ${HTTP_TRIGGER.authTypes.join(' or ')}`);
  const net = p.netConfig ?? {};
  let netConfig = { enableIntranet: false, enableExtranet: true };
  if (!isObj(net)) e.add(`${path}.parameters.netConfig`, 'must be a mapping {enableIntranet, enableExtranet}');
  else {
    e.keys(`${path}.parameters.netConfig`, net, NET_KEYS);
    netConfig = {
      enableIntranet: bool(e, `${path}.parameters.netConfig.enableIntranet`, net.enableIntranet, false),
      enableExtranet: bool(e, `${path}.parameters.netConfig.enableExtranet`, net.enableExtranet, true),
    };
    if (!netConfig.enableIntranet && !netConfig.enableExtranet) {
      e.add(`${path}.parameters.netConfig`, 'enables neither the intranet nor the extranet address: the URL would be unreachable');
    }
  }
  let cors: CorsConfig | undefined;
  if (p.cors !== undefined) {
    if (!isObj(p.cors)) e.add(`${path}.parameters.cors`, 'must be a mapping');
    else {
      const c = p.cors;
      const at = `${path}.parameters.cors`;
      e.keys(at, c, CORS_KEYS);
      const maxAge = int(e, `${at}.maxAge`, c.maxAge, 0, 86_400);
      cors = {
        origins: strings(e, `${at}.origins`, c.origins),
        methods: strings(e, `${at}.methods`, c.methods),
        headers: strings(e, `${at}.headers`, c.headers),
        exposeHeaders: strings(e, `${at}.exposeHeaders`, c.exposeHeaders),
        ...(maxAge !== undefined ? { maxAge } : {}),
        credentials: bool(e, `${at}.credentials`, c.credentials, false),
      };
      if (cors.origins.length === 0) e.add(`${at}.origins`, 'must list at least one origin');
    }
  }
  return {
    type: 'http',
    name: name ?? HTTP_TRIGGER.defaultName,
    authType: authType === 'CAM' ? 'CAM' : 'NONE',
    netConfig,
    ...(cors ? { cors } : {}),
    qualifier: qualifier(e, `${path}.parameters.qualifier`, p.qualifier),
    enable: bool(e, `${path}.parameters.enable`, p.enable, true),
  };
}

function timerTrigger(e: Errors, path: string, name: string | undefined, p: Obj): TimerTrigger {
  e.keys(`${path}.parameters`, p, TIMER_KEYS);
  if (name === undefined) e.add(`${path}.name`, 'is required (letters, digits, - and _, at most 100)');
  else if (!TIMER_TRIGGER.name.test(name)) e.add(`${path}.name`, 'must hold only letters, digits, - and _ (at most 100)');
  const cron = str(e, `${path}.parameters.cronExpression`, p.cronExpression, true) ?? '';
  if (cron) {
    // SCF takes the 5-field form too, but this file uses one form: the 7-field one SCF documents for triggers.
    const fields = cron.split(/\s+/).length;
    const parsed = parseCron(cron);
    if (fields !== 7)
      e.add(`${path}.parameters.cronExpression`, `must have 7 fields (second minute hour day month weekday year), e.g. "0 */10 * * * * *"; got ${fields}`);
    else if (!parsed.ok) e.add(`${path}.parameters.cronExpression`, parsed.reason);
  }
  const argument = p.argument === undefined ? undefined : str(e, `${path}.parameters.argument`, p.argument, false);
  if (argument !== undefined && Buffer.byteLength(argument) > TIMER_TRIGGER.argumentMaxBytes) {
    e.add(`${path}.parameters.argument`, `must be at most ${TIMER_TRIGGER.argumentMaxBytes} bytes (SCF's CustomArgument limit)`);
  }
  return {
    type: 'timer',
    name: name ?? '',
    cron,
    ...(argument !== undefined ? { argument } : {}),
    qualifier: qualifier(e, `${path}.parameters.qualifier`, p.qualifier),
    enable: bool(e, `${path}.parameters.enable`, p.enable, true),
  };
}

function ckafkaTrigger(e: Errors, path: string, name: string | undefined, p: Obj): CkafkaTrigger {
  e.keys(`${path}.parameters`, p, CKAFKA_KEYS);
  const at = `${path}.parameters`;
  const instanceId = str(e, `${at}.instanceId`, p.instanceId, true) ?? '';
  if (instanceId && !CKAFKA_TRIGGER.instanceId.test(instanceId)) e.add(`${at}.instanceId`, 'must be a CKafka instance id such as ckafka-abcd1234');
  const topic = str(e, `${at}.topic`, p.topic, true) ?? '';
  const derived = `${instanceId}-${topic}`;
  if (name !== undefined && name !== derived) {
    e.add(`${path}.name`, `SCF names a CKafka trigger <instanceId>-<topic> ("${derived}"); leave name out`);
  }
  for (const key of ['maxMsgNum', 'retry', 'timeOut'] as const) {
    if (p[key] === undefined) e.add(`${at}.${key}`, 'is required (SCF needs maxMsgNum, offset, retry and timeOut)');
  }
  const offset = p.offset ?? 'latest';
  if (!((CKAFKA_TRIGGER.offsets as readonly unknown[]).includes(offset) || (typeof offset === 'number' && Number.isInteger(offset) && offset > 0))) {
    e.add(`${at}.offset`, 'must be latest, earliest or a timestamp in milliseconds');
  }
  return {
    type: 'ckafka',
    name: derived,
    instanceId,
    topic,
    maxMsgNum: int(e, `${at}.maxMsgNum`, p.maxMsgNum, CKAFKA_TRIGGER.maxMsgNum.min, CKAFKA_TRIGGER.maxMsgNum.max) ?? 0,
    offset: String(offset),
    retry: int(e, `${at}.retry`, p.retry, CKAFKA_TRIGGER.retry.min, CKAFKA_TRIGGER.retry.max) ?? 0,
    timeOut: int(e, `${at}.timeOut`, p.timeOut, CKAFKA_TRIGGER.timeOut.min, CKAFKA_TRIGGER.timeOut.max) ?? 0,
    qualifier: qualifier(e, `${at}.qualifier`, p.qualifier),
    enable: bool(e, `${at}.enable`, p.enable, true),
  };
}

function triggers(e: Errors, path: string, v: unknown): Trigger[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    e.add(path, 'must be a list of events (- http: …, - timer: …, - ckafka: …)');
    return [];
  }
  const out: Trigger[] = [];
  v.forEach((event: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObj(event) || Object.keys(event).length !== 1) {
      e.add(at, 'must be a mapping with exactly one event type (http, timer or ckafka)');
      return;
    }
    const [type, body] = Object.entries(event)[0]!;
    const retired = RETIRED_TRIGGERS[type];
    if (retired !== undefined) {
      e.add(`${at}.${type}`, retired);
      return;
    }
    if (!isTriggerType(type)) {
      const near = suggest(type, TRIGGER_TYPES);
      e.add(`${at}.${type}`, `unknown event type${near ? `; did you mean "${near}"?` : ` (known: ${TRIGGER_TYPES.join(', ')})`}`);
      return;
    }
    const b = body ?? {};
    if (!isObj(b)) {
      e.add(`${at}.${type}`, 'must be a mapping {name, parameters}');
      return;
    }
    e.keys(`${at}.${type}`, b, ['name', 'parameters']);
    const name = b.name === undefined ? undefined : str(e, `${at}.${type}.name`, b.name, false);
    const params = b.parameters ?? {};
    if (!isObj(params)) {
      e.add(`${at}.${type}.parameters`, 'must be a mapping');
      return;
    }
    const trigger =
      type === 'http'
        ? httpTrigger(e, `${at}.${type}`, name, params)
        : type === 'timer'
          ? timerTrigger(e, `${at}.${type}`, name, params)
          : ckafkaTrigger(e, `${at}.${type}`, name, params);
    if (out.some((t) => t.type === trigger.type && t.name === trigger.name)) {
      e.add(`${at}.${type}`, `a second ${type} trigger named "${trigger.name}"`);
    }
    if (trigger.type === 'http' && out.some((t) => t.type === 'http' && t.qualifier === trigger.qualifier)) {
      e.add(`${at}.${type}`, `SCF allows one Function URL per version or alias, and ${trigger.qualifier} already has one`);
    }
    out.push(trigger);
  });
  return out;
}

/** `dist/index.main_handler` → the zip holds dist/'s files at its root, so SCF's handler is `index.main_handler`. */
function handler(e: Errors, path: string, v: unknown): { handler: string; codeDir: string } {
  const raw = str(e, path, v, true) ?? 'index.main_handler';
  const m = /^(?:([A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)\/)?([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])\.([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])$/.exec(raw);
  if (!m) {
    e.add(path, `must be [folder/]file.function with letters, digits, _ and - (e.g. dist/index.main_handler), got "${raw}"`);
    return { handler: 'index.main_handler', codeDir: 'dist' };
  }
  return { handler: `${m[2]}.${m[3]}`, codeDir: m[1] ?? '.' };
}

/** Parses and validates serverless.yml text. `env` gives TENCENTCLOUD_REGION and `${env:…}`; `stage` is --stage. */
export function parseDeployConfig(text: string, options: { stage?: string; env?: Readonly<Record<string, string | undefined>> } = {}): ConfigResult {
  const e = new Errors();
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return { ok: false, errors: [`serverless.yml is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`] };
  }
  if (!isObj(doc)) return { ok: false, errors: ['serverless.yml must be a mapping (service, provider, functions)'] };
  const resolved = resolveVariables(doc, { env: options.env ?? {}, ...(options.stage !== undefined ? { stage: options.stage } : {}) });
  if (!resolved.ok) return { ok: false, errors: resolved.errors };
  doc = resolved.value;
  if (!isObj(doc)) return { ok: false, errors: ['serverless.yml must be a mapping (service, provider, functions)'] };
  e.keys('serverless.yml', doc, TOP_KEYS);

  const service = str(e, 'service', doc.service, true) ?? '';
  const provider = isObj(doc.provider) ? doc.provider : {};
  if (!isObj(doc.provider)) e.add('provider', 'is required (a mapping)');
  else e.keys('provider', provider, PROVIDER_KEYS);
  if (provider.name !== undefined && provider.name !== 'tencent') e.add('provider.name', 'must be tencent');

  const stage = options.stage ?? str(e, 'provider.stage', provider.stage, false) ?? DEFAULT_STAGE;
  if (!/^[A-Za-z0-9_-]+$/.test(stage)) e.add(options.stage !== undefined ? '--stage' : 'provider.stage', 'must hold only letters, digits, - and _');
  const envRegion = options.env?.TENCENTCLOUD_REGION?.trim();
  const region = envRegion || (str(e, 'provider.region', provider.region, false) ?? DEFAULT_REGION);
  if (!/^[a-z]{2,}(-[a-z0-9]+)+$/.test(region))
    e.add(envRegion ? 'TENCENTCLOUD_REGION' : 'provider.region', `must be a region such as ap-guangzhou, got "${region}"`);
  const namespace = str(e, 'provider.namespace', provider.namespace, false) ?? DEFAULT_NAMESPACE;

  const functions = isObj(doc.functions) ? doc.functions : {};
  const keys = Object.keys(functions);
  if (keys.length !== 1) e.add('functions', `must define exactly one function, found ${keys.length}`);
  const key = keys[0] ?? '';
  const f = isObj(functions[key]) ? (functions[key] as Obj) : {};
  const at = `functions.${key}`;
  if (key && !isObj(functions[key])) e.add(at, 'must be a mapping');
  e.keys(at, f, FUNCTION_KEYS);

  const name = `${service}-${stage}-${key}`;
  const nameProblem = functionNameError(name);
  if (service && key && nameProblem) e.add(`${at} (SCF name <service>-<stage>-<function>)`, nameProblem);

  const runtimeAt = f.runtime !== undefined ? `${at}.runtime` : 'provider.runtime';
  const runtime = str(e, runtimeAt, f.runtime ?? provider.runtime, true) ?? '';
  if (runtime && !(RUNTIMES as readonly string[]).includes(runtime)) {
    e.add(runtimeAt, `must be one of ${RUNTIMES.join(', ')} (the bundle targets Node 18), got "${runtime}"`);
  }
  const memAt = f.memorySize !== undefined ? `${at}.memorySize` : 'provider.memorySize';
  const memorySize = f.memorySize ?? provider.memorySize ?? DEFAULT_MEMORY_MB;
  const memProblem = memoryError(memorySize);
  if (memProblem) e.add(memAt, memProblem);
  const timeoutAt = f.timeout !== undefined ? `${at}.timeout` : 'provider.timeout';
  const timeout = int(e, timeoutAt, f.timeout ?? provider.timeout ?? DEFAULT_TIMEOUT_S, 1, 900) ?? DEFAULT_TIMEOUT_S;
  const role = str(e, f.role !== undefined ? `${at}.role` : 'provider.role', f.role ?? provider.role, true) ?? '';
  if (role && !/^[A-Za-z0-9_+=,.@-]{1,128}$/.test(role)) e.add('provider.role', 'must be a CAM role name');
  const description = str(e, `${at}.description`, f.description ?? provider.description, false) ?? '';
  if (description.length > 1000) e.add(`${at}.description`, 'must be at most 1000 characters');
  const { handler: handlerName, codeDir } = handler(e, `${at}.handler`, f.handler);

  // Function variables override the provider's, without changing them.
  const vars = { ...environment(e, 'provider.environment', provider.environment), ...environment(e, `${at}.environment`, f.environment) };
  const size = environmentSize(vars);
  if (size > ENVIRONMENT_LIMIT_BYTES) e.add('provider.environment.variables', `hold ${size} bytes; SCF keeps them within ${ENVIRONMENT_LIMIT_BYTES}`);
  // The function's own configuration rules, checked now rather than at the first invocation.
  const fnConfig = loadConfig(vars);
  if (!fnConfig.ok) for (const problem of fnConfig.errors) e.add('provider.environment.variables', problem);
  else {
    const needed = fnConfig.config.upstreamTimeoutMs + fnConfig.config.deadlineMarginMs;
    if (timeout * 1000 <= needed) {
      e.add(timeoutAt, `${timeout} s leaves no room for one TRTC call: it must exceed UPSTREAM_TIMEOUT_MS + DEADLINE_MARGIN_MS = ${needed} ms`);
    }
  }

  const triggerList = triggers(e, `${at}.events`, f.events);
  if (e.list.length > 0) return { ok: false, errors: e.list };
  return {
    ok: true,
    config: {
      service,
      stage,
      region,
      namespace,
      fn: {
        key,
        name,
        description,
        runtime,
        handler: handlerName,
        codeDir,
        memorySize: memorySize as number,
        timeout,
        role,
        environment: vars,
        triggers: triggerList,
      },
    },
  };
}
