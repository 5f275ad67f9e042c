/**
 * The local SCF's control plane and data plane: the 2018-04-16 actions over function and trigger records,
 * the Creating/Updating → Active state machine, code packages extracted per generation and run by warm
 * instance pools, and the triggers (local Function URLs, timers, CKafka topics) that invoke them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { throwawayCredential, type EmulatorCredential, type TrtcEmulator } from '../trtc-emulator';
import { extractPackage } from './code-package';
import { scfError } from './api-error';
import { CkafkaTopic, type CkafkaEvent } from './ckafka';
import { cronMatches } from '../shared/cron';
import { FunctionUrl, type UrlOutcome } from './function-url';
import { InstancePool, type InvocationOutcome } from './instances';
import { errorMessage, scfResult, statusCode } from './invoke-result';
import { presentFunction, presentTrigger, scfTime, type FunctionRecord, type TriggerRecord } from './records';
import { instanceEnvironment, invocationContext } from './scf-environment';
import { parseTriggerDesc, triggerName, triggerType, type TriggerDesc } from './trigger-desc';
import * as v from './validate';
import { readZip, ZipError } from './zip';

export interface LocalScfOptions {
  trtc: TrtcEmulator;
  /** Where code packages are extracted (one directory per function generation). */
  workDir: string;
  runnerPath: string;
  appId: string;
  uin: string;
  activationDelayMs: number;
  ckafkaRetryDelayMs: number;
  /** A background failure of the local SCF itself (never a function's own error). */
  onError: (error: Error) => void;
}

/** A generation ready to serve (pool + extracted code), or why it cannot. */
interface Prepared {
  pool?: InstancePool;
  codeDir?: string;
  failure?: { ErrorCode: string; ErrorMessage: string };
}

/** Per-function runtime state that is not part of the API record. */
interface Live {
  generation: number;
  pool: InstancePool | undefined;
  codeDir: string | undefined;
  topics: Map<string, CkafkaTopic>;
  urls: Map<string, FunctionUrl>;
}

const MAX_TRIGGERS_PER_TYPE = 10;
/** Concurrency of one function on the local SCF (a real account allows far more; one machine does not). */
const MAX_INSTANCES_PER_FUNCTION = 4;
const MAX_SYNC_EVENT_BYTES = 6 * 1024 * 1024;
const MAX_ASYNC_EVENT_BYTES = 128 * 1024;

const KNOWN: Readonly<Record<string, readonly string[]>> = {
  CreateFunction: [
    'FunctionName',
    'Code',
    'Handler',
    'Description',
    'MemorySize',
    'Timeout',
    'Environment',
    'Runtime',
    'VpcConfig',
    'Namespace',
    'Role',
    'InstallDependency',
    'ClsLogsetId',
    'ClsTopicId',
    'Type',
    'CodeSource',
    'Layers',
    'DeadLetterConfig',
    'PublicNetConfig',
    'CfsConfig',
    'InitTimeout',
    'Tags',
    'AsyncRunEnable',
    'TraceEnable',
    'AutoDeployClsTopicIndex',
    'AutoCreateClsTopic',
    'ProtocolType',
    'ProtocolParams',
    'InstanceConcurrencyConfig',
    'DnsCache',
    'IntranetConfig',
    'IgnoreSysLog',
  ],
  UpdateFunctionCode: [
    'FunctionName',
    'Handler',
    'CosBucketName',
    'CosObjectName',
    'ZipFile',
    'Namespace',
    'CosBucketRegion',
    'InstallDependency',
    'EnvId',
    'Publish',
    'Code',
    'CodeSource',
  ],
  UpdateFunctionConfiguration: [
    'FunctionName',
    'Description',
    'MemorySize',
    'Timeout',
    'Runtime',
    'Environment',
    'Namespace',
    'VpcConfig',
    'Role',
    'InstallDependency',
    'ClsLogsetId',
    'ClsTopicId',
    'Publish',
    'L5Enable',
    'Layers',
    'DeadLetterConfig',
    'PublicNetConfig',
    'CfsConfig',
    'InitTimeout',
    'ProtocolParams',
    'InstanceConcurrencyConfig',
    'DnsCache',
    'IntranetConfig',
    'IgnoreSysLog',
  ],
  GetFunction: ['FunctionName', 'Qualifier', 'Namespace', 'ShowCode'],
  GetFunctionAddress: ['FunctionName', 'Qualifier', 'Namespace'],
  DeleteFunction: ['FunctionName', 'Namespace', 'Qualifier'],
  ListTriggers: ['FunctionName', 'Namespace', 'Offset', 'Limit', 'OrderBy', 'Order', 'Filters'],
  CreateTrigger: ['FunctionName', 'TriggerName', 'Type', 'TriggerDesc', 'Namespace', 'Qualifier', 'Enable', 'CustomArgument', 'Description'],
  UpdateTrigger: ['FunctionName', 'TriggerName', 'Type', 'Enable', 'Qualifier', 'Namespace', 'TriggerDesc', 'Description', 'CustomArgument'],
  DeleteTrigger: ['FunctionName', 'TriggerName', 'Type', 'Namespace', 'TriggerDesc', 'Qualifier'],
  Invoke: ['FunctionName', 'InvocationType', 'Qualifier', 'ClientContext', 'LogType', 'Namespace', 'RoutingKey'],
  InvokeFunction: ['FunctionName', 'Qualifier', 'Event', 'LogType', 'Namespace', 'RoutingKey'],
};

