/**
 * A local Function URL: a loopback listener per http trigger. Real HTTP in → the Function URL event (lower-case
 * headers, x-scf-remote-addr, string body, queryString object, httpMethod, path) → the function → its
 * integration response {statusCode, headers, body, isBase64Encoded?} out; any other JSON return value is
 * answered 200 application/json with that JSON as the body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { flatHeaders, readBody } from './http-io';

/** SCF's synchronous request limit (6 MB). */
export const MAX_URL_BODY_BYTES = 6 * 1024 * 1024;

export interface FunctionUrlEvent {
  httpMethod: string;
  path: string;
  headers: Record<string, string>;
  queryString: Record<string, string | string[]>;
  body: string;
}

/** What the function produced for a URL request: its JSON return text, or a platform failure. */
export type UrlOutcome = { ok: true; retMsg: string } | { ok: false; status: number; errorCode: number; errorMessage: string };

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export function functionUrlEvent(req: IncomingMessage, body: Buffer): FunctionUrlEvent {
  const target = new URL(req.url ?? '/', 'http://local');
  const headers = flatHeaders(req);
  headers['x-scf-remote-addr'] = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  const queryString: Record<string, string | string[]> = {};
  for (const [key, value] of target.searchParams) {
    const seen = queryString[key];
    queryString[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return { httpMethod: req.method ?? 'GET', path: decodeURIComponent(target.pathname), headers, queryString, body: body.toString('utf8') };
}

function json(status: number, value: unknown): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
}

/** Maps the function's outcome to the HTTP answer (pure). */
export function integrationResponse(outcome: UrlOutcome): HttpAnswer {
  if (!outcome.ok) return json(outcome.status, { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
  let value: unknown;
  try {
    value = JSON.parse(outcome.retMsg);
  } catch {
    return json(502, { errorCode: 430, errorMessage: 'the function returned a value that is not JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('statusCode' in value)) {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(outcome.retMsg) };
  }
  const r = value as { statusCode: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
  if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599) {
    return json(502, { errorCode: 430, errorMessage: 'statusCode of the integration response must be an integer from 100 to 599' });
  }
  const headers: Record<string, string | string[]> = {};
  if (typeof r.headers === 'object' && r.headers !== null) {
    for (const [name, v] of Object.entries(r.headers)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') headers[name.toLowerCase()] = String(v);
      else if (Array.isArray(v)) headers[name.toLowerCase()] = v.map(String);
    }
  }
  const base64 = r.isBase64Encoded === true || r.isBase64Encoded === 'true';
  const text = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return { status: r.statusCode, headers, body: base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

function write(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}

export interface FunctionUrlOptions {
  authType: 'NONE' | 'CAM';
  invoke: (event: FunctionUrlEvent) => Promise<UrlOutcome>;
}

/** One listening Function URL. */
export class FunctionUrl {
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: () => FunctionUrlOptions): Promise<FunctionUrl> {
    const server = createServer((req, res) => {
      void FunctionUrl.serve(req, res, options());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the Function URL listener has no port');
    return new FunctionUrl(server, `http://127.0.0.1:${String(address.port)}/`);
  }

  private static async serve(req: IncomingMessage, res: ServerResponse, options: FunctionUrlOptions): Promise<void> {
    const body = await readBody(req, MAX_URL_BODY_BYTES);
    if (body === undefined) {
      write(res, json(413, { errorCode: 406, errorMessage: 'the request body exceeds the 6 MB limit of a synchronous invocation' }));
      return;
    }
    // AuthType CAM: its signing recipe is unverified, so the local URL refuses every unsigned request.
    if (options.authType === 'CAM' && (req.headers.authorization ?? '') === '') {
      write(res, json(403, { errorCode: 401, errorMessage: 'this Function URL uses AuthType CAM: the request must be signed' }));
      return;
    }
    try {
      write(res, integrationResponse(await options.invoke(functionUrlEvent(req, body))));
    } catch (error) {
      write(res, json(502, { errorCode: 500, errorMessage: error instanceof Error ? error.message : 'invocation failed' }));
    }
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
