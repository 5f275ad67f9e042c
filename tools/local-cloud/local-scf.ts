/**
 * The local SCF's control plane and data plane: the 2018-04-16 actions over function records (function-actions.ts),
 * triggers (trigger-actions.ts) and versions/aliases (versions.ts); the Creating/Updating/Publishing → Active state
 * machine; code packages extracted per generation or version and run by warm instance pools; every invocation
 * (by a qualifier, an alias splitting traffic by its weights) recorded to the local CLS and reported to the host.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { throwawayCredential, type EmulatorCredential, type TrtcEmulator } from '../trtc-emulator';
import { cronMatches } from '../shared/cron';
import { KNOWN } from './actions';
import { Background } from './background';
import { scfError } from './api-error';
import type { CkafkaEvent, CkafkaTopic } from './ckafka';
import type { LocalCls } from './cls';
import { extractPackage } from './code-package';
import { newFunction, updateCode, updateConfiguration } from './function-actions';
import { integrationResponse, type FunctionUrl, type UrlOutcome } from './function-url';
import { InstancePool, type InvocationOutcome } from './instances';
import { clsLines, invocationRecord, type InvocationRecord, type InvocationTrigger } from './invocation-log';
import { errorMessage, scfResult, statusCode } from './invoke-result';
import { presentFunction, versionView, type FunctionRecord } from './records';
import { instanceEnvironment, invocationContext } from './scf-environment';
import { createTrigger, deleteTrigger, listTriggers, updateTrigger, type TriggerHost } from './trigger-actions';
import * as v from './validate';
import * as ver from './versions';

export interface LocalScfOptions {
  trtc: TrtcEmulator;
  cls: LocalCls;
  /** Where code packages are extracted (one directory per function generation or version). */
  workDir: string;
  runnerPath: string;
  appId: string;
  uin: string;
  activationDelayMs: number;
  ckafkaRetryDelayMs: number;
  /** A background failure of the local SCF itself (never a function's own error). */
  onError: (error: Error) => void;
  /** Each finished invocation, as it happens. */
  onInvocation?: (record: InvocationRecord) => void;
}

/** A generation or version ready to serve (pool + extracted code), or why it cannot. */
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
  /** Published versions' pools, prepared at PublishVersion and again on demand after being pruned. */
  versions: Map<string, Promise<Prepared>>;
  topics: Map<string, CkafkaTopic>;
  urls: Map<string, FunctionUrl>;
}

/** Concurrency of one function on the local SCF (a real account allows far more; one machine does not). */
const MAX_INSTANCES_PER_FUNCTION = 4;
const MAX_SYNC_EVENT_BYTES = 6 * 1024 * 1024;
const MAX_ASYNC_EVENT_BYTES = 128 * 1024;

export class LocalScf implements TriggerHost {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly live = new Map<FunctionRecord, Live>();
  private readonly background: Background;
  private tick: NodeJS.Timeout | undefined;
  private closed = false;
  /** Test faults: function name → how many of its next creates end CreateFailed. */
  private readonly createFaults = new Map<string, number>();
  private dirs = 0;
  /** Every version pool that started (a stopped one reports no PIDs). */
  private readonly readyVersionPools = new Set<InstancePool>();

  constructor(private readonly options: LocalScfOptions) {
    mkdirSync(options.workDir, { recursive: true });
    this.background = new Background(options.onError);
    this.scheduleTick();
  }

  /** The actions this SCF serves. */
  static readonly ACTIONS = Object.keys(KNOWN);

  get ckafkaRetryDelayMs(): number {
    return this.options.ckafkaRetryDelayMs;
  }

