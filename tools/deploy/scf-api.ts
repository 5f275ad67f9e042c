/**
 * The narrow port to SCF's cloud API (2018-04-16) that the deploy needs, and its implementation on
 * tencentcloud-sdk-nodejs's typed SCF client, always with an explicit agent (the SDK otherwise routes every
 * request through http_proxy and ignores NO_PROXY). The deploying identity's keys are read from the environment
 * here and nowhere else, and never printed.
 */
import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client';
import type { GetFunctionResponse, TriggerInfo } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_models';
import { readCredentials } from '../../lib/trtc/credentials';
import type { Env } from '../../lib/config';
import { CALL_TIMEOUT_MS, GuardedHttpAgent, GuardedHttpsAgent, INVOKE_TIMEOUT_MS, MAX_ANSWER_BYTES, SocketGuard, type CallLimits } from './bounded-agent';

export const SCF_HOST = 'scf.tencentcloudapi.com';

/** What GetFunction reports about a function, in the deploy's terms. */
export interface FunctionState extends Omit<FunctionSpec, 'name'> {
  readonly status: string;
  readonly statusReasons: readonly string[];
  readonly publicNet: boolean;
  /** The CLS log topic SCF delivers the function's lines to ('' when none). */
  readonly clsTopicId?: string;
}

export interface TriggerState {
  readonly type: string;
  readonly name: string;
  readonly desc: string;
  readonly qualifier: string;
  readonly enable: boolean;
  readonly customArgument: string;
}

/** The wanted configuration of a function, as CreateFunction / UpdateFunctionConfiguration take it. */
export interface FunctionSpec {
  readonly name: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly role: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
}

export interface TriggerSpec {
  readonly type: string;
  readonly name: string;
  readonly desc: string;
  readonly qualifier: string;
  readonly enable: boolean;
  readonly customArgument?: string;
}

export interface InvokeResult {
  readonly retMsg: string;
  readonly errMsg: string;
  readonly log: string;
  readonly durationMs: number;
  readonly functionRequestId: string;
  readonly billDurationMs?: number;
  readonly memUsage?: number;
}

/** An alias: its main version and at most one additional version with its share of traffic (0–1). */
export interface AliasState {
  readonly name: string;
  readonly version: string;
  readonly weights: readonly { readonly version: string; readonly weight: number }[];
  readonly description: string;
}

export interface VersionState {
  readonly version: string;
  readonly description: string;
  readonly addTime: string;
  readonly status: string;
}

export interface ScfApi {
  /** null when the function does not exist. `qualifier`: a version or alias (default $LATEST). */
  getFunction(name: string, qualifier?: string): Promise<FunctionState | null>;
  /** The code package's SHA-256 as GetFunctionAddress reports it (CodeSha256), null when it reports none. */
  codeSha256(name: string, qualifier?: string): Promise<string | null>;
  createFunction(spec: FunctionSpec, zipBase64: string): Promise<void>;
  updateFunctionCode(name: string, handler: string, zipBase64: string): Promise<void>;
  updateFunctionConfiguration(spec: FunctionSpec): Promise<void>;
  deleteFunction(name: string): Promise<void>;
  listTriggers(name: string): Promise<TriggerState[]>;
  createTrigger(fn: string, trigger: TriggerSpec): Promise<void>;
  updateTrigger(fn: string, trigger: TriggerSpec): Promise<void>;
  deleteTrigger(fn: string, trigger: Pick<TriggerSpec, 'type' | 'name' | 'qualifier'>): Promise<void>;
  invoke(name: string, event: unknown, options?: { qualifier?: string; logTail?: boolean }): Promise<InvokeResult>;
  /** PublishVersion: the new version's number. */
  publishVersion(name: string, description: string): Promise<string>;
  /** ListVersionByFunction: the published versions (not $LATEST), oldest first. */
  listVersions(name: string): Promise<VersionState[]>;
  /** null when the alias does not exist. */
  getAlias(name: string, alias: string): Promise<AliasState | null>;
  createAlias(name: string, alias: AliasState): Promise<void>;
  /** UpdateAlias: the main version, the weights (none: the main version serves all) and the description, whole. */
  updateAlias(name: string, alias: AliasState): Promise<void>;
}

/**
 * An SCF API error (code and message as SCF answered), or a transport failure (code undefined): `unreachable`
 * (no answer), or `unreadable` (an answer too large, too slow, or not a readable SCF answer).
 */
export class ScfApiError extends Error {
  override readonly name = 'ScfApiError';
  constructor(
    readonly action: string,
    readonly code: string | undefined,
    message: string,
    readonly requestId?: string,
    readonly transport?: 'unreachable' | 'unreadable',
  ) {
    super(message);
  }
}

/** An answer that parsed but is not what SCF answers (e.g. GetFunction without Status or Runtime). */
class UnreadableAnswer extends Error {}

