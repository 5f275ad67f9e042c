/**
 * Embedded local emulator of the TRTC cloud API endpoint (`https://trtc.tencentcloudapi.com/`) for
 * `CreateTroubleInfo`, version 2019-07-22, over loopback HTTP.
 *
 * It verifies TC3-HMAC-SHA256 exactly (via ./tc3), enforces the CreateTroubleInfo parameter contract
 * (implemented independently of the production code on purpose), answers with the real API 3.0
 * envelope (HTTP 200 + `Response.Error` for every API error) and can inject faults (API error codes,
 * HTTP 5xx, no answer, connection reset, invalid JSON, delay).
 *
 * Deliberate differences from the real endpoint:
 * - Plain HTTP on loopback, so the SDK derives the scope service from the endpoint's first DNS label
 *   (`127` for `127.0.0.1:PORT`). The emulator therefore requires the scope service to equal the first
 *   label of the received `Host` hostname (`trtc` for trtc.tencentcloudapi.com, as the real API does).
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
import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  TC3_ALGORITHM,
  canonicalRequest,
  parseAuthorization,
  signature as tc3Signature,
  signingKey,
  stringToSign,
  utcDate,
} from '../tc3';

/** The action served by the emulator. */
export const EMULATED_ACTION = 'CreateTroubleInfo';
/** The API version served by the emulator. */
export const EMULATED_VERSION = '2019-07-22';
/** Maximum POST body size accepted by API 3.0 (10 MB). */
export const MAX_POST_BYTES = 10 * 1024 * 1024;
/** Maximum GET request size (request target incl. query) accepted by API 3.0 (32 KB). */
export const MAX_GET_BYTES = 32 * 1024;

/** A key pair known to the emulator. */
export interface EmulatorCredential {
  secretId: string;
  secretKey: string;
  /** Present ⇒ temporary keys: X-TC-Token is required and must equal it. */
  token?: string;
  /** Signature accepted but CAM denies the action: `AuthFailure.UnauthorizedOperation`. */
  denied?: boolean;
}

/** A fault to inject into upcoming requests (see {@link TrtcEmulator.inject}). */
export type EmulatorFault =
  /** HTTP 200 envelope with `Error.Code` = code (default realistic message per code). */
  | { kind: 'api-error'; code: string; message?: string; afterRecording?: boolean }
  /** A non-200 status with an HTML body (as a gateway/LB would send). */
  | { kind: 'http-status'; status: number; afterRecording?: boolean }
  /** Read the request, never answer; the socket is held until the client gives up or `stop()`. */
  | { kind: 'no-answer'; afterRecording?: boolean }
  /** Read the request, then reset the TCP connection (client sees ECONNRESET). */
  | { kind: 'reset'; afterRecording?: boolean }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'invalid-json' }
  /** Answer normally, but only after `ms` milliseconds. */
  | { kind: 'delay'; ms: number };

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
  /** Received headers, lower-case names (multi-valued headers joined with `, `). */
  headers: Record<string, string>;
}

