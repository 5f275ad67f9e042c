/**
 * The deploy: reads serverless.yml, builds the artefact, plans against what SCF reports, executes the plan,
 * waits for Active after every write, reads the Function URL back and smoke-checks it. Dev-time only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildArtifact } from './artifact';
import { parseDeployConfig, type DeployConfig } from './serverless-yml';
import { extranetUrl, functionSpec, planDeploy, PlanError, type Step } from './plan';
import { canary, canaryRefusal, planRelease, release, ReleaseError, servedAlias, type CanaryOptions, type ReleasePlan } from './release';
import { ScfApiError, SdkScfApi, isNotFound, type AliasState, type FunctionSpec, type ScfApi, type TriggerState } from './scf-api';
import { smokeCheck, type SmokeReport } from './smoke';

export interface DeployOptions {
  root: string;
  stage?: string;
  dryRun?: boolean;
  yes?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  print: (line: string) => void;
  pollIntervalMs?: number;
  waitTimeoutMs?: number;
  smoke?: boolean;
  /** serverless.yml path, relative to root (default serverless.yml). */
  config?: string;
  /** Asked before a destructive step (deleting a function or trigger) unless `yes`; without it such a plan is refused. */
  confirm?: (question: string) => Promise<boolean>;
  /** Release the new version as a canary: PERCENT of the alias's traffic, checked for the bake time, then promoted or rolled back. */
  canary?: CanaryOptions;
  /** Aborted (SIGINT/SIGTERM): a canary rolls back; no further write starts. */
  signal?: AbortSignal;
}

export interface DeployResult {
  function: string;
  namespace: string;
  region: string;
  writes: string[];
  url: string | null;
  plan: readonly { action: string; reason: string }[];
  smoke?: SmokeReport;
  /** The version the alias serves now (null: the URL serves $LATEST, no alias is managed). */
  version: string | null;
  alias: AliasState | null;
}

/** A failed deploy: the message says what failed and what to do. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
}

const DEFAULT_POLL_MS = 1000;
const DEFAULT_WAIT_MS = 5 * 60_000;
const TRANSITIONAL = new Set(['Creating', 'Updating', 'Publishing', 'Deleting']);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Waiter {
  readonly api: ScfApi;
  readonly name: string;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly print: (line: string) => void;
}

/** The function settled in a state other than Active (CreateFailed, UpdateFailed, …). */
class SettledError extends DeployError {
  constructor(
    readonly status: string,
    readonly why: string,
    message: string,
  ) {
    super(message);
  }
}

/** Polls GetFunction until Active (or, `gone`, until the function no longer exists), bounded by timeoutMs. */
async function waitFor(w: Waiter, target: 'Active' | 'gone'): Promise<void> {
  const start = Date.now();
  for (;;) {
    const fn = await w.api.getFunction(w.name);
    const elapsed = Date.now() - start;
    if (target === 'gone' ? fn === null : fn?.status === 'Active') {
      w.print(`  ${target === 'gone' ? 'deleted' : 'Active'} after ${seconds(elapsed)}`);
      return;
    }
    if (fn === null) throw new DeployError(`${w.name} disappeared while waiting for Active: another deploy may be deleting it; run the deploy again`);
    if (target === 'Active' && !TRANSITIONAL.has(fn.status)) {
      const why = fn.statusReasons.join('; ');
      throw new SettledError(fn.status, why, `${w.name} is ${fn.status}${why ? `: ${why}` : ''}; fix the cause and run the deploy again`);
    }
    if (elapsed >= w.timeoutMs) {
      throw new DeployError(`${w.name} is still ${fn.status} after ${seconds(elapsed)}; check it in the SCF console and run the deploy again`);
    }
    await sleep(w.pollMs);
  }
}

/** Turns an SCF API error into what the user should do about it. */
export function explain(step: string, error: unknown, config: DeployConfig): DeployError {
  if (error instanceof DeployError) return error;
  if (!(error instanceof ScfApiError)) return new DeployError(`${step} failed: ${error instanceof Error ? error.message : String(error)}`);
  const code = error.code ?? 'no error code';
  // SCF's messages end with a full stop; the advice that follows adds its own.
  const said = `${error.action} answered ${code}: ${error.message.slice(0, 300).replace(/[.\s]+$/, '')}`;
  if (error.transport === 'unreadable') {
    return new DeployError(
      `${step} failed: the SCF API's answer was unreadable (${error.message.slice(0, 200)}); nothing was concluded from it: ` +
        'check SCF_ENDPOINT (another service or a proxy may be answering) and run the deploy again',
    );
  }
  if (error.code === undefined) {
    return new DeployError(
      `${step} failed: cannot reach the SCF API (${error.message.slice(0, 200)}); check the network or SCF_ENDPOINT and run the deploy again`,
    );
  }
  if (/Role/i.test(code)) {
    return new DeployError(
      `${said}. Create the run role "${config.fn.role}" in CAM (role carrier scf.qcloud.com, policy allowing trtc:CreateTroubleInfo; ` +
        `see docs/deploying.md, "The run role"), or set provider.role to an existing one, then deploy again`,
    );
  }
  if (code.startsWith('AuthFailure')) {
    return new DeployError(
      `${said}. The deploying keys were refused: check TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (and the session token of temporary keys)`,
    );
  }
  if (code.startsWith('UnauthorizedOperation')) {
    return new DeployError(
      `${said}. The deploying identity lacks permission for ${error.action}: attach the deploy policy in docs/deploying.md, "The deploying identity"`,
    );
  }
  return new DeployError(`${step} failed. ${said}.`);
}

