/**
 * Embedded local emulator of the TRTC cloud API endpoint (`https://trtc.tencentcloudapi.com/`) for
 * `CreateTroubleInfo`, version 2019-07-22, over loopback HTTP.
 *
 * It verifies TC3-HMAC-SHA256 exactly (via tools/shared/tc3-verify.ts), enforces the CreateTroubleInfo parameter contract
 * (implemented independently of the production code on purpose), answers with the real API 3.0
 * envelope (HTTP 200 + `Response.Error` for every API error) and can inject faults (API error codes,
 * HTTP 5xx, no answer, connection reset, invalid JSON, delay).
 *
 * Deliberate differences from the real endpoint:
 * - Plain HTTP on loopback. The scope service must be `trtc`, as the real API requires and every other
 *   Tencent client signs; on a loopback Host the first label of its hostname (`127` for `127.0.0.1:PORT`)
 *   is accepted too, because the Node SDK derives the service from the endpoint's first DNS label.
 * - The SDK signs `host` as the URL *hostname* (no port) while sending `Host: host:port`. When `host` is
 *   signed, the emulator accepts a signature made over either the received Host value or that value
 *   without its `:port` suffix. On the real endpoint (no port) both are the same string.
 * - Only TC3-HMAC-SHA256 is implemented; legacy v1 (HmacSHA1/HmacSHA256, POST form-urlencoded) and
 *   multipart are answered with `UnsupportedProtocol`. A wrong path also gets `UnsupportedProtocol`.
 * - No rate limiting, no region validation (X-TC-Region is optional and recorded only); use
 *   {@link TrtcEmulator.inject} for `RequestLimitExceeded` and friends.
 * - A temporary credential (with `token`) requires a matching X-TC-Token; a long-term credential sent
 *   with a non-empty X-TC-Token is rejected with `AuthFailure.TokenFailure` (strict on purpose).
 *
 * The server never writes to stdout/stderr and answers (or drops) garbage instead of crashing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { verifyAuth, type EmulatorCredential } from './auth';
import {
  EMULATED_ACTION,
  EMULATED_VERSION,
  MAX_GET_BYTES,
  MAX_POST_BYTES,
  mediaType,
  parseParams,
  validateParams,
  type ReceivedRequest,
  type TroubleRecord,
} from './contract';
import { validateFault, type EmulatorFault } from './faults';
import { apiError, defaultMessage, type ApiError } from './messages';

/** One request that reached the emulator. */
export interface EmulatorCall {
  /** Arrival time (ms, from the emulator clock). */
  at: number;
  method: string;
  action?: string;
  version?: string;
  region?: string;
  /** The parsed parameters (JSON body for POST, query object for GET) when they could be parsed. */
  params?: unknown;
  /** The RequestId answered (generated even when a fault means it is never sent). */
  requestId: string;
  /** `'ok'`, the API error code answered, or the fault kind (`http-status`, `no-answer`, `reset`, `invalid-json`). */
  outcome: 'ok' | string;
  /** Human-readable reason for an error outcome (never sent; for debugging tests). */
  detail?: string;
  /** The fault applied to this call, if any. */
  fault?: EmulatorFault;
  /** The API error's message, when one was answered. */
  errorMessage?: string;
  /** Received headers, lower-case names (multi-valued headers joined with `, `). */
  headers: Record<string, string>;
}

/** Emulator construction options. */
export interface TrtcEmulatorOptions {
  /** The keys the emulator knows. */
  credentials: EmulatorCredential[];
  /** Allowed |X-TC-Timestamp − now| in seconds; default 300 (the real API's 5 minutes). */
  maxSkewSeconds?: number;
  /** Emulator clock in ms since the epoch (default `Date.now`), e.g. to test the skew window. */
  now?: () => number;
}

