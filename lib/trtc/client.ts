/**
 * The port to TRTC (`TroubleInfoClient`: one CreateTroubleInfo call, one attempt) and its implementation on
 * tencentcloud-sdk-nodejs's generic CommonClient. CreateTroubleInfo left the SDK's typed TRTC client in 2022, so
 * the request and response types are ours.
 */
import http from 'node:http';
import https from 'node:https';
import { CommonClient } from 'tencentcloud-sdk-nodejs/tencentcloud/common/common_client';
import type { Config } from '../config';
import type { TroubleReport } from '../report';
import { readCredentials } from './credentials';

export const SERVICE_HOST = 'trtc.tencentcloudapi.com';
export const API_VERSION = '2019-07-22';
export const ACTION = 'CreateTroubleInfo';

export interface CallOptions {
  /** Aborts the attempt (its timeout, bounded by the invocation's deadline). */
  readonly signal: AbortSignal;
  /** Sent as X-TC-TraceId, so TRTC's logs can be matched with ours. */
  readonly traceId?: string;
}

/** One attempt at CreateTroubleInfo. Resolves to TRTC's RequestId; rejects with whatever the transport threw. */
export interface TroubleInfoClient {
  create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Thrown from the SDK's credential hook when the environment lost its keys between the check and the call. */
export const MISSING_CREDENTIALS_PREFIX = 'credentials unavailable: ';

export class SdkTroubleInfoClient implements TroubleInfoClient {
  private readonly client: CommonClient;

  constructor(config: Pick<Config, 'endpoint' | 'region' | 'upstreamTimeoutMs'>, env: () => Env = () => process.env) {
    const agent =
      config.endpoint.protocol === 'https://'
        ? new https.Agent({ keepAlive: true, maxSockets: 32 })
        : new http.Agent({ keepAlive: true, maxSockets: 32 });
    this.client = new CommonClient(SERVICE_HOST, API_VERSION, {
      // Read on every request: SCF may rotate the run role's keys inside a warm instance.
      credential: {
        getCredential: async () => {
          const read = readCredentials(env());
          if (!read.ok) throw new Error(MISSING_CREDENTIALS_PREFIX + read.message);
          const { secretId, secretKey, token } = read.credentials;
          return { secretId, secretKey, token };
        },
      },
      region: config.region,
      profile: {
        language: 'en-US',
        httpProfile: {
          protocol: config.endpoint.protocol,
          endpoint: config.endpoint.host,
          reqMethod: 'POST',
          // A backstop only: every call carries an AbortSignal bounded by the invocation's deadline.
          reqTimeout: Math.ceil(config.upstreamTimeoutMs / 1000) + 1,
          agent,
        },
      },
    });
  }

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    const response: unknown = await this.client.request(ACTION, { ...report }, {
      signal: options.signal,
      ...(options.traceId ? { headers: { 'X-TC-TraceId': options.traceId } } : {}),
    });
    const requestId = typeof response === 'object' && response !== null ? (response as { RequestId?: unknown }).RequestId : undefined;
    if (typeof requestId !== 'string' || requestId === '') {
      throw new MalformedResponseError('TRTC answered without a RequestId');
    }
    return { requestId };
  }
}

export class MalformedResponseError extends Error {
  override readonly name = 'MalformedResponseError';
}

let shared: { key: string; client: SdkTroubleInfoClient } | undefined;

/** One client (and one keep-alive connection pool) per warm instance and endpoint/region. */
export function sharedClient(config: Pick<Config, 'endpoint' | 'region' | 'upstreamTimeoutMs'>): TroubleInfoClient {
  const key = `${config.endpoint.protocol}${config.endpoint.host}|${config.region}|${config.upstreamTimeoutMs}`;
  if (shared?.key !== key) shared = { key, client: new SdkTroubleInfoClient(config) };
  return shared.client;
}