/**
 * CreateFunction, then waits for Active. A create that ends CreateFailed is deleted and created again once, in
 * the same run (SCF cannot update such a function); a second failure stops the deploy with its reason.
 */
async function createActive(w: Waiter, spec: FunctionSpec, zip64: string, writes: string[]): Promise<void> {
  await w.api.createFunction(spec, zip64);
  writes.push('CreateFunction');
  try {
    await waitFor(w, 'Active');
    return;
  } catch (error) {
    if (!(error instanceof SettledError) || error.status !== 'CreateFailed') throw error;
    w.print(`  ${w.name} ended CreateFailed${error.why ? ` (${error.why})` : ''}: deleting it and creating it again`);
  }
  await w.api.deleteFunction(w.name);
  writes.push('DeleteFunction');
  await waitFor(w, 'gone');
  await w.api.createFunction(spec, zip64);
  writes.push('CreateFunction');
  await waitFor(w, 'Active');
  w.print(`  re-created ${w.name}`);
}

/** Why the smoke check must not send an unsigned GET to the Function URL, if it must not. */
function urlSkipReason(config: DeployConfig): string | undefined {
  const http = config.fn.triggers.find((t) => t.type === 'http');
  if (http === undefined) return undefined;
  if (!http.enable) return 'it is disabled (enable: false), so it answers no request';
  if (http.authType === 'CAM') return 'its authType is CAM: only a signed request reaches the function, and the smoke check does not sign';
  return undefined;
}

function urlOf(triggers: readonly TriggerState[], config: DeployConfig): string | null {
  const wanted = config.fn.triggers.find((t) => t.type === 'http');
  const t = triggers.find((x) => x.type === 'http' && (wanted === undefined || x.name === wanted.name));
  return t ? extranetUrl(t.desc) : null;
}

/** Local problems (the build, the configuration, the keys) surface as DeployError, their message kept. */
function asDeployError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new DeployError(error instanceof Error ? error.message : String(error));
  }
}