/** Flattens Node's header object into lower-case name → single string. */
function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readRequest(req: IncomingMessage): Promise<ReceivedRequest> {
  return new Promise((resolve) => {
    const target = req.url ?? '';
    const q = target.indexOf('?');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve({
        method: req.method ?? '',
        path: q === -1 ? target : target.slice(0, q),
        rawQuery: q === -1 ? '' : target.slice(q + 1),
        hasQuery: q !== -1,
        headers: flattenHeaders(req),
        body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks),
        bodyTooLarge: tooLarge,
        bodyBytes: size,
      });
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_POST_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', finish);
    req.on('error', finish);
    req.on('close', finish);
  });
}

/**
 * The local TRTC endpoint. `start()` it, point the SDK at `http://127.0.0.1:PORT`, `stop()` it.
 */
export class TrtcEmulator {
  private readonly credentialsById = new Map<string, EmulatorCredential>();
  private readonly maxSkewSeconds: number;
  private readonly clock: () => number;
  /** Added to the clock (see {@link TrtcEmulator.setClockOffset}). */
  private clockOffsetMs = 0;
  private readonly callLog: EmulatorCall[] = [];
  private readonly createdLog: TroubleRecord[] = [];
  private readonly faults: EmulatorFault[] = [];
  private readonly sockets = new Set<Socket>();
  /** Pending delay faults: timer → resolver, so stop() can release them at once. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(options: TrtcEmulatorOptions) {
    for (const credential of options.credentials) {
      this.credentialsById.set(credential.secretId, { ...credential });
    }
    this.maxSkewSeconds = options.maxSkewSeconds ?? 300;
    this.clock = options.now ?? Date.now;
  }

  /** The emulator's clock: the given clock plus the offset set by {@link setClockOffset}. */
  private now(): number {
    return this.clock() + this.clockOffsetMs;
  }