  async call(action: string, params: v.Params, region: string): Promise<Record<string, unknown>> {
    if (this.closed) throw scfError('InternalError', 'The local SCF is shutting down.');
    const known = KNOWN[action];
    if (known === undefined) throw scfError('InvalidAction', `The requested action \`${action}\` does not exist.`);
    v.onlyKnown(params, known);
    if (action === 'CreateFunction') return this.createFunction(params, region);
    const f = this.find(params, region);
    const qualifier = (fallback: string): string => ver.checkQualifier(f, v.optionalString(params, 'Qualifier') ?? fallback);
    switch (action) {
      case 'UpdateFunctionCode':
        updateCode(f, params);
        return this.activate(f, 'Updating');
      case 'UpdateFunctionConfiguration':
        updateConfiguration(f, params);
        return this.activate(f, 'Updating');
      case 'GetFunction':
        return presentFunction(f, ver.versionOf(f, qualifier(ver.LATEST)));
      case 'GetFunctionAddress': {
        const shown = versionView(f, ver.versionOf(f, qualifier(ver.LATEST)));
        return { Url: `file://${path.join(this.options.workDir, `${f.functionId}.zip`)}`, CodeSha256: shown.codeSha256 };
      }
      case 'DeleteFunction':
        return this.deleteFunction(f, v.optionalString(params, 'Qualifier'));
      case 'ListTriggers':
        return listTriggers(f, params);
      case 'CreateTrigger':
        return createTrigger(this, f, params);
      case 'UpdateTrigger':
        return updateTrigger(this, f, params);
      case 'DeleteTrigger':
        return deleteTrigger(this, f, params);
      case 'PublishVersion':
        return this.publishVersion(f, v.optionalString(params, 'Description') ?? '');
      case 'ListVersionByFunction':
        return ver.listVersions(f, params);
      case 'CreateAlias':
        ver.createAlias(f, params);
        return this.pruned(f);
      case 'UpdateAlias':
        ver.updateAlias(f, params);
        return this.pruned(f);
      case 'GetAlias':
        return ver.presentAlias(ver.aliasOf(f, params));
      case 'ListAliases':
        return ver.listAliases(f, params);
      case 'DeleteAlias':
        ver.deleteAlias(f, params);
        return this.pruned(f);
      case 'Invoke':
        return this.invokeAction(f, params, 'ClientContext', qualifier(ver.LATEST));
      default:
        return this.invokeAction(f, params, 'Event', qualifier(ver.DEFAULT_ALIAS));
    }
  }

  /** A test fault: the next `times` CreateFunction of `name` end CreateFailed (InternalError), as a platform fault would. */
  failNextCreate(name: string, times = 1): void {
    this.createFaults.set(name, (this.createFaults.get(name) ?? 0) + times);
  }

