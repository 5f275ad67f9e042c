/**
 * Releases: every change of $LATEST is published as a version (PublishVersion, waited for until Active) and the
 * alias the Function URL serves (its http trigger's qualifier, `$DEFAULT` unless serverless.yml names another) is
 * pointed at it (UpdateAlias, or CreateAlias when it does not exist yet). With a canary, the alias first keeps its
 * old version and sends PERCENT of the traffic to the new one (RoutingConfig.AdditionalVersionWeights), the new
 * version is checked (the health probe and the smoke request, both invoked on that version) for the bake time,
 * then promoted or rolled back: the alias is never left split by this code. Each alias write records the version
 * served before in the alias's Description, which `npm run rollback` reads.
 */
import type { DeployConfig } from './serverless-yml';
import type { AliasState, FunctionState, ScfApi } from './scf-api';
import { checkVersion } from './smoke';

export const LATEST = '$LATEST';
export const DEFAULT_ALIAS = '$DEFAULT';
const PREVIOUS = /previous version: (\d+)/;

/** A release that failed or was interrupted: the message says how it ended (promoted, rolled back, or still split). */
export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
}

/** The alias the Function URL serves (null: the URL serves $LATEST or a fixed version, so there is nothing to point). */
export function servedAlias(config: DeployConfig): string | null {
  const http = config.fn.triggers.find((t) => t.type === 'http');
  const q = http?.qualifier ?? DEFAULT_ALIAS;
  return q === LATEST || /^\d+$/.test(q) ? null : q;
}

export function aliasDescription(previous: string): string {
  return `previous version: ${previous}`;
}

/** The version the alias served before its last write by these tools, if recorded. */
export function previousVersion(alias: AliasState): string | null {
  return PREVIOUS.exec(alias.description)?.[1] ?? null;
}

export function describeAlias(a: AliasState): string {
  const extra = a.weights.map((w) => `, ${Math.round(w.weight * 100)} % to version ${w.version}`).join('');
  return `${a.name} → ${a.version === LATEST ? LATEST : `version ${a.version}`}${extra}`;
}

export interface ReleasePlan {
  readonly alias: string;
  readonly current: AliasState | null;
  /** Why a version is published, or null when the alias already serves this build. */
  readonly reason: string | null;
}

function sameConfig(a: FunctionState, b: FunctionState): boolean {
  const env = (x: FunctionState) => JSON.stringify(Object.entries(x.environment).sort(([p], [q]) => (p < q ? -1 : 1)));
  return a.handler === b.handler && a.memorySize === b.memorySize && a.timeout === b.timeout && a.role === b.role && env(a) === env(b);
}

/** Reads the alias and decides whether $LATEST must be released (read-only). */
export async function planRelease(api: ScfApi, fn: string, alias: string, latestChanges: boolean, exists: boolean): Promise<ReleasePlan> {
  if (!exists) return { alias, current: null, reason: `publish the new function as version 1 and point ${alias} at it` };
  const current = await api.getAlias(fn, alias);
  if (latestChanges) return { alias, current, reason: `publish the updated $LATEST as a new version and point ${alias} at it` };
  if (current === null) return { alias, current, reason: `${alias} does not exist: publish $LATEST and create it` };
  if (current.version === LATEST) return { alias, current, reason: `${alias} serves $LATEST: publish it as a version and point ${alias} at it` };
  if (current.weights.length > 0) return { alias, current, reason: `${describeAlias(current)} is split: publish $LATEST and point ${alias} at it alone` };
  const [served, latest, servedSha, latestSha] = await Promise.all([
    api.getFunction(fn, current.version),
    api.getFunction(fn),
    api.codeSha256(fn, current.version),
    api.codeSha256(fn),
  ]);
  if (served !== null && latest !== null && servedSha !== null && servedSha === latestSha && sameConfig(served, latest)) {
    return { alias, current, reason: null };
  }
  return { alias, current, reason: `${alias} serves version ${current.version}, which differs from $LATEST: publish $LATEST and point ${alias} at it` };
}

