/**
 * Versions and aliases of a local function (pure over the records): PublishVersion freezes $LATEST as the next
 * number; an alias names a main version and at most one additional version with a weight
 * (RoutingConfig.AdditionalVersionWeights); `$DEFAULT` exists from creation (pointing at $LATEST) and cannot be
 * created or deleted. `resolve` picks the version an invocation of a qualifier runs, by the alias's weights.
 */
import { scfError } from './api-error';
import { scfTime, type AliasRecord, type FunctionRecord, type VersionRecord } from './records';
import * as v from './validate';

export const LATEST = '$LATEST';
export const DEFAULT_ALIAS = '$DEFAULT';
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function defaultAlias(now: string): AliasRecord {
  return { name: DEFAULT_ALIAS, version: LATEST, weights: [], description: '', addTime: now, modTime: now };
}

/** A new version record frozen from $LATEST (status Publishing until its code is checked). */
export function freezeVersion(f: FunctionRecord, description: string): VersionRecord {
  if (f.status !== 'Active') {
    throw scfError('FailedOperation.PublishVersion', `The function \`${f.name}\` is ${f.status}: a version can be published once it is Active.`);
  }
  f.lastVersion += 1;
  const now = scfTime();
  const record: VersionRecord = {
    version: String(f.lastVersion),
    description,
    addTime: now,
    modTime: now,
    status: 'Publishing',
    statusReasons: [],
    handler: f.handler,
    memorySize: f.memorySize,
    timeout: f.timeout,
    initTimeout: f.initTimeout,
    role: f.role,
    environment: f.environment.map((e) => ({ ...e })),
    zip: f.zip,
    codeSha256: f.codeSha256,
  };
  f.versions.set(record.version, record);
  return record;
}

export function presentPublished(f: FunctionRecord, r: VersionRecord): Record<string, unknown> {
  return {
    FunctionVersion: r.version,
    CodeSize: r.zip.length,
    MemorySize: r.memorySize,
    Description: r.description,
    Handler: r.handler,
    Timeout: r.timeout,
    Runtime: f.runtime,
    Namespace: f.namespace,
  };
}

/** ListVersionByFunction: $LATEST and every published version, AddTime order (ASC unless Order DESC). */
export function listVersions(f: FunctionRecord, params: v.Params): Record<string, unknown> {
  const offset = v.optionalInteger(params, 'Offset') ?? 0;
  const limit = v.optionalInteger(params, 'Limit') ?? 20;
  const order = v.oneOf('Order', v.optionalString(params, 'Order'), ['ASC', 'DESC'], 'ASC');
  v.oneOf('OrderBy', v.optionalString(params, 'OrderBy'), ['AddTime', 'ModTime'], 'AddTime');
  if (offset < 0 || limit < 1 || limit > 100) throw scfError('InvalidParameterValue.Limit', 'Offset must be 0 or more and Limit from 1 to 100.');
  const all = [
    { Version: LATEST, Description: f.description, AddTime: f.addTime, ModTime: f.modTime, Status: f.status },
    ...[...f.versions.values()].map((r) => ({ Version: r.version, Description: r.description, AddTime: r.addTime, ModTime: r.modTime, Status: r.status })),
  ];
  if (order === 'DESC') all.reverse();
  const page = all.slice(offset, offset + limit);
  return { FunctionVersion: page.map((p) => p.Version), Versions: page, TotalCount: all.length };
}

/** The version a qualifier names: $LATEST, a published version, or (through an alias) its main version. */
export function versionOf(f: FunctionRecord, qualifier: string): VersionRecord | undefined {
  if (qualifier === LATEST) return undefined;
  const alias = f.aliases.get(qualifier);
  const name = alias ? alias.version : qualifier;
  if (name === LATEST) return undefined;
  const found = f.versions.get(name);
  if (found === undefined) throw scfError('ResourceNotFound.Version', `The version or alias \`${qualifier}\` of \`${f.name}\` does not exist.`);
  return found;
}

/** A qualifier that must exist on the function (a trigger's, an invocation's). */
export function checkQualifier(f: FunctionRecord, qualifier: string): string {
  if (qualifier === LATEST || f.aliases.has(qualifier) || f.versions.has(qualifier)) return qualifier;
  throw scfError('ResourceNotFound.Version', `The version or alias \`${qualifier}\` of \`${f.name}\` does not exist.`);
}

/** The version one invocation of `qualifier` runs: an alias splits traffic by its weights (`draw` in [0, 1)). */
export function resolve(f: FunctionRecord, qualifier: string, draw: number): { version: string; alias?: string } {
  const alias = f.aliases.get(qualifier);
  if (alias === undefined) return { version: checkQualifier(f, qualifier) };
  let at = 0;
  for (const w of alias.weights) {
    at += w.Weight;
    if (draw < at) return { version: w.Version, alias: alias.name };
  }
  return { version: alias.version, alias: alias.name };
}

function aliasName(params: v.Params): string {
  const name = v.requiredString(params, 'Name');
  if (name !== DEFAULT_ALIAS && !ALIAS_NAME.test(name)) {
    throw scfError('InvalidParameterValue.Name', `Alias name \`${name}\` is invalid: 1-64 letters, digits, _ and -, starting with a letter.`);
  }
  return name;
}