/** A successfully created trouble record: the 8 parameters plus the RequestId answered. */
export interface TroubleRecord {
  SdkAppId: string;
  RoomId: string;
  TeacherUserId: string;
  StudentUserId: string;
  TroubleUserId: string;
  TroubleType: number;
  TroubleTime: number;
  TroubleMsg: string;
  RequestId: string;
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

/** Generates a random temporary credential (AKID-style id, 32-char key, random token). */
export function throwawayCredential(): EmulatorCredential {
  return {
    secretId: `AKID${randomBytes(24).toString('base64url').slice(0, 32)}`,
    secretKey: randomBytes(24).toString('base64url').slice(0, 32),
    token: randomBytes(48).toString('base64url'),
  };
}

/** An API error decision: code + message (+ a private detail for `calls`). */
interface ApiError {
  code: string;
  message: string;
  detail?: string;
}

const PARAMETER_NAMES = [
  'SdkAppId',
  'RoomId',
  'TeacherUserId',
  'StudentUserId',
  'TroubleUserId',
  'TroubleType',
  'TroubleTime',
  'TroubleMsg',
] as const;
type ParameterName = (typeof PARAMETER_NAMES)[number];
const STRING_PARAMETERS: ReadonlySet<ParameterName> = new Set<ParameterName>([
  'SdkAppId',
  'RoomId',
  'TeacherUserId',
  'StudentUserId',
  'TroubleUserId',
  'TroubleMsg',
]);

/** Realistic default messages (Tencent may change the wording; clients must branch on Code only). */
function defaultMessage(code: string, action: string): string {
  switch (code) {
    case 'RequestLimitExceeded':
      return 'Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.';
    case 'RequestLimitExceeded.UinLimitExceeded':
      return 'Your account request frequency exceeds the limit. Please reduce the frequency of calls.';
    case 'RequestLimitExceeded.IPLimitExceeded':
      return 'Your IP request frequency exceeds the limit. Please reduce the frequency of calls.';
    case 'InternalError':
      return 'An internal error has occurred. Retry your request, but if the problem persists, contact us.';
    case 'InternalError.BackendFail':
      return 'Backend service failed.';
    case 'InternalError.BackendTimeOut':
      return 'Backend service timed out.';
    case 'InternalError.DBError':
      return 'Database error.';
    case 'ServiceUnavailable':
      return 'The service is temporarily unavailable. Please try again later.';
    case 'ResourceUnavailable':
      return 'The resource is temporarily unavailable.';
    case 'ResourceInUse':
      return 'The resource is in use.';
    case 'InvalidAction':
      return `The requested action \`${action}\` does not exist.`;
    case 'ActionOffline':
      return `The action \`${action}\` has been taken offline.`;
    case 'NoSuchVersion':
      return 'The requested version does not exist.';
    case 'NoSuchProduct':
      return 'The requested product does not exist.';
    case 'AuthFailure.SignatureExpire':
      return 'Signature expired. Timestamp is out of the allowed 300 second window of the server time.';
    case 'AuthFailure.SignatureFailure':
      return 'The provided credentials could not be validated. Please check your signature is correct.';
    case 'AuthFailure.SecretIdNotFound':
      return 'The SecretId is not found, please ensure that your SecretId is correct.';
    case 'AuthFailure.InvalidSecretId':
      return 'Invalid key (not a TencentCloud API key type).';
    case 'AuthFailure.TokenFailure':
      return 'The provided token is invalid or has expired.';
    case 'AuthFailure.InvalidAuthorization':
      return 'The `Authorization` header is invalid.';
    case 'AuthFailure.MFAFailure':
      return 'MFA verification failed.';
    case 'AuthFailure.UnauthorizedOperation':
      return `You are not authorized to perform the operation (trtc:${action}).`;
    case 'AuthFailure.UnRealNameAuthenticated':
      return 'The account has not completed real-name authentication.';
    case 'UnauthorizedOperation':
      return 'Unauthorized operation.';
    case 'UnsupportedProtocol':
      return 'The request protocol is not supported.';
    case 'UnsupportedRegion':
      return 'The region is not supported.';
    case 'RequestSizeLimitExceeded':
      return 'The request size exceeds the limit.';
    case 'LimitExceeded':
      return 'The quota limit has been exceeded.';
    case 'FailedOperation':
      return 'The operation failed.';
    case 'InvalidParameter':
      return 'A parameter is invalid.';
    case 'InvalidParameterValue':
      return 'A parameter value is invalid.';
    case 'MissingParameter':
      return 'A required parameter is missing.';
    case 'UnknownParameter':
      return 'An unknown parameter was passed.';
    default:
      return `The request failed with error \`${code}\`.`;
  }
}

function apiError(code: string, message: string, detail?: string): ApiError {
  return detail === undefined ? { code, message } : { code, message, detail };
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

/** Strips a `:port` suffix from a Host header value (keeps IPv6 literals in brackets intact). */
function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Constant-time equality of two strings (hashing first so lengths never leak). */
function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Constant-time equality of two lower-case hex signatures. */
function signatureEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(received, 'hex');
  // parseAuthorization guarantees 64 hex digits, so both are 32 bytes; guard anyway.
  if (a.length !== b.length || a.length === 0) return false;
  return timingSafeEqual(a, b);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A request as received: method, target split, headers and the (capped) raw body. */
interface ReceivedRequest {
  method: string;
  path: string;
  rawQuery: string;
  hasQuery: boolean;
  headers: Record<string, string>;
  body: Buffer;
  bodyTooLarge: boolean;
  bodyBytes: number;
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

/** Parses the params for recording/validation: JSON body (POST) or query (GET). */
type ParsedParams =
  | { ok: true; params: Record<string, unknown>; fromQuery: boolean }
  | { ok: false; error: ApiError; raw?: unknown };

function parseParams(r: ReceivedRequest): ParsedParams {
  if (r.method === 'GET') {
    const params: Record<string, unknown> = {};
    try {
      for (const [key, value] of new URLSearchParams(r.rawQuery)) {
        if (Object.prototype.hasOwnProperty.call(params, key)) {
          return {
            ok: false,
            error: apiError('InvalidParameter', `The parameter \`${key}\` is specified more than once.`),
          };
        }
        params[key] = value;
      }
    } catch {
      return { ok: false, error: apiError('InvalidParameter', 'The query string is malformed.') };
    }
    return { ok: true, params, fromQuery: true };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.body.toString('utf8'));
  } catch {
    return {
      ok: false,
      error: apiError('InvalidParameter', 'The request body is not valid JSON.', 'JSON.parse failed'),
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      ok: false,
      error: apiError('InvalidParameter', 'The request body must be a JSON object.'),
      raw: parsed,
    };
  }
  return { ok: true, params: parsed as Record<string, unknown>, fromQuery: false };
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 64 ? `${text.slice(0, 61)}...` : text;
  } catch {
    return String(value);
  }
}

/** Validates the CreateTroubleInfo parameter contract; independent of lib/ on purpose. */
function validateParams(
  params: Record<string, unknown>,
  fromQuery: boolean,
): { ok: true; record: Omit<TroubleRecord, 'RequestId'> } | { ok: false; error: ApiError } {
  for (const name of PARAMETER_NAMES) {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      return { ok: false, error: apiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`) };
    }
  }
  for (const key of Object.keys(params)) {
    if (!(PARAMETER_NAMES as readonly string[]).includes(key)) {
      return { ok: false, error: apiError('UnknownParameter', `The parameter \`${key}\` is not recognized.`) };
    }
  }
  const strings = new Map<ParameterName, string>();
  const integers = new Map<ParameterName, number>();
  for (const name of PARAMETER_NAMES) {
    const value = params[name];
    if (STRING_PARAMETERS.has(name)) {
      if (typeof value !== 'string') {
        return {
          ok: false,
          error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected String, got ${describeValue(value)}.`),
        };
      }
      if (value === '') {
        return {
          ok: false,
          error: apiError('InvalidParameterValue', `The value of parameter \`${name}\` must not be empty.`),
        };
      }
      strings.set(name, value);
      continue;
    }
    let n: number;
    if (fromQuery && typeof value === 'string') {
      if (!/^-?\d+$/.test(value)) {
        return {
          ok: false,
          error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer, got ${describeValue(value)}.`),
        };
      }
      n = Number(value);
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      n = value;
    } else {
      return {
        ok: false,
        error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer, got ${describeValue(value)}.`),
      };
    }
    const valid =
      name === 'TroubleType' ? n >= 1 && n <= 8 : n > 0 && Number.isSafeInteger(n);
    if (!valid) {
      const range = name === 'TroubleType' ? 'an integer from 1 to 8' : 'a positive integer (Unix seconds)';
      return {
        ok: false,
        error: apiError('InvalidParameterValue', `The value \`${describeValue(value)}\` of parameter \`${name}\` is invalid: it must be ${range}.`),
      };
    }
    integers.set(name, n);
  }
  const s = (name: ParameterName): string => strings.get(name) ?? '';
  const i = (name: ParameterName): number => integers.get(name) ?? 0;
  return {
    ok: true,
    record: {
      SdkAppId: s('SdkAppId'),
      RoomId: s('RoomId'),
      TeacherUserId: s('TeacherUserId'),
      StudentUserId: s('StudentUserId'),
      TroubleUserId: s('TroubleUserId'),
      TroubleType: i('TroubleType'),
      TroubleTime: i('TroubleTime'),
      TroubleMsg: s('TroubleMsg'),
    },
  };
}