export interface ReleaseContext {
  readonly api: ScfApi;
  readonly fn: string;
  readonly print: (line: string) => void;
  readonly writes: string[];
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly buildSha256: string;
  readonly signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** PublishVersion, then GetFunction on the version until it is Active. */
async function publish(c: ReleaseContext): Promise<string> {
  c.print(`PublishVersion ${c.fn}`);
  const version = await c.api.publishVersion(c.fn, `build ${c.buildSha256.slice(0, 12)}`);
  c.writes.push('PublishVersion');
  const start = Date.now();
  for (;;) {
    const state = await c.api.getFunction(c.fn, version);
    if (state?.status === 'Active') break;
    if (state !== null && !['Publishing', 'Creating', 'Updating'].includes(state.status)) {
      throw new ReleaseError(`version ${version} is ${state.status}${state.statusReasons.length ? `: ${state.statusReasons.join('; ')}` : ''}`);
    }
    if (Date.now() - start > c.timeoutMs) throw new ReleaseError(`version ${version} is still ${state?.status ?? 'missing'}; check it in the SCF console`);
    await sleep(c.pollMs);
  }
  c.print(`  version ${version} Active after ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return version;
}

async function writeAlias(c: ReleaseContext, alias: AliasState, exists: boolean): Promise<void> {
  const action = exists ? 'UpdateAlias' : 'CreateAlias';
  c.print(`${action} ${describeAlias(alias)}`);
  await (exists ? c.api.updateAlias(c.fn, alias) : c.api.createAlias(c.fn, alias));
  c.writes.push(action);
}

/** A plain release: publish, then the alias serves the new version alone. Returns the alias as written. */
export async function release(c: ReleaseContext, plan: ReleasePlan): Promise<AliasState> {
  const version = await publish(c);
  // Read again: a function created by this deploy already has $DEFAULT (pointing at $LATEST).
  const existing = plan.current ?? (await c.api.getAlias(c.fn, plan.alias));
  const alias = { name: plan.alias, version, weights: [], description: aliasDescription(existing?.version ?? LATEST) };
  await writeAlias(c, alias, existing !== null);
  return alias;
}

export interface CanaryOptions {
  readonly percent: number;
  readonly bakeSeconds: number;
  /** Time between checks during the bake (default 1 s). */
  readonly checkIntervalMs?: number;
}

/** Refuses a canary that cannot be one (no published version serves the alias yet). Call before any write. */
export function canaryRefusal(plan: ReleasePlan): string | null {
  if (plan.current === null || plan.current.version === LATEST) {
    return `--canary needs ${plan.alias} to serve a published version to fall back to, and it ${plan.current === null ? 'does not exist' : 'serves $LATEST'}: deploy once without --canary`;
  }
  return null;
}

/**
 * The canary: publish, split, check for the bake time, then promote or roll back. Resolves with the alias as it
 * ends (promoted); throws ReleaseError when it rolled back (the message says which check failed, or that it was
 * interrupted) or, if even the roll-back write failed, that the alias is still split and what to run.
 */
export async function canary(c: ReleaseContext, plan: ReleasePlan, o: CanaryOptions): Promise<AliasState> {
  const current = plan.current;
  if (current === null || current.version === LATEST) throw new ReleaseError(canaryRefusal(plan) ?? 'no version to fall back to');
  const old = current.version;
  if (c.signal?.aborted) throw new ReleaseError(`interrupted before the canary started: ${plan.alias} still serves version ${old}`);
  const version = await publish(c);
  const back: AliasState = { name: plan.alias, version: old, weights: [], description: current.description };
  if (c.signal?.aborted) throw new ReleaseError(`interrupted before the canary started: ${plan.alias} still serves version ${old}`);
  const weight = o.percent / 100;
  let failure: string | null = null;
  try {
    await writeAlias(c, { name: plan.alias, version: old, weights: [{ version, weight }], description: aliasDescription(old) }, true);
    const until = Date.now() + o.bakeSeconds * 1000;
    let round = 0;
    for (;;) {
      round += 1;
      const check = await checkVersion(c.api, c.fn, version);
      if (!check.ok) {
        failure = `the ${check.failed} failed on version ${version}: ${check.detail}`;
        break;
      }
      if (c.signal?.aborted) {
        failure = 'interrupted';
        break;
      }
      if (round === 1) c.print(`canary: version ${version} passed the health probe and the smoke request; baking ${o.bakeSeconds} s`);
      const left = until - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(left, o.checkIntervalMs ?? 1000), c.signal);
      if (c.signal?.aborted) {
        failure = 'interrupted';
        break;
      }
    }
  } catch (error) {
    failure = `the canary could not go on (${error instanceof Error ? error.message : String(error)})`;
  }
  if (failure === null) {
    const promoted = { name: plan.alias, version, weights: [], description: aliasDescription(old) };
    try {
      await writeAlias(c, promoted, true);
      c.print(`canary: promoted: ${plan.alias} serves version ${version} alone`);
      return promoted;
    } catch (error) {
      failure = `promoting failed (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  try {
    await writeAlias(c, back, true);
  } catch (error) {
    throw new ReleaseError(
      `${failure}; rolling back failed too (${error instanceof Error ? error.message : String(error)}): ${plan.alias} may still be split, ` +
        `run npm run rollback -- --to ${old}`,
    );
  }
  c.print(`canary: rolled back: ${plan.alias} serves version ${old} alone again`);
  throw new ReleaseError(`canary of version ${version} rolled back (${plan.alias} serves version ${old} again): ${failure}`);
}
