/** The local SCF's records of functions and triggers, and how the API presents them (pure). */
import type { TriggerDesc, TriggerType } from './trigger-desc';
import { readBackDesc } from './trigger-desc';
import type { Variable } from './validate';

export type FunctionStatus = 'Creating' | 'CreateFailed' | 'Active' | 'Updating' | 'UpdateFailed' | 'Deleting';

export interface TriggerRecord {
  type: TriggerType;
  name: string;
  desc: TriggerDesc;
  enabled: boolean;
  qualifier: string;
  customArgument: string;
  description: string;
  addTime: string;
  modTime: string;
  /** The local Function URL of an http trigger. */
  url?: string;
}

export interface FunctionRecord {
  region: string;
  namespace: string;
  name: string;
  functionId: string;
  runtime: string;
  handler: string;
  memorySize: number;
  timeout: number;
  initTimeout: number;
  role: string | undefined;
  description: string;
  environment: Variable[];
  installDependency: string;
  publicNetStatus: string;
  tags: { Key: string; Value: string }[];
  status: FunctionStatus;
  statusReasons: { ErrorCode: string; ErrorMessage: string }[];
  addTime: string;
  modTime: string;
  zip: Buffer;
  codeSha256: string;
  triggers: Map<string, TriggerRecord>;
  /** Published versions by number ('1', '2', …): snapshots of $LATEST. */
  versions: Map<string, VersionRecord>;
  /** Aliases by name; `$DEFAULT` exists from creation, pointing at $LATEST. */
  aliases: Map<string, AliasRecord>;
  /** The last version number given (versions are never renumbered). */
  lastVersion: number;
  clsLogsetId: string;
  clsTopicId: string;
}

export type VersionStatus = 'Publishing' | 'Active' | 'PublishFailed';

/** What PublishVersion freezes: the code and configuration of $LATEST at that moment. */
export interface VersionRecord {
  version: string;
  description: string;
  addTime: string;
  modTime: string;
  status: VersionStatus;
  statusReasons: { ErrorCode: string; ErrorMessage: string }[];
  handler: string;
  memorySize: number;
  timeout: number;
  initTimeout: number;
  role: string | undefined;
  environment: Variable[];
  zip: Buffer;
  codeSha256: string;
}

export interface AliasRecord {
  name: string;
  /** The main version: `$LATEST` or a version number. */
  version: string;
  /** RoutingConfig.AdditionalVersionWeights: at most one other version and its share of traffic (0–1). */
  weights: { Version: string; Weight: number }[];
  description: string;
  addTime: string;
  modTime: string;
}

/** SCF's time format, `YYYY-MM-DD HH:mm:ss` (UTC here). */
export function scfTime(at = new Date()): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

const STATUS_DESC: Readonly<Record<FunctionStatus | VersionStatus, string>> = {
  Publishing: 'Version is publishing',
  PublishFailed: 'Version publishing failed',
  Creating: 'Function is creating',
  CreateFailed: 'Function creation failed',
  Active: 'Function is active',
  Updating: 'Function is updating',
  UpdateFailed: 'Function update failed',
  Deleting: 'Function is deleting',
};

export function presentTrigger(t: TriggerRecord): Record<string, unknown> {
  return {
    ModTime: t.modTime,
    Type: t.type,
    TriggerDesc: readBackDesc(t.desc, t.url),
    TriggerName: t.name,
    AddTime: t.addTime,
    Enable: t.enabled ? 1 : 0,
    CustomArgument: t.customArgument,
    AvailableStatus: 'Available',
    ResourceId: '',
    TriggerAttribute: '',
    BindStatus: '',
    Qualifier: t.qualifier,
    Description: t.description,
  };
}

/** A function as one of its versions: the version's frozen code and configuration over the function's record. */
export function versionView(f: FunctionRecord, v: VersionRecord | undefined): FunctionRecord {
  if (v === undefined) return f;
  const { handler, memorySize, timeout, initTimeout, role, environment, zip, codeSha256, description } = v;
  return { ...f, handler, memorySize, timeout, initTimeout, role, environment, zip, codeSha256, description };
}

export function presentFunction(f: FunctionRecord, v?: VersionRecord): Record<string, unknown> {
  const shown = versionView(f, v);
  const status = v === undefined ? f.status : v.status;
  const reasons = v === undefined ? f.statusReasons : v.statusReasons;
  return presentRecord(shown, v?.version ?? '$LATEST', status, reasons);
}

function presentRecord(
  f: FunctionRecord,
  qualifier: string,
  status: FunctionStatus | VersionStatus,
  statusReasons: { ErrorCode: string; ErrorMessage: string }[],
): Record<string, unknown> {
  return {
    ModTime: f.modTime,
    CodeInfo: '',
    Description: f.description,
    Triggers: [...f.triggers.values()].map(presentTrigger),
    Handler: f.handler,
    CodeSize: f.zip.length,
    Timeout: f.timeout,
    FunctionVersion: qualifier,
    MemorySize: f.memorySize,
    Runtime: f.runtime,
    FunctionName: f.name,
    VpcConfig: { VpcId: '', SubnetId: '' },
    UseGpu: 'FALSE',
    Environment: { Variables: f.environment.map((v) => ({ ...v })) },
    CodeResult: status.endsWith('Failed') ? 'failed' : 'success',
    CodeError: statusReasons[0]?.ErrorMessage ?? '',
    ErrNo: 0,
    Namespace: f.namespace,
    Role: f.role ?? '',
    InstallDependency: f.installDependency,
    Status: status,
    StatusDesc: STATUS_DESC[status],
    ClsLogsetId: f.clsLogsetId,
    ClsTopicId: f.clsTopicId,
    FunctionId: f.functionId,
    Tags: f.tags.map((t) => ({ ...t })),
    EipConfig: { EipFixed: 'FALSE', Eips: [] },
    AccessInfo: { Host: '', Vip: '' },
    Type: 'Event',
    L5Enable: 'FALSE',
    Layers: [],
    DeadLetterConfig: { Type: '', Name: '', FilterType: '' },
    AddTime: f.addTime,
    PublicNetConfig: { PublicNetStatus: f.publicNetStatus, EipConfig: { EipStatus: 'DISABLE', EipAddress: [] } },
    OnsEnable: 'FALSE',
    AvailableStatus: 'Available',
    Qualifier: qualifier,
    InitTimeout: f.initTimeout,
    StatusReasons: statusReasons.map((r) => ({ ...r })),
    AsyncRunEnable: 'FALSE',
    TraceEnable: 'FALSE',
    ProtocolType: '',
    DnsCache: 'FALSE',
  };
}
