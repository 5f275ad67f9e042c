/**
 * The function record's own actions (pure over the record, validation per the SCF API): CreateFunction builds a
 * record (status Creating, `$DEFAULT` pointing at $LATEST), UpdateFunctionCode and UpdateFunctionConfiguration
 * change it while it is Active (or UpdateFailed). The local SCF then runs the Creating/Updating → Active machine.
 */
import { createHash, randomUUID } from 'node:crypto';
import { scfError } from './api-error';
import { scfTime, type FunctionRecord } from './records';
import * as v from './validate';
import { DEFAULT_ALIAS, defaultAlias } from './versions';
import { readZip, ZipError } from './zip';

export function newFunction(params: v.Params, region: string, cls: { logsetId: string; topicId: string }): FunctionRecord {
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
  const tags = Array.isArray(params.Tags) ? (params.Tags as { Key: string; Value: string }[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value) })) : [];
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
    versions: new Map(),
    aliases: new Map([[DEFAULT_ALIAS, defaultAlias(now)]]),
    lastVersion: 0,
    clsLogsetId: cls.logsetId,
    clsTopicId: cls.topicId,
  };
  return f;
}

export function requireUpdatable(f: FunctionRecord, code: string): void {
  if (f.status !== 'Active' && f.status !== 'UpdateFailed') {
    throw scfError(
      code,
      `The function \`${f.name}\` is ${f.status}: this operation is allowed only when it is Active (wait for Active${f.status === 'CreateFailed' ? ', or delete it and create it again' : ''}).`,
    );
  }
}

/** UpdateFunctionCode's checks and changes to the record (the caller starts Updating). */
export function updateCode(f: FunctionRecord, params: v.Params): void {
  requireUpdatable(f, 'FailedOperation.UpdateFunctionCode');
  const handler = v.optionalString(params, 'Handler');
  if (handler !== undefined) v.handler(handler);
  const zip = params.Code !== undefined ? v.zipFile(params.Code, v.MAX_UPDATE_ZIP_BYTES) : v.zipBytes(params.ZipFile, 'ZipFile', v.MAX_UPDATE_ZIP_BYTES);
  checkZip(zip);
  if (handler !== undefined) f.handler = handler;
  f.zip = zip;
  f.codeSha256 = sha256(zip);
  f.modTime = scfTime();
}

/** UpdateFunctionConfiguration's checks and changes to the record (the caller starts Updating). */
export function updateConfiguration(f: FunctionRecord, params: v.Params): void {
  requireUpdatable(f, 'FailedOperation.FunctionStatusError');
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
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function checkZip(zip: Buffer): void {
  try {
    readZip(zip);
  } catch (error) {
    if (error instanceof ZipError) throw scfError('InvalidParameterValue.ZipFile', `Code.ZipFile is not a standard zip file: ${error.message}.`);
    throw error;
  }
}