export function loadConfig(options: Pick<DeployOptions, 'root' | 'config' | 'env' | 'stage'>): DeployConfig {
  const file = path.resolve(options.root, options.config ?? 'serverless.yml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DeployError(`cannot read ${path.relative(options.root, file) || file}: give the configuration with --config`);
  }
  const parsed = parseDeployConfig(text, { env: options.env, ...(options.stage !== undefined ? { stage: options.stage } : {}) });
  if (!parsed.ok) throw new DeployError(`${path.basename(file)} is not deployable:\n  ${parsed.errors.join('\n  ')}`);
  return parsed.config;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const print = options.print;
  const config = loadConfig(options);
  const fn = config.fn;
  const artifact = asDeployError(() => buildArtifact(options.root, fn.codeDir, fn.handler));
  const api: ScfApi = asDeployError(() => new SdkScfApi(config.namespace, config.region, options.env));
  const w: Waiter = {
    api,
    name: fn.name,
    pollMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
    timeoutMs: options.waitTimeoutMs ?? DEFAULT_WAIT_MS,
    print,
  };
  print(
    `${fn.name} (namespace ${config.namespace}, region ${config.region}): code ${artifact.sha256.slice(0, 12)}… ` +
      `(${artifact.files.map((f) => f.entry).join(', ')}, ${(artifact.zip.length / 1024).toFixed(1)} KiB zipped)`,
  );

  const writes: string[] = [];
  let releasePlan: ReleasePlan | null = null;
  let steps: Step[];
  let triggers: TriggerState[] = [];
  try {
    let state = await api.getFunction(fn.name);
    if (state && TRANSITIONAL.has(state.status)) {
      print(`${fn.name} is ${state.status}: waiting for it to settle`);
      await waitFor(w, 'Active');
      state = await api.getFunction(fn.name);
    }
    const usable = state !== null && state.status !== 'CreateFailed';
    const codeSha256 = usable ? await api.codeSha256(fn.name) : null;
    triggers = usable ? await api.listTriggers(fn.name) : [];
    steps = planDeploy(fn, artifact.sha256, { fn: state, codeSha256, triggers });
    const alias = servedAlias(config);
    const latestChanges = steps.some((s) => ['CreateFunction', 'UpdateFunctionCode', 'UpdateFunctionConfiguration'].includes(s.action));
    if (alias !== null) releasePlan = await planRelease(api, fn.name, alias, latestChanges, usable);
  } catch (error) {
    if (error instanceof PlanError) throw new DeployError(error.message);
    throw explain('reading the function', error, config);
  }
  const releasing = releasePlan !== null && releasePlan.reason !== null;
  if (options.canary !== undefined) {
    if (releasePlan === null) throw new DeployError('--canary needs the Function URL to serve an alias ($DEFAULT or one serverless.yml names), not $LATEST');
    const refusal = releasing ? canaryRefusal(releasePlan) : null;
    if (refusal !== null) throw new DeployError(`${refusal}. Nothing was written`);
  }
  const plan: { action: string; reason: string }[] = steps
    .filter((s) => !(releasing && s.action === 'nothing'))
    .map((s) => ({ action: s.action, reason: s.reason }));
  if (releasing && releasePlan !== null) {
    const at = plan.findIndex((s) => s.action.endsWith('Trigger') || s.action === 'keep');
    const how = options.canary
      ? ` as a canary: ${options.canary.percent} % of its traffic for ${options.canary.bakeSeconds} s, then promoted or rolled back`
      : '';
    plan.splice(at < 0 ? plan.length : at, 0, { action: 'PublishVersion', reason: `${releasePlan.reason ?? ''}${how}` });
  }
  for (const s of plan) print(`plan: ${s.action}: ${s.reason}`);
  let served: AliasState | null = releasePlan?.current ?? null;
  const result = (url: string | null): DeployResult => ({
    function: fn.name,
    namespace: config.namespace,
    region: config.region,
    writes,
    url,
    plan,
    version: served === null ? null : served.version,
    alias: served,
  });
  const releaseNow = async (): Promise<void> => {
    if (!releasing || releasePlan === null) return;
    const c = {
      api,
      fn: fn.name,
      print,
      writes,
      pollMs: w.pollMs,
      timeoutMs: w.timeoutMs,
      buildSha256: artifact.sha256,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    try {
      served = options.canary ? await canary(c, releasePlan, options.canary) : await release(c, releasePlan);
    } catch (error) {
      if (error instanceof ReleaseError) throw new DeployError(error.message);
      throw explain(`releasing a version${writes.length ? ` (done before it: ${writes.join(', ')})` : ''}`, error, config);
    }
  };
  let released = false;
  if (options.dryRun) {
    print('dry run: nothing written');
    return result(urlOf(triggers, config));
  }

  const destructive = steps.filter((s) => 'destructive' in s);
  if (destructive.length > 0 && !options.yes) {
    const question = `the plan deletes: ${destructive.map((s) => s.reason).join('; ')}. Go ahead?`;
    const ok = options.confirm ? await options.confirm(question) : false;
    if (!ok) throw new DeployError(`${question.replace(/ Go ahead\?$/, '')} Nothing was written; run again with --yes to allow it`);
  }

  const spec = functionSpec(fn);
  const zip64 = artifact.zip.toString('base64');
  for (const step of steps) {
    if (step.action === 'nothing' || step.action === 'keep') continue;
    if (options.signal?.aborted) throw new DeployError(`interrupted${writes.length ? ` after ${writes.join(', ')}` : ' before any write'}`);
    if ('trigger' in step && !released) {
      released = true;
      await releaseNow();
    }
    print(`${step.action}${'trigger' in step ? ` ${step.trigger.type} ${step.trigger.name}` : ` ${fn.name}`}`);
    try {
      switch (step.action) {
        case 'DeleteFunction':
          await api.deleteFunction(fn.name);
          writes.push(step.action);
          await waitFor(w, 'gone');
          continue;
        case 'CreateFunction':
          await createActive(w, spec, zip64, writes);
          continue;
        case 'UpdateFunctionCode':
          await api.updateFunctionCode(fn.name, fn.handler, zip64);
          break;
        case 'UpdateFunctionConfiguration':
          await api.updateFunctionConfiguration(spec);
          break;
        case 'CreateTrigger':
          await api.createTrigger(fn.name, step.trigger);
          break;
        case 'UpdateTrigger':
          await api.updateTrigger(fn.name, step.trigger);
          break;
        case 'DeleteTrigger':
          await api.deleteTrigger(fn.name, step.trigger);
          break;
      }
      writes.push(step.action);
      await waitFor(w, 'Active');
    } catch (error) {
      if (isNotFound(error) && step.action === 'DeleteFunction') continue;
      const done = writes.length ? ` (done before it: ${writes.join(', ')})` : '';
      throw explain(`${step.action}${done}`, error, config);
    }
  }

  if (!released) await releaseNow();
  if (options.canary !== undefined && !releasing && releasePlan !== null) print(`canary: nothing to release: ${releasePlan.alias} already serves this build`);
  let url: string | null;
  try {
    url = urlOf(writes.length ? await api.listTriggers(fn.name) : triggers, config);
  } catch (error) {
    throw explain('reading the triggers back', error, config);
  }
  if (fn.triggers.some((t) => t.type === 'http')) {
    print(url ? `Function URL: ${url}` : 'Function URL: SCF reported no NetConfig.ExtranetUrl for the http trigger; see the console (函数URL)');
  }
  const out = result(url);
  if (options.smoke !== false) {
    const skipUrl = urlSkipReason(config);
    out.smoke = await smokeCheck(api, fn.name, url, print, {
      ...(skipUrl !== undefined ? { skipUrl } : {}),
      ...(served?.version !== undefined ? { qualifier: served.version } : {}),
    });
  }
  return out;
}