export class LocalScf {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly live = new Map<FunctionRecord, Live>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private readonly background = new Set<Promise<unknown>>();
  private tick: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: LocalScfOptions) {
    mkdirSync(options.workDir, { recursive: true });
    this.scheduleTick();
  }

  /** The actions this SCF serves. */
  static readonly ACTIONS = Object.keys(KNOWN);

  async call(action: string, params: v.Params, region: string): Promise<Record<string, unknown>> {
    if (this.closed) throw scfError('InternalError', 'The local SCF is shutting down.');
    const known = KNOWN[action];
    if (known === undefined) throw scfError('InvalidAction', `The requested action \`${action}\` does not exist.`);
    v.onlyKnown(params, known);
    switch (action) {
      case 'CreateFunction':
        return this.createFunction(params, region);
      case 'UpdateFunctionCode':
        return this.updateFunctionCode(params, region);
      case 'UpdateFunctionConfiguration':
        return this.updateFunctionConfiguration(params, region);
      case 'GetFunction': {
        const f = this.find(params, region);
        v.qualifier(v.optionalString(params, 'Qualifier'), '$LATEST');
        return presentFunction(f);
      }
      case 'GetFunctionAddress': {
        const f = this.find(params, region);
        v.qualifier(v.optionalString(params, 'Qualifier'), '$LATEST');
        return { Url: `file://${path.join(this.options.workDir, `${f.functionId}.zip`)}`, CodeSha256: f.codeSha256 };
      }
      case 'DeleteFunction':
        return this.deleteFunction(params, region);
      case 'ListTriggers':
        return this.listTriggers(params, region);
      case 'CreateTrigger':
        return this.createTrigger(params, region);
      case 'UpdateTrigger':
        return this.updateTrigger(params, region);
      case 'DeleteTrigger':
        return this.deleteTrigger(params, region);
      case 'Invoke':
        return this.invokeAction(params, region, 'ClientContext', '$LATEST');
      default:
        return this.invokeAction(params, region, 'Event', '$DEFAULT');
    }
  }

  /** PIDs of every live function instance. */
  instancePids(): number[] {
    return [...this.live.values()].flatMap((l) => l.pool?.pids() ?? []);
  }

  /** Finds a CKafka trigger's topic by trigger name (any function). */
  topic(name: string): CkafkaTopic | undefined {
    for (const l of this.live.values()) {
      const topic = l.topics.get(name);
      if (topic !== undefined) return topic;
    }
    return undefined;
  }

  /** Resolves once every CKafka topic is drained and every background invocation ended. */
  async idle(): Promise<void> {
    for (;;) {
      const topics = [...this.live.values()].flatMap((l) => [...l.topics.values()]);
      await Promise.all(topics.map((t) => t.idle()));
      if (this.background.size === 0) return;
      await Promise.all([...this.background]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick !== undefined) clearTimeout(this.tick);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    await Promise.all([...this.live.values()].map((l) => this.stopLive(l)));
    await Promise.allSettled([...this.background]);
    this.live.clear();
    this.functions.clear();
    rmSync(this.options.workDir, { recursive: true, force: true });
  }

  // ---- functions -------------------------------------------------------------------------------------------

  private key(region: string, namespace: string, name: string): string {
    return `${region}/${namespace}/${name}`;
  }

  private find(params: v.Params, region: string): FunctionRecord {
    const name = v.functionName(params);
    const namespace = v.namespace(params);
    const f = this.functions.get(this.key(region, namespace, name));
    if (f === undefined) throw scfError('ResourceNotFound.Function', `The function \`${name}\` does not exist in namespace \`${namespace}\` of ${region}.`);
    return f;
  }

  private liveOf(f: FunctionRecord): Live {
    const l = this.live.get(f);
    if (l === undefined) throw new Error(`no runtime state for ${f.name}`);
    return l;
  }

  private createFunction(params: v.Params, region: string): Record<string, unknown> {
    const name = v.functionName(params);
    const namespace = v.namespace(params);
    const runtime = v.runtime(v.requiredString(params, 'Runtime', 'MissingParameter.Runtime'));
    const handler = v.requiredString(params, 'Handler', 'InvalidParameterValue.Handler');
    v.handler(handler);
    const type = v.oneOf('Type', v.optionalString(params, 'Type'), ['Event', 'HTTP'], 'Event');
    if (type !== 'Event')
      throw scfError('InvalidParameterValue.Type', 'Type `HTTP` (web functions) is not supported by the local SCF: deploy an Event function.');
    const zip = v.zipFile(params.Code, v.MAX_CREATE_ZIP_BYTES);
    checkZip(zip);
    const memorySize = v.memorySize(v.optionalInteger(params, 'MemorySize'));
    const timeout = v.timeout(v.optionalInteger(params, 'Timeout'));
    const initTimeout = v.optionalInteger(params, 'InitTimeout') ?? 65;
    const environment = v.environment(params.Environment, false) ?? [];
    const role = v.role(v.optionalString(params, 'Role'));
    const installDependency = v.oneOf('InstallDependency', v.optionalString(params, 'InstallDependency'), ['TRUE', 'FALSE'], 'FALSE');
    const publicNet = params.PublicNetConfig as { PublicNetStatus?: unknown } | undefined;
    const publicNetStatus = v.oneOf(
      'PublicNetConfig.PublicNetStatus',
      typeof publicNet?.PublicNetStatus === 'string' ? publicNet.PublicNetStatus : undefined,
      ['ENABLE', 'DISABLE'],
      'ENABLE',
    );
    const tags = Array.isArray(params.Tags)
      ? (params.Tags as { Key: string; Value: string }[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value) }))
      : [];
    const key = this.key(region, namespace, name);
    if (this.functions.has(key)) throw scfError('ResourceInUse.Function', `The function \`${name}\` already exists.`);
    const now = scfTime();
    const f: FunctionRecord = {
      region,
      namespace,
      name,
      functionId: `lam-${randomUUID().replace(/-/g, '').slice(0, 8)}`,
      runtime,
      handler,
      memorySize,
      timeout,
      initTimeout,
      role,
      description: v.optionalString(params, 'Description') ?? '',
      environment,
      installDependency,
      publicNetStatus,
      tags,
      status: 'Creating',
      statusReasons: [],
      addTime: now,
      modTime: now,
      zip,
      codeSha256: sha256(zip),
      triggers: new Map(),
    };
    this.functions.set(key, f);
    this.live.set(f, { generation: 0, pool: undefined, codeDir: undefined, topics: new Map(), urls: new Map() });
    this.activate(f, 'Creating');
    return {};
  }

  private requireUpdatable(f: FunctionRecord, code: string): void {
    if (f.status !== 'Active' && f.status !== 'UpdateFailed') {
      throw scfError(
        code,
        `The function \`${f.name}\` is ${f.status}: this operation is allowed only when it is Active (wait for Active${f.status === 'CreateFailed' ? ', or delete it and create it again' : ''}).`,
      );
    }
  }

  private updateFunctionCode(params: v.Params, region: string): Record<string, unknown> {
    const f = this.find(params, region);
    this.requireUpdatable(f, 'FailedOperation.UpdateFunctionCode');
    const handler = v.optionalString(params, 'Handler');
    if (handler !== undefined) v.handler(handler);
    const zip = params.Code !== undefined ? v.zipFile(params.Code, v.MAX_UPDATE_ZIP_BYTES) : v.zipBytes(params.ZipFile, 'ZipFile', v.MAX_UPDATE_ZIP_BYTES);
    checkZip(zip);
    if (handler !== undefined) f.handler = handler;
    f.zip = zip;
    f.codeSha256 = sha256(zip);
    f.modTime = scfTime();
    this.activate(f, 'Updating');
    return {};
  }

  private updateFunctionConfiguration(params: v.Params, region: string): Record<string, unknown> {
    const f = this.find(params, region);
    this.requireUpdatable(f, 'FailedOperation.FunctionStatusError');
    const runtime = v.optionalString(params, 'Runtime');
    if (runtime !== undefined && runtime !== f.runtime) {
      throw scfError(
        'InvalidParameterValue.Runtime',
        `Runtime cannot be changed after creation (the function has ${f.runtime}, the request asks for ${runtime}); delete and create the function to change it.`,
      );
    }
    const memorySize = params.MemorySize === undefined ? f.memorySize : v.memorySize(v.optionalInteger(params, 'MemorySize'));
    const timeout = params.Timeout === undefined ? f.timeout : v.timeout(v.optionalInteger(params, 'Timeout'));
    const environment = v.environment(params.Environment, true);
    const role = params.Role === undefined ? f.role : v.role(v.optionalString(params, 'Role'));
    const description = v.optionalString(params, 'Description');
    const publicNet = params.PublicNetConfig as { PublicNetStatus?: unknown } | undefined;
    f.memorySize = memorySize;
    f.timeout = timeout;
    if (environment !== undefined) f.environment = environment;
    f.role = role;
    if (description !== undefined) f.description = description;
    if (typeof publicNet?.PublicNetStatus === 'string')
      f.publicNetStatus = v.oneOf('PublicNetConfig.PublicNetStatus', publicNet.PublicNetStatus, ['ENABLE', 'DISABLE'], 'ENABLE');
    const initTimeout = v.optionalInteger(params, 'InitTimeout');
    if (initTimeout !== undefined) f.initTimeout = initTimeout;
    f.modTime = scfTime();
    this.activate(f, 'Updating');
    return {};
  }

  private deleteFunction(params: v.Params, region: string): Record<string, unknown> {
    const f = this.find(params, region);
    if (f.status === 'Creating' || f.status === 'Updating' || f.status === 'Deleting') {
      throw scfError('FailedOperation.FunctionStatusError', `The function \`${f.name}\` is ${f.status} and cannot be deleted now.`);
    }
    f.status = 'Deleting';
    const l = this.liveOf(f);
    this.later(this.options.activationDelayMs, async () => {
      await this.stopLive(l);
      this.live.delete(f);
      this.functions.delete(this.key(f.region, f.namespace, f.name));
    });
    return {};
  }

  /** Starts Creating/Updating: a new generation is checked (zip, handler file, export), then Active or *Failed. */
  private activate(f: FunctionRecord, status: 'Creating' | 'Updating'): void {
    f.status = status;
    f.statusReasons = [];
    const l = this.liveOf(f);
    l.generation += 1;
    const generation = l.generation;
    const started = Date.now();
    this.later(0, async () => {
      const prepared: Prepared = await this.prepare(f, generation).catch((error: unknown) => ({
        failure: { ErrorCode: 'InternalError', ErrorMessage: `preparing the code failed: ${error instanceof Error ? error.message : String(error)}` },
      }));
      const wait = this.options.activationDelayMs - (Date.now() - started);
      if (wait > 0) await this.sleep(wait);
      if (this.closed || l.generation !== generation) {
        await prepared.pool?.stop();
        return;
      }
      if (prepared.failure !== undefined) {
        await prepared.pool?.stop();
        f.status = status === 'Creating' ? 'CreateFailed' : 'UpdateFailed';
        f.statusReasons = [prepared.failure];
        return;
      }
      const old = l.pool;
      const oldDir = l.codeDir;
      l.pool = prepared.pool;
      l.codeDir = prepared.codeDir;
      f.status = 'Active';
      // Invocations already waiting for an old instance run on the old configuration, as SCF lets them finish.
      if (old !== undefined) await (l.pool?.inherit(old) ?? old.retire());
      if (oldDir !== undefined && oldDir !== l.codeDir) rmSync(oldDir, { recursive: true, force: true });
    });
  }

  private async prepare(f: FunctionRecord, generation: number): Promise<Prepared> {
    const { file, method } = v.handler(f.handler);
    const codeDir = path.join(this.options.workDir, `${f.functionId}-${String(generation)}`);
    const missing = extractPackage(f.zip, file, codeDir);
    if (missing !== undefined) return { failure: { ErrorCode: 'InvalidParameterValue.Handler', ErrorMessage: `Handler ${f.handler}: ${missing}.` } };
    writeFileSync(path.join(this.options.workDir, `${f.functionId}.zip`), f.zip);
    const pool = new InstancePool({
      runnerPath: this.options.runnerPath,
      codeDir,
      file,
      method,
      initTimeoutMs: f.initTimeout * 1000,
      maxInstances: MAX_INSTANCES_PER_FUNCTION,
      memoryMb: f.memorySize,
      environment: () => this.instanceEnvironment(f, codeDir),
    });
    const failure = await pool.check();
    if (failure !== undefined) {
      await pool.stop();
      rmSync(codeDir, { recursive: true, force: true });
      return { failure: { ErrorCode: 'FunctionInitFailed', ErrorMessage: failure.message } };
    }
    return { pool, codeDir };
  }

  /** SCF's environment of a new instance, with fresh temporary keys for the run role accepted by the local TRTC. */
  private instanceEnvironment(f: FunctionRecord, codeDir: string): Record<string, string> {
    let keys: EmulatorCredential | undefined;
    if (f.role !== undefined) {
      keys = throwawayCredential();
      this.options.trtc.addCredential(keys);
    }
    const home = path.join(this.options.workDir, 'home');
    mkdirSync(home, { recursive: true });
    return instanceEnvironment(
      f,
      { codeDir, home, appId: this.options.appId, uin: this.options.uin, trtcEndpoint: this.options.trtc.url, path: process.env.PATH ?? '/usr/bin:/bin' },
      keys,
    );
  }

  // ---- invocation ------------------------------------------------------------------------------------------

  /** Runs the function once on the current generation. */
  private async run(
    f: FunctionRecord,
    event: unknown,
    triggerSrc: string | undefined,
    requestId: string = randomUUID(),
  ): Promise<{ outcome: InvocationOutcome; requestId: string }> {
    const l = this.liveOf(f);
    const pool = l.pool;
    if (pool === undefined) throw scfError('FailedOperation.FunctionStatusError', `The function \`${f.name}\` is ${f.status}: it cannot be invoked yet.`);
    const context = invocationContext(f, requestId, this.options.appId, this.options.uin);
    const outcome = await pool.invoke(requestId, { event, context, timeoutMs: f.timeout * 1000, env: { TRIGGER_SRC: triggerSrc } });
    return { outcome, requestId };
  }

  private async invokeAction(
    params: v.Params,
    region: string,
    eventParam: 'ClientContext' | 'Event',
    qualifierDefault: string,
  ): Promise<Record<string, unknown>> {
    const f = this.find(params, region);
    v.qualifier(v.optionalString(params, 'Qualifier'), qualifierDefault);
    const invocationType =
      eventParam === 'ClientContext'
        ? v.oneOf('InvocationType', v.optionalString(params, 'InvocationType'), ['RequestResponse', 'Event'], 'RequestResponse')
        : 'RequestResponse';
    const logType = v.oneOf('LogType', v.optionalString(params, 'LogType'), ['None', 'Tail'], 'None') as 'None' | 'Tail';
    const text = v.optionalString(params, eventParam) ?? '{}';
    const limit = invocationType === 'Event' ? MAX_ASYNC_EVENT_BYTES : MAX_SYNC_EVENT_BYTES;
    if (Buffer.byteLength(text) > limit)
      throw scfError('InvalidParameterValue.' + eventParam, `${eventParam} exceeds ${String(limit)} bytes for a ${invocationType} invocation.`);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw scfError(`InvalidParameterValue.${eventParam}`, `${eventParam} must be a JSON string (the event).`);
    }
    if (f.status !== 'Active')
      throw scfError('FailedOperation.FunctionStatusError', `The function \`${f.name}\` is ${f.status}: it can be invoked once Active.`);
    if (invocationType === 'Event') {
      const requestId = randomUUID();
      this.track(this.run(f, event, undefined, requestId));
      return { Result: { Log: '', RetMsg: '', ErrMsg: '', MemUsage: 0, Duration: 0, BillDuration: 0, FunctionRequestId: requestId, InvokeResult: 0 } };
    }
    const { outcome, requestId } = await this.run(f, event, undefined);
    if (outcome.kind === 'undeliverable') throw scfError(`InvalidParameterValue.${eventParam}`, `${eventParam}: ${outcome.message}.`);
    return { Result: scfResult(outcome, requestId, f.timeout, logType) };
  }

  // ---- triggers --------------------------------------------------------------------------------------------

  private listTriggers(params: v.Params, region: string): Record<string, unknown> {
    const f = this.find(params, region);
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

  private enableFlag(params: v.Params, fallback: boolean): boolean {
    const value = v.optionalString(params, 'Enable');
    if (value === undefined) return fallback;
    return v.oneOf('Enable', value, ['OPEN', 'CLOSE'], 'OPEN') === 'OPEN';
  }

  private async createTrigger(params: v.Params, region: string): Promise<Record<string, unknown>> {
    const f = this.find(params, region);
    const type = triggerType(v.requiredString(params, 'Type'));
    const name = v.requiredString(params, 'TriggerName');
    const { topic } = triggerName(type, name);
    const desc = parseTriggerDesc(type, v.optionalString(params, 'TriggerDesc'));
    const qualifier = v.qualifier(v.optionalString(params, 'Qualifier'), '$LATEST');
    // Deliberate: timer and ckafka triggers created without Enable start closed, as the plugin's trap shows.
    const enabled = this.enableFlag(params, type === 'http');
    const customArgument = v.optionalString(params, 'CustomArgument') ?? '';
    if (customArgument !== '' && type !== 'timer') throw scfError('InvalidParameterValue.CustomArgument', 'CustomArgument is only for timer triggers.');
    if (Buffer.byteLength(customArgument) > 4096) throw scfError('InvalidParameterValue.CustomArgument', 'CustomArgument exceeds 4 KB.');
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
    const l = this.liveOf(f);
    if (desc.type === 'http' && desc.enableExtranet) {
      const url = await FunctionUrl.start(() => ({
        authType: trigger.desc.type === 'http' ? trigger.desc.authType : 'NONE',
        invoke: (event) => this.invokeForUrl(f, event),
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
          (event) => this.invokeForCkafka(f, event),
          this.options.ckafkaRetryDelayMs,
        ),
      );
    }
    f.triggers.set(name, trigger);
    return { TriggerInfo: presentTrigger(trigger) };
  }

  private triggerOf(f: FunctionRecord, params: v.Params): TriggerRecord {
    const name = v.requiredString(params, 'TriggerName');
    const type = v.requiredString(params, 'Type');
    const t = f.triggers.get(name);
    if (t === undefined || t.type !== type) throw scfError('ResourceNotFound.Trigger', `The ${type} trigger \`${name}\` does not exist on \`${f.name}\`.`);
    return t;
  }

  private updateTrigger(params: v.Params, region: string): Record<string, unknown> {
    const f = this.find(params, region);
    const t = this.triggerOf(f, params);
    if (f.status !== 'Active')
      throw scfError('FailedOperation.UpdateTrigger', `The function \`${f.name}\` is ${f.status}: triggers can be updated once it is Active.`);
    const text = v.optionalString(params, 'TriggerDesc');
    let desc: TriggerDesc = t.desc;
    if (text !== undefined) {
      desc = parseTriggerDesc(t.type, text);
      if (desc.type === 'ckafka' && t.desc.type === 'ckafka' && desc.offset !== t.desc.offset) {
        throw scfError(
          'InvalidParameterValue.TriggerDesc',
          'A ckafka trigger can change only retry, maxMsgNum and timeOut; delete and create it to change offset.',
        );
      }
      if (desc.type === 'http' && t.desc.type === 'http' && desc.enableExtranet !== t.desc.enableExtranet) {
        throw scfError(
          'InvalidParameterValue.TriggerDesc',
          "The local SCF cannot switch a Function URL's extranet address on or off; delete and create the trigger.",
        );
      }
    }
    const qualifier = params.Qualifier === undefined ? t.qualifier : v.qualifier(v.optionalString(params, 'Qualifier'), t.qualifier);
    const customArgument = v.optionalString(params, 'CustomArgument');
    t.desc = desc;
    t.enabled = this.enableFlag(params, t.enabled);
    t.qualifier = qualifier;
    if (customArgument !== undefined) t.customArgument = customArgument;
    const description = v.optionalString(params, 'Description');
    if (description !== undefined) t.description = description;
    t.modTime = scfTime();
    if (t.enabled) this.liveOf(f).topics.get(t.name)?.kick();
    return {};
  }

  private async deleteTrigger(params: v.Params, region: string): Promise<Record<string, unknown>> {
    const f = this.find(params, region);
    const t = this.triggerOf(f, params);
    const l = this.liveOf(f);
    f.triggers.delete(t.name);
    const url = l.urls.get(t.name);
    l.urls.delete(t.name);
    const topic = l.topics.get(t.name);
    l.topics.delete(t.name);
    await Promise.all([url?.close(), topic?.close()]);
    return {};
  }

  private async invokeForUrl(f: FunctionRecord, event: unknown): Promise<UrlOutcome> {
    if (!this.functions.has(this.key(f.region, f.namespace, f.name)) || this.liveOf(f).pool === undefined) {
      return { ok: false, status: 503, errorCode: 500, errorMessage: `the function ${f.name} is ${f.status}` };
    }
    const { outcome } = await this.run(f, event, undefined);
    if (outcome.kind === 'ok') return { ok: true, retMsg: outcome.retMsg };
    return { ok: false, status: outcome.kind === 'timeout' ? 504 : 502, errorCode: statusCode(outcome), errorMessage: errorMessage(outcome, f.timeout) };
  }

  private async invokeForCkafka(f: FunctionRecord, event: CkafkaEvent): Promise<{ ok: boolean; error?: string }> {
    if (this.liveOf(f).pool === undefined) return { ok: false, error: `the function is ${f.status}` };
    const { outcome } = await this.run(f, event, undefined);
    return outcome.kind === 'ok' ? { ok: true } : { ok: false, error: errorMessage(outcome, f.timeout) };
  }

  /** Fires every enabled timer trigger whose cron matches the current second. */
  private fireTimers(at: Date): void {
    for (const f of this.functions.values()) {
      if (f.status !== 'Active') continue;
      for (const t of f.triggers.values()) {
        if (t.desc.type !== 'timer' || !t.enabled || !cronMatches(t.desc.schedule, at)) continue;
        const event = { Type: 'Timer', TriggerName: t.name, Time: `${at.toISOString().slice(0, 19)}Z`, Message: t.customArgument };
        this.track(this.run(f, event, 'Timer'));
      }
    }
  }

  private scheduleTick(): void {
    if (this.closed) return;
    const now = Date.now();
    this.tick = setTimeout(
      () => {
        this.fireTimers(new Date(Math.round(Date.now() / 1000) * 1000));
        this.scheduleTick();
      },
      1000 - (now % 1000) + 1,
    );
    this.tick.unref();
  }

  // ---- housekeeping ----------------------------------------------------------------------------------------

  /** Waits `ms`, or less when the local SCF closes. */
  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.sleepers.add(wake);
    });
  }

  private later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(work());
    }, ms);
    this.timers.add(timer);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => this.options.onError(error instanceof Error ? error : new Error(String(error))))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private async stopLive(l: Live): Promise<void> {
    l.generation += 1;
    await Promise.all([...l.topics.values()].map((t) => t.close()));
    await Promise.all([...l.urls.values()].map((u) => u.close()));
    await l.pool?.stop();
    l.pool = undefined;
    l.topics.clear();
    l.urls.clear();
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkZip(zip: Buffer): void {
  try {
    readZip(zip);
  } catch (error) {
    if (error instanceof ZipError) throw scfError('InvalidParameterValue.ZipFile', `Code.ZipFile is not a standard zip file: ${error.message}.`);
    throw error;
  }
}
