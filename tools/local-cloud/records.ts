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
}

/** SCF's time format, `YYYY-MM-DD HH:mm:ss` (UTC here). */
export function scfTime(at = new Date()): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

const STATUS_DESC: Readonly<Record<FunctionStatus, string>> = {
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

export function presentFunction(f: FunctionRecord): Record<string, unknown> {
  return {
    ModTime: f.modTime,
    CodeInfo: '',
    Description: f.description,
    Triggers: [...f.triggers.values()].map(presentTrigger),
    Handler: f.handler,
    CodeSize: f.zip.length,
    Timeout: f.timeout,
    FunctionVersion: '$LATEST',
    MemorySize: f.memorySize,
    Runtime: f.runtime,
    FunctionName: f.name,
    VpcConfig: { VpcId: '', SubnetId: '' },
    UseGpu: 'FALSE',
    Environment: { Variables: f.environment.map((v) => ({ ...v })) },
    CodeResult: f.status === 'CreateFailed' || f.status === 'UpdateFailed' ? 'failed' : 'success',
    CodeError: f.statusReasons[0]?.ErrorMessage ?? '',
    ErrNo: 0,
    Namespace: f.namespace,
    Role: f.role ?? '',
    InstallDependency: f.installDependency,
    Status: f.status,
    StatusDesc: STATUS_DESC[f.status],
    ClsLogsetId: '',
    ClsTopicId: '',
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
    Qualifier: '$LATEST',
    InitTimeout: f.initTimeout,
    StatusReasons: f.statusReasons.map((r) => ({ ...r })),
    AsyncRunEnable: 'FALSE',
    TraceEnable: 'FALSE',
    ProtocolType: '',
    DnsCache: 'FALSE',
  };
}