  /** PIDs of every live function instance. */
  instancePids(): number[] {
    return [...this.live.values()].flatMap((l) => l.pool?.pids() ?? []).concat(this.versionPools().flatMap((p) => p.pids()));
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
      await this.background.settled();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.tick !== undefined) clearTimeout(this.tick);
    this.background.close();
    await Promise.all([...this.live.values()].map((l) => this.stopLive(l)));
    await this.background.settled();
    this.live.clear();
    this.functions.clear();
    rmSync(this.options.workDir, { recursive: true, force: true });
  }

  // ---- functions and versions ------------------------------------------------------------------------------

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

  liveOf(f: FunctionRecord): Live {
    const l = this.live.get(f);
    if (l === undefined) throw new Error(`no runtime state for ${f.name}`);
    return l;
  }

  private createFunction(params: v.Params, region: string): Record<string, unknown> {
    const topic = this.options.cls.topicFor(region);
    const f = newFunction(params, region, topic);
    const key = this.key(region, f.namespace, f.name);
    if (this.functions.has(key)) throw scfError('ResourceInUse.Function', `The function \`${f.name}\` already exists.`);
    this.functions.set(key, f);
    this.live.set(f, { generation: 0, pool: undefined, codeDir: undefined, versions: new Map(), topics: new Map(), urls: new Map() });
    return this.activate(f, 'Creating');
  }

  /** DeleteFunction: the whole function (its versions, aliases and triggers with it), or one version given as Qualifier. */
  private deleteFunction(f: FunctionRecord, qualifier: string | undefined): Record<string, unknown> {
    if (f.status === 'Creating' || f.status === 'Updating' || f.status === 'Deleting') {
      throw scfError('FailedOperation.FunctionStatusError', `The function \`${f.name}\` is ${f.status} and cannot be deleted now.`);
    }
    const l = this.liveOf(f);
    if (qualifier !== undefined && qualifier !== ver.LATEST) {
      if (!f.versions.has(qualifier)) throw scfError('ResourceNotFound.Version', `The version \`${qualifier}\` of \`${f.name}\` does not exist.`);
      if (ver.servedVersions(f).has(qualifier)) throw scfError('ResourceInUse.Version', `The version \`${qualifier}\` is routed to by an alias.`);
      f.versions.delete(qualifier);
      return this.pruned(f);
    }
    f.status = 'Deleting';
    this.background.later(this.options.activationDelayMs, async () => {
      await this.stopLive(l);
      this.live.delete(f);
      this.functions.delete(this.key(f.region, f.namespace, f.name));
    });
    return {};
  }

  /** Starts Creating/Updating: a new generation is checked (zip, handler file, export), then Active or *Failed. */
  private activate(f: FunctionRecord, status: 'Creating' | 'Updating'): Record<string, unknown> {
    f.status = status;
    f.statusReasons = [];
    const l = this.liveOf(f);
    l.generation += 1;
    const generation = l.generation;
    const faults = status === 'Creating' ? (this.createFaults.get(f.name) ?? 0) : 0;
    if (faults > 0) this.createFaults.set(f.name, faults - 1);
    const injected: Prepared = { failure: { ErrorCode: 'InternalError', ErrorMessage: 'the platform failed to create the function (injected fault).' } };
    const prepared = faults > 0 ? Promise.resolve(injected) : this.prepare(f, ver.LATEST);
    this.afterDelay(prepared, async (p) => {
      if (l.generation !== generation) {
        await p.pool?.stop();
        return;
      }
      if (p.failure !== undefined) {
        await p.pool?.stop();
        f.status = status === 'Creating' ? 'CreateFailed' : 'UpdateFailed';
        f.statusReasons = [p.failure];
        return;
      }
      const old = l.pool;
      const oldDir = l.codeDir;
      l.pool = p.pool;
      l.codeDir = p.codeDir;
      f.status = 'Active';
      // Invocations already waiting for an old instance run on the old configuration, as SCF lets them finish.
      if (old !== undefined) await (l.pool?.inherit(old) ?? old.retire());
      if (oldDir !== undefined && oldDir !== l.codeDir) rmSync(oldDir, { recursive: true, force: true });
    });
    return {};
  }

  /** PublishVersion: $LATEST frozen as the next number, Publishing until its code is checked, then Active. */
  private publishVersion(f: FunctionRecord, description: string): Record<string, unknown> {
    const r = ver.freezeVersion(f, description);
    const prepared = this.prepare(versionView(f, r), r.version);
    this.liveOf(f).versions.set(r.version, prepared);
    this.afterDelay(prepared, async (p) => {
      r.status = p.failure === undefined ? 'Active' : 'PublishFailed';
      r.statusReasons = p.failure === undefined ? [] : [p.failure];
    });
    return ver.presentPublished(f, r);
  }

  /** Runs `then` once `prepared` settles and the activation delay has passed (skipped when the SCF closes). */
  private afterDelay(prepared: Promise<Prepared>, then: (p: Prepared) => Promise<void>): void {
    const started = Date.now();
    this.background.later(0, async () => {
      const p = await prepared;
      const wait = this.options.activationDelayMs - (Date.now() - started);
      if (wait > 0) await this.background.sleep(wait);
      if (this.closed) {
        await p.pool?.stop();
        return;
      }
      await then(p);
    });
  }

  /** Stops the pools of versions no alias routes to any more (they start again if invoked by number). */
  private pruned(f: FunctionRecord): Record<string, unknown> {
    const l = this.liveOf(f);
    const served = ver.servedVersions(f);
    for (const [version, prepared] of l.versions) {
      if (served.has(version) || version === String(f.lastVersion)) continue;
      l.versions.delete(version);
      this.background.track(prepared.then((p) => p.pool?.retire()));
    }
    return {};
  }

  private versionPools(): InstancePool[] {
    return [...this.readyVersionPools];
  }

  private prepare(view: FunctionRecord, version: string): Promise<Prepared> {
    return this.extractAndCheck(view, version).catch((error: unknown) => ({
      failure: { ErrorCode: 'InternalError', ErrorMessage: `preparing the code failed: ${error instanceof Error ? error.message : String(error)}` },
    }));
  }

  private async extractAndCheck(view: FunctionRecord, version: string): Promise<Prepared> {
    const { file, method } = v.handler(view.handler);
    this.dirs += 1;
    const codeDir = path.join(this.options.workDir, `${view.functionId}-${version === ver.LATEST ? 'latest' : `v${version}`}-${String(this.dirs)}`);
    const missing = extractPackage(view.zip, file, codeDir);
    if (missing !== undefined) return { failure: { ErrorCode: 'InvalidParameterValue.Handler', ErrorMessage: `Handler ${view.handler}: ${missing}.` } };
    if (version === ver.LATEST) writeFileSync(path.join(this.options.workDir, `${view.functionId}.zip`), view.zip);
    const pool = new InstancePool({
      runnerPath: this.options.runnerPath,
      codeDir,
      file,
      method,
      initTimeoutMs: view.initTimeout * 1000,
      maxInstances: MAX_INSTANCES_PER_FUNCTION,
      memoryMb: view.memorySize,
      environment: () => this.instanceEnvironment(view, codeDir, version),
    });
    const failure = await pool.check();
    if (failure !== undefined) {
      await pool.stop();
      rmSync(codeDir, { recursive: true, force: true });
      return { failure: { ErrorCode: 'FunctionInitFailed', ErrorMessage: failure.message } };
    }
    if (version !== ver.LATEST) this.readyVersionPools.add(pool);
    return { pool, codeDir };
  }

  /** SCF's environment of a new instance, with fresh temporary keys for the run role accepted by the local TRTC. */
  private instanceEnvironment(f: FunctionRecord, codeDir: string, version: string): Record<string, string> {
    let keys: EmulatorCredential | undefined;
    if (f.role !== undefined) {
      keys = throwawayCredential();
      this.options.trtc.addCredential(keys);
    }
    const home = path.join(this.options.workDir, 'home');
    mkdirSync(home, { recursive: true });
    const setting = { codeDir, home, appId: this.options.appId, uin: this.options.uin, trtcEndpoint: this.options.trtc.url, path: process.env.PATH ?? '' };
    return instanceEnvironment(f, { ...setting, path: setting.path || '/usr/bin:/bin' }, keys, version);
  }

  // ---- invocation ------------------------------------------------------------------------------------------

  /** The pool that runs `version` ($LATEST: the current generation). */
  private async poolOf(f: FunctionRecord, version: string): Promise<InstancePool> {
    const l = this.liveOf(f);
    if (version === ver.LATEST) {
      if (l.pool === undefined) throw scfError('FailedOperation.FunctionStatusError', `The function \`${f.name}\` is ${f.status}: it cannot be invoked yet.`);
      return l.pool;
    }
    const r = f.versions.get(version);
    if (r === undefined) throw scfError('ResourceNotFound.Version', `The version \`${version}\` of \`${f.name}\` does not exist.`);
    if (r.status !== 'Active')
      throw scfError('FailedOperation.FunctionStatusError', `Version ${version} of \`${f.name}\` is ${r.status}: it cannot be invoked.`);
    let prepared = l.versions.get(version);
    if (prepared === undefined) {
      prepared = this.prepare(versionView(f, r), version);
      l.versions.set(version, prepared);
    }
    const p = await prepared;
    if (p.pool === undefined) throw scfError('FailedOperation.FunctionStatusError', `Version ${version} cannot run: ${p.failure?.ErrorMessage ?? 'unknown'}`);
    return p.pool;
  }

  /** Runs the function once on the version `qualifier` resolves to, and records the invocation. */
  private async run(
    f: FunctionRecord,
    event: unknown,
    trigger: InvocationTrigger,
    qualifier: string,
    requestId: string = randomUUID(),
    status?: (outcome: InvocationOutcome, timeout: number) => string,
  ): Promise<{ outcome: InvocationOutcome; requestId: string; timeout: number }> {
    const { version, alias } = ver.resolve(f, qualifier, Math.random());
    const view = versionView(f, version === ver.LATEST ? undefined : f.versions.get(version));
    const pool = await this.poolOf(f, version);
    const context = invocationContext(view, requestId, this.options.appId, this.options.uin, version);
    const startedAt = Date.now();
    const triggerSrc = trigger === 'timer' ? 'Timer' : undefined;
    const outcome = await pool.invoke(requestId, { event, context, timeoutMs: view.timeout * 1000, env: { TRIGGER_SRC: triggerSrc } });
    const base = { function: f.name, namespace: f.namespace, region: f.region, trigger, qualifier, version, requestId, startedAt, ...(alias ? { alias } : {}) };
    const record = invocationRecord(base, outcome, view.timeout, status?.(outcome, view.timeout));
    this.options.cls.write(f.clsTopicId, clsLines(record));
    this.options.onInvocation?.(record);
    return { outcome, requestId, timeout: view.timeout };
  }

  private async invokeAction(f: FunctionRecord, params: v.Params, eventParam: 'ClientContext' | 'Event', qualifier: string): Promise<Record<string, unknown>> {
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
      this.background.track(this.run(f, event, 'invoke', qualifier, requestId));
      return { Result: { Log: '', RetMsg: '', ErrMsg: '', MemUsage: 0, Duration: 0, BillDuration: 0, FunctionRequestId: requestId, InvokeResult: 0 } };
    }
    const { outcome, requestId, timeout } = await this.run(f, event, 'invoke', qualifier);
    if (outcome.kind === 'undeliverable') throw scfError(`InvalidParameterValue.${eventParam}`, `${eventParam}: ${outcome.message}.`);
    return { Result: scfResult(outcome, requestId, timeout, logType) };
  }

  async invokeForUrl(f: FunctionRecord, qualifier: string, event: unknown): Promise<UrlOutcome> {
    if (!this.functions.has(this.key(f.region, f.namespace, f.name)) || this.liveOf(f).pool === undefined) {
      return { ok: false, status: 503, errorCode: 500, errorMessage: `the function ${f.name} is ${f.status}` };
    }
    const urlOutcome = (outcome: InvocationOutcome, timeout: number): UrlOutcome =>
      outcome.kind === 'ok'
        ? { ok: true, retMsg: outcome.retMsg }
        : { ok: false, status: outcome.kind === 'timeout' ? 504 : 502, errorCode: statusCode(outcome), errorMessage: errorMessage(outcome, timeout) };
    const { outcome, timeout } = await this.run(f, event, 'url', qualifier, randomUUID(), (o, t) => String(integrationResponse(urlOutcome(o, t)).status));
    return urlOutcome(outcome, timeout);
  }

  async invokeForCkafka(f: FunctionRecord, qualifier: string, event: CkafkaEvent): Promise<{ ok: boolean; error?: string }> {
    if (this.liveOf(f).pool === undefined) return { ok: false, error: `the function is ${f.status}` };
    const { outcome, timeout } = await this.run(f, event, 'ckafka', qualifier);
    return outcome.kind === 'ok' ? { ok: true } : { ok: false, error: errorMessage(outcome, timeout) };
  }

  /** Fires every enabled timer trigger whose cron matches the current second. */
  private fireTimers(at: Date): void {
    for (const f of this.functions.values()) {
      if (f.status !== 'Active') continue;
      for (const t of f.triggers.values()) {
        if (t.desc.type !== 'timer' || !t.enabled || !cronMatches(t.desc.schedule, at)) continue;
        const event = { Type: 'Timer', TriggerName: t.name, Time: `${at.toISOString().slice(0, 19)}Z`, Message: t.customArgument };
        this.background.track(this.run(f, event, 'timer', t.qualifier));
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

  private async stopLive(l: Live): Promise<void> {
    l.generation += 1;
    await Promise.all([...l.topics.values()].map((t) => t.close()));
    await Promise.all([...l.urls.values()].map((u) => u.close()));
    await l.pool?.stop();
    await Promise.all([...l.versions.values()].map(async (p) => (await p).pool?.stop()));
    l.pool = undefined;
    l.versions.clear();
    l.topics.clear();
    l.urls.clear();
  }
}
