/**
 * The local SCF API endpoint over loopback HTTP: `POST /` with TC3-HMAC-SHA256 verified exactly (scope service `scf`),
 * X-TC-Version 2018-04-16, a known region, the real API 3.0 envelopes (HTTP 200 + Response.Error for every API
 * error); every call recorded with its verdict. `/_local/…` is the local cloud's control surface (not signed):
 * `POST /_local/ckafka/<triggerName>` with `{"messages":["…"]}` feeds a CKafka trigger's topic.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SCF_HOST } from '../deploy/scf-api';
import { verifyTc3Request, type Tc3KnownKey } from '../shared/tc3-verify';
import { ScfApiError } from './api-error';
import { flatHeaders, readBody } from './http-io';
import type { Params } from './validate';

export const SCF_VERSION = '2018-04-16';
/** SCF's service name in the credential scope: the first label of its API domain (`scf`). */
const SCF_SERVICE = SCF_HOST.split('.')[0] ?? SCF_HOST;
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const REGIONS = [
  'ap-guangzhou',
  'ap-shanghai',
  'ap-nanjing',
  'ap-beijing',
  'ap-chengdu',
  'ap-chongqing',
  'ap-hongkong',
  'ap-singapore',
  'ap-jakarta',
  'ap-bangkok',
  'ap-mumbai',
  'ap-seoul',
  'ap-tokyo',
  'na-siliconvalley',
  'na-ashburn',
  'eu-frankfurt',
  'sa-saopaulo',
];

export interface ScfCall {
  action: string;
  params: unknown;
  region?: string;
  secretId?: string;
  requestId: string;
  /** The error code answered, when the call failed. */
  error?: string;
  /** Why (for tests; never sent). */
  detail?: string;
}

export interface ApiHandlers {
  keys: (secretId: string) => Tc3KnownKey | undefined;
  call: (action: string, params: Params, region: string) => Promise<Record<string, unknown>>;
  /** The control surface's CKafka feed (the SCF endpoint only). */
  produce?: (triggerName: string, messages: readonly string[]) => { offsets: number[] } | undefined;
  /** The API version served (default SCF's 2018-04-16) and the service's name in messages (default scf). */
  version?: string;
  service?: string;
}

function send(res: ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export class ScfApiServer {
  private readonly log: ScfCall[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private baseUrl = '';

  constructor(private readonly handlers: ApiHandlers) {}

  get url(): string {
    return this.baseUrl;
  }

  get calls(): readonly ScfCall[] {
    return this.log;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res).catch(() => send(res, 500, { error: 'the local SCF failed' }));
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the local SCF API has no port');
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${String(address.port)}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    if (target.startsWith('/_local/')) {
      await this.control(req, res, target);
      return;
    }
    const body = await readBody(req, MAX_BODY_BYTES);
    const headers = flatHeaders(req);
    const requestId = randomUUID();
    const action = headers['x-tc-action'] ?? '';
    const call: ScfCall = { action, params: undefined, requestId };
    const region = headers['x-tc-region'];
    if (region !== undefined) call.region = region;
    this.log.push(call);
    let params: Params = {};
    if (body !== undefined) {
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        call.params = parsed;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) params = parsed as Params;
      } catch {
        // reported below, after the signature (as the real API does)
      }
    }
    const fail = (code: string, message: string, detail?: string): void => {
      call.error = code;
      if (detail !== undefined) call.detail = detail;
      send(res, 200, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
    };
    if (req.method !== 'POST')
      return fail('UnsupportedProtocol', `The HTTP method \`${req.method ?? ''}\` is not supported: the SCF API takes POST with a JSON body.`);
    if (target !== '/') return fail('UnsupportedProtocol', `The request path \`${target}\` is not supported. Use \`/\`.`);
    if (body === undefined) return fail('RequestSizeLimitExceeded', 'The POST request body exceeds the 10 MB limit.');
    const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      return fail(
        'UnsupportedProtocol',
        `The Content-Type \`${headers['content-type'] ?? ''}\` is not supported: POST application/json signed with TC3-HMAC-SHA256.`,
      );
    }
    const verdict = verifyTc3Request(
      { method: 'POST', rawQuery: '', headers, body },
      { service: this.handlers.service ?? SCF_SERVICE, lookup: this.handlers.keys, nowMs: Date.now() },
    );
    if (!verdict.ok) return fail(verdict.code, verdict.message, verdict.detail);
    call.secretId = verdict.secretId;
    if (action === '') return fail('MissingParameter', 'The request is missing a required parameter `Action`.');
    const version = headers['x-tc-version'] ?? '';
    if (version === '') return fail('MissingParameter', 'The request is missing a required parameter `Version`.');
    const served = this.handlers.version ?? SCF_VERSION;
    if (version !== served) {
      return fail('NoSuchVersion', `The requested version \`${version}\` of service \`${this.handlers.service ?? 'scf'}\` does not exist; use ${served}.`);
    }
    if (region === undefined || region === '') return fail('MissingParameter', 'The request is missing a required parameter `Region`.');
    if (!REGIONS.includes(region)) return fail('UnsupportedRegion', `The region \`${region}\` is not supported.`);
    if (call.params === undefined || params !== call.params) return fail('InvalidParameter', 'The request body must be a JSON object.');
    try {
      const result = await this.handlers.call(action, params, region);
      send(res, 200, { Response: { ...result, RequestId: requestId } });
    } catch (error) {
      if (error instanceof ScfApiError) return fail(error.code, error.message);
      return fail('InternalError', 'An internal error has occurred in the local SCF.', error instanceof Error ? error.message : String(error));
    }
  }

  private async control(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    const match = /^\/_local\/ckafka\/([^/?]+)$/.exec(target);
    const body = await readBody(req, MAX_BODY_BYTES);
    if (match === null || match[1] === undefined) return send(res, 404, { error: 'unknown control path: POST /_local/ckafka/<triggerName>' });
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    if (body === undefined) return send(res, 413, { error: `the body exceeds the ${String(MAX_BODY_BYTES / 1048576)} MB limit` });
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      return send(res, 400, { error: 'the trigger name in the path is not valid percent-encoding' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'the body must be JSON: {"messages":["…"]}' });
    }
    const messages = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { messages?: unknown }).messages : undefined;
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m): m is string => typeof m === 'string')) {
      return send(res, 400, { error: 'messages must be a non-empty array of strings: {"messages":["…"]}' });
    }
    const produced = this.handlers.produce?.(name, messages);
    if (produced === undefined) return send(res, 404, { error: `no ckafka trigger named ${name}` });
    send(res, 202, { trigger: name, offsets: produced.offsets });
  }
}
