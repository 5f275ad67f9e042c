/**
 * What SCF gives a function (pure): the process environment of an instance (scf-platform.md §3) and the
 * context of an invocation (request_id, time_limit_in_ms from Timeout, memory_limit_in_mb, …).
 */
import type { EmulatorCredential } from '../trtc-emulator';
import type { FunctionRecord } from './records';

export interface InstanceSetting {
  codeDir: string;
  home: string;
  appId: string;
  uin: string;
  /** The local TRTC, unless the function's Environment names another endpoint (a deliberate difference). */
  trtcEndpoint: string;
  path: string;
}

export function instanceEnvironment(
  f: FunctionRecord,
  s: InstanceSetting,
  roleKeys: EmulatorCredential | undefined,
  version = '$LATEST',
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: s.path,
    HOME: s.home,
    LANG: 'en_US.UTF8',
    LC_ALL: 'en_US.UTF8',
    TZ: 'UTC',
    USER_CODE_ROOT: s.codeDir,
    _SCF_SERVER_PORT: '28902',
    SCF_RUNTIME: f.runtime,
    SCF_FUNCTIONNAME: f.name,
    SCF_FUNCTIONVERSION: version,
    TENCENTCLOUD_RUNENV: 'SCF',
    TENCENTCLOUD_TZ: 'UTC',
    TENCENTCLOUD_REGION: f.region,
    TENCENTCLOUD_APPID: s.appId,
    TENCENTCLOUD_UIN: s.uin,
    TRTC_ENDPOINT: s.trtcEndpoint,
  };
  if (roleKeys !== undefined) {
    env.TENCENTCLOUD_SECRETID = roleKeys.secretId;
    env.TENCENTCLOUD_SECRETKEY = roleKeys.secretKey;
    env.TENCENTCLOUD_SESSIONTOKEN = roleKeys.token ?? '';
  }
  for (const { Key, Value } of f.environment) env[Key] = Value;
  return env;
}

export function invocationContext(f: FunctionRecord, requestId: string, appId: string, uin: string, version = '$LATEST'): Record<string, unknown> {
  return {
    request_id: requestId,
    function_name: f.name,
    function_version: version,
    namespace: f.namespace,
    memory_limit_in_mb: f.memorySize,
    time_limit_in_ms: f.timeout * 1000,
    tencentcloud_region: f.region,
    tencentcloud_appid: appId,
    tencentcloud_uin: uin,
    environment: JSON.stringify({ SCF_NAMESPACE: f.namespace }),
    environ: `SCF_NAMESPACE=${f.namespace};SCF_NAMESPACE=${f.namespace}`,
  };
}
