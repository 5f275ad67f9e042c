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
import { ApiError, CredentialsUnavailableError, MalformedResponseError, NetworkError } from './errors';
import { learnClock, trtcNow } from './clock';
import { EndpointBreaker, failoverEndpoint } from './failover';
import type { Endpoint } from '../config';
import { tc3Authorization } from './sign';
import { postJson, type PostAnswer } from './transport';
import type { Env } from '../config';

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

const signedHosts = new Map<string, string>();

/** The signed host: the endpoint's hostname, without the port (as the SDK signs it). */
function signedHost(endpoint: Endpoint): string {
  let host = signedHosts.get(endpoint.host);
  if (host === undefined) {
    host = new URL(`${endpoint.protocol}${endpoint.host}`).hostname;
    signedHosts.set(endpoint.host, host);
  }
  return host;
}

export class HttpTroubleInfoClient implements TroubleInfoClient {
  /** The credential scope's service, derived from the endpoint as the SDK does. */
  private readonly service: string;
  private readonly failover: Endpoint | undefined;
  private readonly breaker: EndpointBreaker;

  constructor(
    private readonly config: Pick<Config, 'endpoint' | 'region'> & Partial<Pick<Config, 'failoverEndpoint'>>,
    private readonly env: () => Env = () => process.env,
    breaker: EndpointBreaker = new EndpointBreaker(),
  ) {
    this.service = config.endpoint.host.split('.', 1)[0]!;
    this.failover = failoverEndpoint(config);
    this.breaker = breaker;
  }

  async create(report: TroubleReport, options: CallOptions): Promise<{ requestId: string }> {
    // Read per invocation, never cached across invocations: SCF may rotate the run role's keys inside a warm instance.
    let credentials = options.credentials;
    if (credentials === undefined) {
      const read = readCredentials(this.env());
      if (!read.ok) throw new CredentialsUnavailableError(read.message);
      credentials = read.credentials;
    }
    const body = JSON.stringify(report);
    const first = await this.route(credentials, body, options);
    try {
      return parseAnswer(first.body);
    } catch (error) {
      // Refused before anything was recorded: re-sign once with TRTC's time when its Date header taught us better.
      if (!(error instanceof ApiError && error.code === 'AuthFailure.SignatureExpire' && learnClock(first.date, options.log))) throw error;
    }
    return parseAnswer((await this.route(credentials, body, options)).body);
  }

  /**
   * Posts to the primary endpoint, or to the failover while the breaker is open; a primary that failed before the
   * request reached TRTC is counted, and the call goes to the failover at once (it cannot be a duplicate).
   */
  private async route(credentials: Credentials, body: string, options: CallOptions): Promise<PostAnswer> {
    const failover = this.failover;
    if (failover === undefined) return this.post(this.config.endpoint, credentials, body, options);
    if (this.breaker.open) return this.post(failover, credentials, body, options);
    try {
      const answer = await this.post(this.config.endpoint, credentials, body, options);
      this.breaker.primaryAnswered();
      return answer;
    } catch (error) {
      if (!(error instanceof NetworkError) || error.sent) throw error;
      if (this.breaker.primaryUnreachable()) {
        options.log?.warn('trtc endpoint failover', {
          primary: this.config.endpoint.host,
          failover: failover.host,
          errno: error.errno,
          consequence: 'calls go to the failover endpoint; the primary is probed again after a minute',
        });
      }
      return this.post(failover, credentials, body, options);
    }
  }

  private post(endpoint: Endpoint, credentials: Credentials, body: string, options: CallOptions): Promise<PostAnswer> {
    const { secretId, secretKey, token } = credentials;
    const timestamp = Math.floor(trtcNow() / 1000);
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
        host: signedHost(endpoint),
        timestamp,
        contentType: CONTENT_TYPE,
        payload: body,
      }),
    };
    if (token !== undefined) headers['X-TC-Token'] = token;
    return postJson(endpoint, headers, body, options.signal);
  }
}