function validateFault(fault: EmulatorFault): void {
  switch (fault.kind) {
    case 'api-error':
      if (typeof fault.code !== 'string' || fault.code === '') throw new RangeError('api-error fault needs a non-empty code');
      return;
    case 'http-status':
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new RangeError('http-status fault needs an integer status in 200..599');
      }
      return;
    case 'delay':
      if (!Number.isFinite(fault.ms) || fault.ms < 0) throw new RangeError('delay fault needs ms >= 0');
      return;
    case 'no-answer':
    case 'reset':
    case 'invalid-json':
      return;
  }
}

/**
 * The local TRTC endpoint. `start()` it, point the SDK at `http://127.0.0.1:PORT`, `stop()` it.
 */
export class TrtcEmulator {
  private readonly credentialsById = new Map<string, EmulatorCredential>();
  private readonly maxSkewSeconds: number;
  private readonly now: () => number;
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
    this.now = options.now ?? Date.now;
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
      if ('afterRecording' in fault && fault.afterRecording === true) this.evaluate(received, call, at);
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
   * API 3.0's (README "Health probe"): the signature (and token), then CAM's permission, then the action and
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

    const authError = this.verifyAuth(r, at);
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

  /** TC3-HMAC-SHA256 verification of the request exactly as received. */
  private verifyAuth(r: ReceivedRequest, at: number): ApiError | undefined {
    const failure = (detail: string): ApiError =>
      apiError('AuthFailure.SignatureFailure', defaultMessage('AuthFailure.SignatureFailure', ''), detail);
    const invalid = (detail: string): ApiError =>
      apiError('AuthFailure.InvalidAuthorization', defaultMessage('AuthFailure.InvalidAuthorization', ''), detail);

    const header = r.headers['authorization'];
    if (header === undefined || header.trim() === '') return invalid('missing Authorization header');
    const parsed = parseAuthorization(header);
    if (!parsed.ok) return invalid(parsed.error.message);
    const auth = parsed.value;
    if (auth.algorithm !== TC3_ALGORITHM) return invalid(`unsupported algorithm ${auth.algorithm}`);
    if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host')) {
      return invalid('SignedHeaders must include content-type and host');
    }

