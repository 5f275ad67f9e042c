/** Test helpers for the local SCF: a real SDK scf client over loopback, zips, and waiting for a status. */
import http from 'node:http';
import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client';
import { writeZip } from '../../../../tools/deploy/zip';
import type { LocalCloud } from '../../../../tools/local-cloud';

export type ScfClient = Client;

export function scfClient(
  cloud: LocalCloud,
  options: { secretId?: string; secretKey?: string; token?: string; region?: string; endpoint?: string } = {},
): Client {
  return new Client({
    credential: {
      secretId: options.secretId ?? cloud.deployer.secretId,
      secretKey: options.secretKey ?? cloud.deployer.secretKey,
      ...(options.token !== undefined ? { token: options.token } : {}),
    },
    region: options.region ?? 'ap-guangzhou',
    profile: {
      language: 'en-US',
      httpProfile: {
        protocol: 'http://',
        endpoint: options.endpoint ?? cloud.scfEndpoint.replace(/^http:\/\//, ''),
        reqMethod: 'POST',
        reqTimeout: 60,
        agent: new http.Agent({ keepAlive: false }),
      },
    },
  });
}

export function zipBase64(files: Readonly<Record<string, string>>): string {
  return writeZip(Object.entries(files).map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') }))).toString('base64');
}

/** The SDK's rejection code, or 'resolved'. */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error instanceof Error ? error.message : error));
  }
}

export async function waitForStatus(client: Client, name: string, wanted: readonly string[], timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = (await client.GetFunction({ FunctionName: name })).Status ?? '';
    if (wanted.includes(status) || Date.now() > until) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A function that echoes its event and context fields and the SCF environment it sees. */
export const ECHO_CODE = `
exports.main_handler = async (event, context) => {
  console.log('echo got', JSON.stringify(event));
  return {
    event,
    context: { ...context, remaining: typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : null },
    env: {
      TENCENTCLOUD_SECRETID: process.env.TENCENTCLOUD_SECRETID,
      TENCENTCLOUD_SESSIONTOKEN: process.env.TENCENTCLOUD_SESSIONTOKEN ? 'set' : undefined,
      TENCENTCLOUD_REGION: process.env.TENCENTCLOUD_REGION,
      SCF_FUNCTIONNAME: process.env.SCF_FUNCTIONNAME,
      SCF_RUNTIME: process.env.SCF_RUNTIME,
      TRTC_ENDPOINT: process.env.TRTC_ENDPOINT,
      TRIGGER_SRC: process.env.TRIGGER_SRC,
      GREETING: process.env.GREETING,
      http_proxy: process.env.http_proxy,
    },
    pid: process.pid,
  };
};
`;

export const URL_DESC = JSON.stringify({ AuthType: 'NONE', NetConfig: { EnableIntranet: false, EnableExtranet: true } });

/** Creates a Function URL (http trigger, AuthType NONE) and returns its ExtranetUrl as read back. */
export async function createFunctionUrl(client: Client, functionName: string, triggerName = 'url-trigger'): Promise<string> {
  const created = await client.CreateTrigger({
    FunctionName: functionName,
    TriggerName: triggerName,
    Type: 'http',
    Qualifier: '$DEFAULT',
    TriggerDesc: URL_DESC,
  });
  return (JSON.parse(created.TriggerInfo?.TriggerDesc ?? '{}') as { NetConfig: { ExtranetUrl: string } }).NetConfig.ExtranetUrl;
}