/** Error codes SCF answers for a function that does not exist. */
const NOT_FOUND = new Set(['ResourceNotFound.Function', 'ResourceNotFound.FunctionName', 'ResourceNotFound.Namespace']);

export function isNotFound(error: unknown): boolean {
  return error instanceof ScfApiError && error.code !== undefined && NOT_FOUND.has(error.code);
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export interface ScfTarget {
  readonly protocol: 'http://' | 'https://';
  readonly host: string;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * SCF_ENDPOINT (a bare origin such as http://127.0.0.1:9001) or the public endpoint. Never echoed: it may hold a
 * password. Plain http:// only to loopback (the request carries the function's environment, tokens included).
 */
export function scfTarget(env: Env): ScfTarget {
  const raw = env.SCF_ENDPOINT?.trim();
  if (!raw) return { protocol: 'https://', host: SCF_HOST };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigurationError(`SCF_ENDPOINT must be a URL such as https://${SCF_HOST} or http://127.0.0.1:9001 (the value given is not one)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigurationError('SCF_ENDPOINT must not hold a user name or password: the deploying keys come from TENCENTCLOUD_SECRET_ID / _KEY');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigurationError('SCF_ENDPOINT must be a bare http(s) origin (scheme, host and optional port), with no path or query');
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new ConfigurationError(
      'SCF_ENDPOINT: plain http:// is allowed only to a loopback address (127.0.0.1, [::1], localhost); use https:// ' +
        "(the requests carry the function's environment, tokens included)",
    );
  }
  return { protocol: url.protocol === 'https:' ? 'https://' : 'http://', host: url.host };
}

/** The deploying identity's keys, checked before anything is called. */
export function deployerCredentials(env: Env): { secretId: string; secretKey: string; token?: string } {
  const read = readCredentials(env);
  if (!read.ok) {
    throw new ConfigurationError(
      `no deploying credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (plus TENCENTCLOUD_SESSION_TOKEN for temporary keys) ` +
        `for a CAM identity with the deploy policy in docs/deploying.md (${read.message.startsWith('no cloud credentials') ? 'none found' : read.message})`,
    );
  }
  const { secretId, secretKey, token } = read.credentials;
  return token ? { secretId, secretKey, token } : { secretId, secretKey };
}

function variables(env: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.keys(env)
    .sort()
    .map((Key) => ({ Key, Value: env[Key]! }));
}

function triggerState(t: TriggerInfo): TriggerState {
  return {
    type: t.Type ?? '',
    name: t.TriggerName ?? '',
    desc: t.TriggerDesc ?? '',
    qualifier: t.Qualifier ?? '$LATEST',
    enable: t.Enable === 1,
    customArgument: t.CustomArgument ?? '',
  };
}

function functionState(r: GetFunctionResponse): FunctionState {
  const fields = r as Record<string, unknown>;
  for (const key of ['Status', 'Runtime', 'Handler']) {
    if (typeof fields[key] !== 'string' || fields[key] === '') throw new UnreadableAnswer(`the answer has no ${key}`);
  }
  const environment: Record<string, string> = {};
  for (const v of r.Environment?.Variables ?? []) if (v.Key) environment[v.Key] = v.Value ?? '';
  return {
    status: r.Status ?? '',
    statusReasons: (r.StatusReasons ?? []).map((s) => `${s.ErrorCode ?? ''} ${s.ErrorMessage ?? ''}`.trim()),
    runtime: r.Runtime ?? '',
    handler: r.Handler ?? '',
    memorySize: r.MemorySize ?? 0,
    timeout: r.Timeout ?? 0,
    role: r.Role ?? '',
    description: r.Description ?? '',
    environment,
    publicNet: r.PublicNetConfig?.PublicNetStatus !== 'DISABLE',
    clsTopicId: r.ClsTopicId ?? '',
  };
}

export class SdkScfApi implements ScfApi {
  private readonly client: Client;

  private readonly guard: SocketGuard;
  private readonly callTimeoutMs: number;

  constructor(
    private readonly namespace: string,
    region: string,
    env: Env,
    limits: CallLimits = {},
  ) {
    const target = scfTarget(env);
    const credential = deployerCredentials(env);
    this.guard = new SocketGuard(limits.maxAnswerBytes ?? MAX_ANSWER_BYTES);
    this.callTimeoutMs = limits.callTimeoutMs ?? CALL_TIMEOUT_MS;
    const agent = target.protocol === 'https://' ? new GuardedHttpsAgent(this.guard) : new GuardedHttpAgent(this.guard);
    this.client = new Client({
      credential,
      region,
      // reqTimeout 0: the SDK's own timers neither end a stalled body nor free its socket; `call` bounds the time.
      profile: { language: 'en-US', httpProfile: { protocol: target.protocol, endpoint: target.host, reqMethod: 'POST', reqTimeout: 0, agent } },
    });
  }

  /** One API call, bounded in time and answer size; on a cut the socket is destroyed and the call fails at once. */
  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    const ms = action === 'Invoke' ? Math.max(this.callTimeoutMs, INVOKE_TIMEOUT_MS) : this.callTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<never>((_, reject) => {
      this.guard.onCut = (reason) => reject(new ScfApiError(action, undefined, `${action}: ${reason}; the connection was closed`, undefined, 'unreadable'));
      timer = setTimeout(() => this.guard.cut(`no complete answer within ${ms / 1000} s`), ms);
    });
    try {
      return await Promise.race([this.attempt(action, run), cut]);
    } finally {
      clearTimeout(timer);
      this.guard.onCut = undefined;
    }
  }

  private async attempt<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ScfApiError) throw error;
      const e = error as { code?: unknown; message?: unknown; requestId?: unknown; type?: unknown };
      const code = typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
      const message = typeof e.message === 'string' ? e.message : String(error);
      // The SDK's fetch reports a body that is not JSON as type invalid-json; JSON without Response is a TypeError.
      const unreadable = code === undefined && (e.type === 'invalid-json' || error instanceof TypeError || error instanceof UnreadableAnswer);
      if (unreadable) throw new ScfApiError(action, undefined, `${action}: ${message.slice(0, 200)}`, undefined, 'unreadable');
      throw new ScfApiError(action, code, message, typeof e.requestId === 'string' ? e.requestId : undefined, code === undefined ? 'unreachable' : undefined);
    }
  }

  async getFunction(name: string, qualifier?: string): Promise<FunctionState | null> {
    try {
      const q = qualifier !== undefined ? { Qualifier: qualifier } : {};
      return await this.call('GetFunction', async () => functionState(await this.client.GetFunction({ FunctionName: name, Namespace: this.namespace, ...q })));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async codeSha256(name: string, qualifier = '$LATEST'): Promise<string | null> {
    const r = await this.call('GetFunctionAddress', () =>
      this.client.GetFunctionAddress({ FunctionName: name, Namespace: this.namespace, Qualifier: qualifier }),
    );
    return r.CodeSha256 ? r.CodeSha256 : null;
  }

  async createFunction(spec: FunctionSpec, zipBase64: string): Promise<void> {
    await this.call('CreateFunction', () =>
      this.client.CreateFunction({
        FunctionName: spec.name,
        Namespace: this.namespace,
        Type: 'Event',
        Runtime: spec.runtime,
        Handler: spec.handler,
        Code: { ZipFile: zipBase64 },
        MemorySize: spec.memorySize,
        Timeout: spec.timeout,
        Role: spec.role,
        Description: spec.description,
        Environment: { Variables: variables(spec.environment) },
        InstallDependency: 'FALSE',
        PublicNetConfig: { PublicNetStatus: 'ENABLE', EipConfig: { EipStatus: 'DISABLE' } },
      }),
    );
  }

  async updateFunctionCode(name: string, handler: string, zipBase64: string): Promise<void> {
    await this.call('UpdateFunctionCode', () =>
      this.client.UpdateFunctionCode({ FunctionName: name, Namespace: this.namespace, Handler: handler, Code: { ZipFile: zipBase64 } }),
    );
  }

  async updateFunctionConfiguration(spec: FunctionSpec): Promise<void> {
    const vars = variables(spec.environment);
    await this.call('UpdateFunctionConfiguration', () =>
      this.client.UpdateFunctionConfiguration({
        FunctionName: spec.name,
        Namespace: this.namespace,
        MemorySize: spec.memorySize,
        Timeout: spec.timeout,
        Role: spec.role,
        Description: spec.description,
        // SCF replaces the environment as a whole; one empty pair is its way of saying "none".
        Environment: { Variables: vars.length > 0 ? vars : [{ Key: '', Value: '' }] },
        PublicNetConfig: { PublicNetStatus: 'ENABLE', EipConfig: { EipStatus: 'DISABLE' } },
      }),
    );
  }

  async deleteFunction(name: string): Promise<void> {
    await this.call('DeleteFunction', () => this.client.DeleteFunction({ FunctionName: name, Namespace: this.namespace }));
  }

  async listTriggers(name: string): Promise<TriggerState[]> {
    const out: TriggerState[] = [];
    for (let offset = 0; ; offset += 100) {
      const r = await this.call('ListTriggers', () => this.client.ListTriggers({ FunctionName: name, Namespace: this.namespace, Offset: offset, Limit: 100 }));
      const page = r.Triggers ?? [];
      out.push(...page.map(triggerState));
      if (page.length < 100 || out.length >= (r.TotalCount ?? 0)) return out;
    }
  }

  /** CreateTrigger and UpdateTrigger take the same fields. Enable is always sent (SCF's default differs by type). */
  private triggerParams(fn: string, t: TriggerSpec) {
    return {
      FunctionName: fn,
      Namespace: this.namespace,
      TriggerName: t.name,
      Type: t.type,
      TriggerDesc: t.desc,
      Qualifier: t.qualifier,
      Enable: t.enable ? 'OPEN' : 'CLOSE',
      ...(t.customArgument !== undefined ? { CustomArgument: t.customArgument } : {}),
    };
  }

  async createTrigger(fn: string, t: TriggerSpec): Promise<void> {
    await this.call('CreateTrigger', () => this.client.CreateTrigger(this.triggerParams(fn, t)));
  }

  async updateTrigger(fn: string, t: TriggerSpec): Promise<void> {
    await this.call('UpdateTrigger', () => this.client.UpdateTrigger(this.triggerParams(fn, t)));
  }

  async deleteTrigger(fn: string, t: Pick<TriggerSpec, 'type' | 'name' | 'qualifier'>): Promise<void> {
    await this.call('DeleteTrigger', () =>
      this.client.DeleteTrigger({ FunctionName: fn, Namespace: this.namespace, TriggerName: t.name, Type: t.type, Qualifier: t.qualifier }),
    );
  }

  async invoke(name: string, event: unknown, options: { qualifier?: string; logTail?: boolean } = {}): Promise<InvokeResult> {
    const r = await this.call('Invoke', () =>
      this.client.Invoke({
        FunctionName: name,
        Namespace: this.namespace,
        Qualifier: options.qualifier ?? '$LATEST',
        InvocationType: 'RequestResponse',
        LogType: options.logTail === true ? 'Tail' : 'None',
        ClientContext: JSON.stringify(event),
      }),
    );
    const res = r.Result ?? {};
    return {
      retMsg: res.RetMsg ?? '',
      errMsg: res.ErrMsg ?? '',
      log: res.Log ?? '',
      durationMs: res.Duration ?? 0,
      functionRequestId: res.FunctionRequestId ?? '',
      billDurationMs: res.BillDuration ?? 0,
      memUsage: res.MemUsage ?? 0,
    };
  }

  async publishVersion(name: string, description: string): Promise<string> {
    const r = await this.call('PublishVersion', () => this.client.PublishVersion({ FunctionName: name, Namespace: this.namespace, Description: description }));
    if (!r.FunctionVersion) throw new ScfApiError('PublishVersion', undefined, 'SCF answered no FunctionVersion');
    return r.FunctionVersion;
  }

  async listVersions(name: string): Promise<VersionState[]> {
    const out: VersionState[] = [];
    for (let offset = 0; ; offset += 100) {
      const r = await this.call('ListVersionByFunction', () =>
        this.client.ListVersionByFunction({ FunctionName: name, Namespace: this.namespace, Offset: offset, Limit: 100, Order: 'ASC', OrderBy: 'AddTime' }),
      );
      const page = r.Versions ?? [];
      for (const v of page) {
        if (v.Version === '$LATEST') continue;
        out.push({ version: v.Version, description: v.Description ?? '', addTime: v.AddTime ?? '', status: v.Status ?? '' });
      }
      if (page.length < 100 || offset + page.length >= (r.TotalCount ?? 0)) return out;
    }
  }

  async getAlias(name: string, alias: string): Promise<AliasState | null> {
    try {
      const r = await this.call('GetAlias', () => this.client.GetAlias({ FunctionName: name, Namespace: this.namespace, Name: alias }));
      return {
        name: r.Name ?? alias,
        version: r.FunctionVersion ?? '$LATEST',
        weights: (r.RoutingConfig?.AdditionalVersionWeights ?? []).map((w) => ({ version: w.Version, weight: w.Weight })),
        description: r.Description ?? '',
      };
    } catch (error) {
      if (error instanceof ScfApiError && error.code !== undefined && /^ResourceNotFound\.(Alias|Version)/.test(error.code)) return null;
      throw error;
    }
  }

  private aliasParams(name: string, a: AliasState) {
    return {
      FunctionName: name,
      Namespace: this.namespace,
      Name: a.name,
      FunctionVersion: a.version,
      RoutingConfig: { AdditionalVersionWeights: a.weights.map((w) => ({ Version: w.version, Weight: w.weight })) },
      Description: a.description,
    };
  }

  async createAlias(name: string, a: AliasState): Promise<void> {
    await this.call('CreateAlias', () => this.client.CreateAlias(this.aliasParams(name, a)));
  }

  async updateAlias(name: string, a: AliasState): Promise<void> {
    await this.call('UpdateAlias', () => this.client.UpdateAlias(this.aliasParams(name, a)));
  }
}