    const timestampText = r.headers['x-tc-timestamp'];
    if (timestampText === undefined || timestampText === '') {
      return apiError('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
    }
    if (!/^\d{1,12}$/.test(timestampText)) {
      return apiError('InvalidParameter', `The parameter \`Timestamp\` is invalid: \`${timestampText.slice(0, 32)}\`.`);
    }
    const timestamp = Number(timestampText);

    if (auth.date !== utcDate(timestamp)) return failure('scope date is not the UTC date of X-TC-Timestamp');
    const hostHeader = r.headers['host'];
    if (hostHeader === undefined || hostHeader === '') return failure('missing Host header');
    const hostname = hostWithoutPort(hostHeader.trim()).toLowerCase();
    const expectedService = hostname.split('.')[0] ?? '';
    if (auth.service !== expectedService) {
      return failure(`scope service ${auth.service} does not match host label ${expectedService}`);
    }

    const nowSeconds = Math.floor(at / 1000);
    if (Math.abs(timestamp - nowSeconds) > this.maxSkewSeconds) {
      return apiError(
        'AuthFailure.SignatureExpire',
        `Signature expired. Timestamp is ${String(timestamp)}, server time is ${String(nowSeconds)}; the difference exceeds ${String(this.maxSkewSeconds)} seconds.`,
      );
    }

    const credential = this.credentialsById.get(auth.secretId);
    if (credential === undefined) {
      return apiError('AuthFailure.SecretIdNotFound', defaultMessage('AuthFailure.SecretIdNotFound', ''));
    }

    // Canonical headers from the received values; host may have been signed with or without the port.
    const signedValues: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = r.headers[name];
      if (value === undefined) return failure(`signed header ${name} missing from the request`);
      signedValues[name] = value;
    }
    const hostCandidates = [hostHeader, hostWithoutPort(hostHeader.trim())];
    const keys = signingKey(credential.secretKey, auth.date, auth.service);
    const scope = `${auth.date}/${auth.service}/tc3_request`;
    let matched = false;
    for (const hostValue of hostCandidates) {
      const canonical = canonicalRequest({
        method: r.method,
        uri: '/',
        query: r.rawQuery,
        headers: { ...signedValues, host: hostValue },
        signedHeaders: auth.signedHeaders,
        payload: r.body,
      });
      const expected = tc3Signature(keys.secretSigning, stringToSign(timestamp, scope, canonical));
      // Evaluate every candidate (no early exit) to keep timing independent of which one matched.
      matched = signatureEqual(expected, auth.signature) || matched;
    }
    if (!matched) return failure('signature mismatch');

    const token = r.headers['x-tc-token'] ?? '';
    if (credential.token !== undefined) {
      if (token === '' || !safeEqual(token, credential.token)) {
        return apiError('AuthFailure.TokenFailure', defaultMessage('AuthFailure.TokenFailure', ''), token === '' ? 'X-TC-Token missing' : 'X-TC-Token mismatch');
      }
    } else if (token !== '') {
      return apiError('AuthFailure.TokenFailure', defaultMessage('AuthFailure.TokenFailure', ''), 'X-TC-Token sent with long-term keys');
    }
    if (credential.denied === true) {
      return apiError('AuthFailure.UnauthorizedOperation', defaultMessage('AuthFailure.UnauthorizedOperation', EMULATED_ACTION));
    }
    return undefined;
  }

  private answerError(res: ServerResponse, call: EmulatorCall, error: ApiError): void {
    call.outcome = error.code;
    if (error.detail !== undefined) call.detail = error.detail;
    const body = JSON.stringify({
      Response: { Error: { Code: error.code, Message: error.message }, RequestId: call.requestId },
    });
    this.send(res, 200, 'application/json', body, call.headers);
  }

  private send(
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    requestHeaders: Record<string, string>,
  ): void {
    if (res.destroyed || res.headersSent) return;
    const out: Record<string, string | number> = {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
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