  /**
   * Moves the emulator's clock `ms` away from the host's (positive: ahead), as a TRTC whose time differs from a
   * skewed host: signatures are checked against it and answers carry it in their `Date` header.
   */
  setClockOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError('the clock offset must be a finite number of ms');
    this.clockOffsetMs = ms;
  }

  /** Base URL once started, e.g. `http://127.0.0.1:41234`. Throws before `start()`. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('TrtcEmulator is not started');
    return this.baseUrl;
  }

  /** The endpoint to give the SDK's `httpProfile.endpoint`, e.g. `127.0.0.1:41234`. */
  get endpoint(): string {
    return this.url.replace(/^http:\/\//, '');
  }

  /** Every request that reached the emulator, in arrival order. */
  get calls(): readonly EmulatorCall[] {
    return this.callLog;
  }

  /** Records created by successful calls, in order. */
  get created(): readonly TroubleRecord[] {
    return this.createdLog;
  }

  /** Number of queued faults not yet consumed. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  /**
   * Listens on `host:port` (default 127.0.0.1, port 0 = any free port).
   * @returns the base URL, e.g. `http://127.0.0.1:41234`.
   */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server !== undefined) throw new Error('TrtcEmulator is already started');
    // maxHeaderSize above the 32 KB GET limit so oversize GETs reach us and get RequestSizeLimitExceeded.
    const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
      this.handle(req, res).catch(() => {
        this.safeDestroy(req.socket);
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('clientError', (_err: Error, socket: Socket) => {
      if (socket.writable) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      } else {
        socket.destroy();
      }
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') {
      server.close();
      throw new Error('TrtcEmulator could not determine its port');
    }
    const hostPart = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
    this.server = server;
    this.baseUrl = `http://${hostPart}:${String(address.port)}`;
    return this.baseUrl;
  }

  /** Closes the server and destroys every open socket (including held no-answer ones). Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const [timer, release] of this.delays) {
      clearTimeout(timer);
      release();
    }
    this.delays.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) this.safeDestroy(socket);
    this.sockets.clear();
    await closed;
  }

  /** Makes one more key pair known (e.g. temporary keys minted for a function's run role). */
  addCredential(credential: EmulatorCredential): void {
    this.credentialsById.set(credential.secretId, { ...credential });
  }

  /** Queues `fault` for the next `times` requests (default 1); faults apply before any other check. */
  inject(fault: EmulatorFault, times = 1): void {
    validateFault(fault);
    if (!Number.isInteger(times) || times < 0) throw new RangeError('times must be a non-negative integer');
    for (let k = 0; k < times; k += 1) this.faults.push(fault);
  }

  /** Drops the queued faults only (calls and created records are kept). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Clears calls, created records and queued faults. */
  reset(): void {
    this.callLog.length = 0;
    this.createdLog.length = 0;
    this.faults.length = 0;
    this.clockOffsetMs = 0;
  }

  private safeDestroy(socket: Socket): void {
    try {
      socket.destroy();
    } catch {
      // never throw while tearing down
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.now();
    const received = await readRequest(req);
    const requestId = randomUUID();
    const headers = received.headers;
    const call: EmulatorCall = { at, method: received.method, requestId, outcome: 'ok', headers };
    if (headers['x-tc-action'] !== undefined) call.action = headers['x-tc-action'];
    if (headers['x-tc-version'] !== undefined) call.version = headers['x-tc-version'];
    if (headers['x-tc-region'] !== undefined) call.region = headers['x-tc-region'];
    if (!received.bodyTooLarge && (received.method === 'GET' || received.method === 'POST')) {
      const parsed = parseParams(received);
      if (parsed.ok) call.params = parsed.params;
      else if (parsed.raw !== undefined) call.params = parsed.raw;
    }
    this.callLog.push(call);

    const fault = this.faults.shift();
    if (fault !== undefined) {
      call.fault = fault;
      // `afterRecording`: the request is processed (and a valid report recorded) before the fault hits, as when
      // TRTC recorded it and the answer was lost: the client cannot tell, which is what duplicates come from.
      if ('afterRecording' in fault && fault.afterRecording === true) {
        const early = this.evaluate(received, call, at);
        if (early !== undefined) {
          call.outcome = early.code;
          call.errorMessage = early.message;
        }
      }
      switch (fault.kind) {
        case 'api-error':
          this.answerError(res, call, {
            code: fault.code,
            message: fault.message ?? defaultMessage(fault.code, call.action ?? EMULATED_ACTION),
            detail: 'injected',
          });
          return;
        case 'http-status': {
          call.outcome = 'http-status';
          call.detail = `injected HTTP ${String(fault.status)}`;
          const text = STATUS_CODES[fault.status] ?? 'Error';
          const body = `<html>\r\n<head><title>${String(fault.status)} ${text}</title></head>\r\n<body>\r\n<center><h1>${String(fault.status)} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
          this.send(res, fault.status, 'text/html', body, headers);
          return;
        }
        case 'no-answer':
          call.outcome = 'no-answer';
          return; // socket held; stop() or the client closes it
        case 'reset':
          call.outcome = 'reset';
          this.resetSocket(req.socket);
          return;
        case 'invalid-json':
          call.outcome = 'invalid-json';
          this.send(res, 200, 'application/json', '<html><body>upstream returned garbage</body></html>', headers);
          return;
        case 'delay':
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              this.delays.delete(timer);
              resolve();
            }, fault.ms);
            this.delays.set(timer, resolve);
          });
          if (res.destroyed || this.server === undefined) return;
          if (fault.afterRecording === true) {
            // Already evaluated (and recorded) on arrival: answer what it said then.
            if (call.errorMessage !== undefined) this.send(res, 200, 'application/json', this.errorBody(call), headers);
            else this.send(res, 200, 'application/json', JSON.stringify({ Response: { RequestId: requestId } }), headers);
            return;
          }
          break;
      }
    }

    const error = this.evaluate(received, call, at);
    if (error !== undefined) {
      this.answerError(res, call, error);
      return;
    }
    this.send(res, 200, 'application/json', JSON.stringify({ Response: { RequestId: requestId } }), headers);
  }

  /**
   * Runs protocol, size, auth, action/version and contract checks; records success. The order is Tencent Cloud
   * API 3.0's (docs/reliability.md, "Health probe"): the signature (and token), then CAM's permission, then the action and
   * version, and the parameters last, so a parameter error proves the three checks before it (the health probe
   * relies on that).
   */
  private evaluate(r: ReceivedRequest, call: EmulatorCall, at: number): ApiError | undefined {
    if (r.method !== 'POST' && r.method !== 'GET') {
      return apiError('UnsupportedProtocol', `The HTTP method \`${r.method}\` is not supported. Use POST or GET.`);
    }
    if (r.path !== '/') {
      return apiError('UnsupportedProtocol', `The request path \`${r.path}\` is not supported. Use \`/\`.`);
    }
    if (r.method === 'POST' && r.bodyTooLarge) {
      return apiError('RequestSizeLimitExceeded', 'The POST request body exceeds the 10 MB limit.');
    }
    if (r.method === 'GET' && (r.rawQuery.length > MAX_GET_BYTES || r.bodyBytes > MAX_GET_BYTES)) {
      return apiError('RequestSizeLimitExceeded', 'The GET request exceeds the 32 KB limit.');
    }
    if (r.method === 'POST' && mediaType(r.headers['content-type']) !== 'application/json') {
      return apiError(
        'UnsupportedProtocol',
        `The Content-Type \`${r.headers['content-type'] ?? ''}\` is not supported: POST requests must be application/json signed with TC3-HMAC-SHA256.`,
      );
    }

    const authError = verifyAuth(r, at, this.credentialsById, this.maxSkewSeconds);
    if (authError !== undefined) return authError;

    const action = r.headers['x-tc-action'];
    if (action === undefined || action === '') {
      return apiError('MissingParameter', 'The request is missing a required parameter `Action`.');
    }
    if (action !== EMULATED_ACTION) {
      return apiError('InvalidAction', `The requested action \`${action}\` does not exist.`);
    }
    const version = r.headers['x-tc-version'];
    if (version === undefined || version === '') {
      return apiError('MissingParameter', 'The request is missing a required parameter `Version`.');
    }
    if (version !== EMULATED_VERSION) {
      return apiError('NoSuchVersion', `The requested version \`${version}\` of service \`trtc\` does not exist.`);
    }

    const parsed = parseParams(r);
    if (!parsed.ok) return parsed.error;
    const checked = validateParams(parsed.params, parsed.fromQuery);
    if (!checked.ok) return checked.error;
    this.createdLog.push({ ...checked.record, RequestId: call.requestId });
    return undefined;
  }

  private answerError(res: ServerResponse, call: EmulatorCall, error: ApiError): void {
    call.outcome = error.code;
    if (error.detail !== undefined) call.detail = error.detail;
    call.errorMessage = error.message;
    this.send(res, 200, 'application/json', this.errorBody(call), call.headers);
  }

  private errorBody(call: EmulatorCall): string {
    return JSON.stringify({ Response: { Error: { Code: call.outcome, Message: call.errorMessage ?? call.outcome }, RequestId: call.requestId } });
  }

  private send(res: ServerResponse, status: number, contentType: string, body: string, requestHeaders: Record<string, string>): void {
    if (res.destroyed || res.headersSent) return;
    const out: Record<string, string | number> = {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      // The emulator's clock, as TRTC's own answers carry TRTC's.
      Date: new Date(this.now()).toUTCString(),
    };
    const traceId = requestHeaders['x-tc-traceid'];
    if (traceId !== undefined && traceId !== '') out['X-TC-TraceId'] = traceId;
    try {
      res.writeHead(status, out);
      res.end(body);
    } catch {
      if (res.socket !== null) this.safeDestroy(res.socket);
    }
  }

  private resetSocket(socket: Socket): void {
    try {
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
    } catch {
      this.safeDestroy(socket);
    }
  }
}