function mainVersion(f: FunctionRecord, params: v.Params): string {
  const version = v.requiredString(params, 'FunctionVersion');
  if (version !== LATEST && !f.versions.has(version)) {
    throw scfError('ResourceNotFound.Version', `The version \`${version}\` of \`${f.name}\` does not exist.`);
  }
  return version;
}

/** RoutingConfig: at most one additional version (not the main one) with a weight in (0, 1]; rule routing is refused. */
function routing(f: FunctionRecord, params: v.Params, main: string): { Version: string; Weight: number }[] {
  const config = params.RoutingConfig;
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config)) throw scfError('InvalidParameter', 'RoutingConfig must be an object.');
  const { AdditionalVersionWeights: weights, AddtionVersionMatchs: matchs, ...rest } = config as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw scfError('UnknownParameter', `The parameter \`RoutingConfig.${unknown}\` is not recognized.`);
  if (Array.isArray(matchs) && matchs.length > 0) {
    throw scfError('InvalidParameterValue.RoutingConfig', 'RoutingConfig.AddtionVersionMatchs (rule routing) is not supported by the local SCF: use weights.');
  }
  if (weights === undefined || weights === null) return [];
  if (!Array.isArray(weights)) throw scfError('InvalidParameter', 'RoutingConfig.AdditionalVersionWeights must be an array of {Version, Weight}.');
  if (weights.length > 1) throw scfError('InvalidParameterValue.RoutingConfig', 'An alias can have at most one additional version.');
  return weights.map((w: unknown) => {
    const { Version, Weight } = (typeof w === 'object' && w !== null ? w : {}) as Record<string, unknown>;
    if (typeof Version !== 'string' || !f.versions.has(Version)) {
      throw scfError('ResourceNotFound.Version', `RoutingConfig: the additional version \`${String(Version)}\` of \`${f.name}\` does not exist.`);
    }
    if (Version === main) throw scfError('InvalidParameterValue.RoutingConfig', 'The additional version must differ from the main FunctionVersion.');
    if (typeof Weight !== 'number' || !(Weight > 0 && Weight <= 1)) {
      throw scfError('InvalidParameterValue.RoutingConfig', `The weight of version ${Version} must be a number in (0, 1], got ${JSON.stringify(Weight)}.`);
    }
    return { Version, Weight };
  });
}

export function createAlias(f: FunctionRecord, params: v.Params): void {
  const name = aliasName(params);
  if (f.aliases.has(name)) throw scfError('ResourceInUse.Alias', `The alias \`${name}\` already exists on \`${f.name}\`.`);
  const version = mainVersion(f, params);
  const now = scfTime();
  f.aliases.set(name, {
    name,
    version,
    weights: routing(f, params, version),
    description: v.optionalString(params, 'Description') ?? '',
    addTime: now,
    modTime: now,
  });
}

export function updateAlias(f: FunctionRecord, params: v.Params): void {
  const a = aliasOf(f, params);
  const version = mainVersion(f, params);
  a.weights = routing(f, params, version);
  a.version = version;
  const description = v.optionalString(params, 'Description');
  if (description !== undefined) a.description = description;
  a.modTime = scfTime();
}

export function aliasOf(f: FunctionRecord, params: v.Params): AliasRecord {
  const name = aliasName(params);
  const a = f.aliases.get(name);
  if (a === undefined) throw scfError('ResourceNotFound.Alias', `The alias \`${name}\` does not exist on \`${f.name}\`.`);
  return a;
}

export function deleteAlias(f: FunctionRecord, params: v.Params): void {
  const a = aliasOf(f, params);
  if (a.name === DEFAULT_ALIAS) throw scfError('InvalidParameterValue.Name', 'The alias $DEFAULT cannot be deleted.');
  if ([...f.triggers.values()].some((t) => t.qualifier === a.name)) {
    throw scfError('ResourceInUse.Alias', `The alias \`${a.name}\` is the qualifier of a trigger: delete the trigger first.`);
  }
  f.aliases.delete(a.name);
}

export function presentAlias(a: AliasRecord): Record<string, unknown> {
  return {
    FunctionVersion: a.version,
    Name: a.name,
    RoutingConfig: { AdditionalVersionWeights: a.weights.map((w) => ({ ...w })), AddtionVersionMatchs: [] },
    Description: a.description,
    AddTime: a.addTime,
    ModTime: a.modTime,
  };
}

export function listAliases(f: FunctionRecord, params: v.Params): Record<string, unknown> {
  const version = v.optionalString(params, 'FunctionVersion');
  const offset = Number(v.optionalString(params, 'Offset') ?? '0');
  const limit = Number(v.optionalString(params, 'Limit') ?? '20');
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) {
    throw scfError('InvalidParameterValue', 'Offset and Limit must be whole numbers (given as strings).');
  }
  const all = [...f.aliases.values()].filter((a) => version === undefined || a.version === version || a.weights.some((w) => w.Version === version));
  return { Aliases: all.slice(offset, offset + limit).map(presentAlias), TotalCount: all.length };
}

/** The versions some alias routes traffic to (their instances are kept warm). */
export function servedVersions(f: FunctionRecord): Set<string> {
  const out = new Set<string>();
  for (const a of f.aliases.values()) {
    out.add(a.version);
    for (const w of a.weights) out.add(w.Version);
  }
  return out;
}
