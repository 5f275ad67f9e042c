/**
 * The port to TRTC (`TroubleInfoClient`: one CreateTroubleInfo call, one attempt) and its implementation: one
 * TC3-signed JSON POST over a keep-alive connection (transport.ts, sign.ts), with the headers the SDK sends.
 * CreateTroubleInfo left the SDK's typed TRTC client in 2022, so the request and response types are ours.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { TroubleReport } from '../report';
import { readCredentials, type Credentials } from './credentials';
import { ApiError, CredentialsUnavailableError, MalformedResponseError } from './errors';
import { tc3Authorization } from './sign';
import { postJson } from './transport';

export const SERVICE_HOST = 'trtc.tencentcloudapi.com';
export const API_VERSION = '2019-07-22';
export const ACTION = 'CreateTroubleInfo';
const CONTENT_TYPE = 'application/json';
const REQUEST_CLIENT = 'trtc-trouble-reporter';

export interface CallOptions {
  /** Aborts the attempt (its timeout, bounded by the invocation's deadline). */
  readonly signal: AbortSignal;
  /** Sent as X-TC-TraceId, so TRTC's logs can be matched with ours. */
  readonly traceId?: string;
  /** Epoch ms after which the attempt must not start (a rate limiter waits no longer). */
  readonly notAfter?: number;
  /** The invocation's logger (a rate limiter reports a degraded quota there). */
  readonly log?: Logger;
  /** The invocation's credentials, read once per invocation; read from the environment when absent. */
  readonly credentials?: Credentials;
}

/** One attempt at CreateTroubleInfo. Resolves to TRTC's RequestId; rejects with whatever the transport threw. */
export interface TroubleInfoClient {
  create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }>;
}

type Env = Readonly<Record<string, string | undefined>>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a cloud API answer: the RequestId, or throws ApiError for `Response.Error`, MalformedResponseError otherwise. */
export function parseAnswer(text: string): { requestId: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedResponseError('TRTC answered with something that is not a cloud API response');
  }
  const response = isRecord(parsed) ? parsed['Response'] : undefined;
  if (!isRecord(response)) throw new MalformedResponseError('TRTC answered with something that is not a cloud API response');
  const requestId = typeof response['RequestId'] === 'string' ? response['RequestId'] : '';
  const error = response['Error'];
  if (isRecord(error) && typeof error['Code'] === 'string') {
    throw new ApiError(error['Code'], typeof error['Message'] === 'string' ? error['Message'] : '', requestId);
  }
  if (requestId === '') throw new MalformedResponseError('TRTC answered without a RequestId');
  return { requestId };
}

export class HttpTroubleInfoClient implements TroubleInfoClient {
  /** The credential scope's service and the signed host, derived from the endpoint as the SDK does. */
  private readonly service: string;
  private readonly signedHost: string;

  constructor(
    private readonly config: Pick<Config, 'endpoint' | 'region'>,
    private readonly env: () => Env = () => process.env,
  ) {
    this.service = config.endpoint.host.split('.', 1)[0]!;
    this.signedHost = new URL(`${config.endpoint.protocol}${config.endpoint.host}`).hostname;
  }

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    // Read per invocation, never cached across invocations: SCF may rotate the run role's keys inside a warm instance.
    let credentials = options.credentials;
    if (credentials === undefined) {
      const read = readCredentials(this.env());
      if (!read.ok) throw new CredentialsUnavailableError(read.message);
      credentials = read.credentials;
    }
    const { secretId, secretKey, token } = credentials;
    const body = JSON.stringify(report);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'Content-Type': CONTENT_TYPE,
      'X-TC-Action': ACTION,
      'X-TC-Version': API_VERSION,
      'X-TC-Timestamp': String(timestamp),
      'X-TC-Region': this.config.region,
      'X-TC-Language': 'en-US',
      'X-TC-RequestClient': REQUEST_CLIENT,
      'X-TC-TraceId': options.traceId ?? randomUUID(),
      Authorization: tc3Authorization({
        secretId,
        secretKey,
        service: this.service,
        host: this.signedHost,
        timestamp,
        contentType: CONTENT_TYPE,
        payload: body,
      }),
    };
    if (token !== undefined) headers['X-TC-Token'] = token;
    return parseAnswer(await postJson(this.config.endpoint, headers, body, options.signal));
  }
}
