import { describe, expect, it } from 'vitest';
import { classifyUpstream, kindOfCode, type UpstreamKind } from '../../../lib/trtc/classify';
import {
  AbortedError,
  ApiError,
  CredentialsUnavailableError,
  HttpStatusError,
  MalformedResponseError,
  NetworkError,
  NoCallSlotError,
} from '../../../lib/trtc/errors';
import { finalFailure } from '../../../lib/trtc/policy';

/** Shaped like tencentcloud-sdk-nodejs's TencentCloudSDKHttpException (an Error with requestId and traceId). */
class FakeSdkHttpException extends Error {
  readonly requestId: string;
  readonly traceId: string;
  code?: string;
  httpCode?: number;

  constructor(message: string, requestId = '', traceId = '') {
    super(message);
    this.requestId = requestId;
    this.traceId = traceId;
  }
}

function apiError(code: string, message = 'upstream message', requestId = 'b2c3d4e5-0000-4000-8000-000000000001'): FakeSdkHttpException {
  const error = new FakeSdkHttpException(message, requestId, 'trace-1');
  error.code = code;
  return error;
}

function httpError(status: number, statusText: string): FakeSdkHttpException {
  const error = new FakeSdkHttpException(statusText, '', 'trace-1');
  error.httpCode = status;
  return error;
}

const CODE_KINDS: ReadonlyArray<readonly [string, UpstreamKind]> = [
  ['RequestLimitExceeded', 'throttled'],
  ['RequestLimitExceeded.UinLimitExceeded', 'throttled'],
  ['RequestLimitExceeded.GlobalRegionUinLimitExceeded', 'throttled'],
  ['InternalError', 'internal'],
  ['InternalError.BackendFail', 'internal'],
  ['InternalError.BackendTimeOut', 'internal'],
  ['InternalError.DBError', 'internal'],
  ['ServiceUnavailable', 'unavailable'],
  ['ResourceUnavailable', 'unavailable'],
  ['AuthFailure.SignatureExpire', 'signature-expired'],
  ['AuthFailure.TokenFailure', 'token'],
  ['AuthFailure.SignatureFailure', 'auth'],
  ['AuthFailure.SecretIdNotFound', 'auth'],
  ['AuthFailure.InvalidSecretId', 'auth'],
  ['AuthFailure.UnauthorizedOperation', 'auth'],
  ['AuthFailure.InvalidAuthorization', 'auth'],
  ['AuthFailure.MFAFailure', 'auth'],
  ['UnauthorizedOperation', 'auth'],
  ['InvalidAction', 'action-unavailable'],
  ['ActionOffline', 'action-unavailable'],
  ['UnsupportedOperation', 'action-unavailable'],
  ['NoSuchVersion', 'action-unavailable'],
  ['MissingParameter', 'parameter'],
  ['InvalidParameter', 'parameter'],
  ['InvalidParameter.SdkAppId', 'parameter'],
  ['InvalidParameterValue', 'parameter'],
  ['UnknownParameter', 'parameter'],
  ['FailedOperation', 'rejected'],
  ['ResourceNotFound', 'rejected'],
  ['LimitExceeded', 'rejected'],
];

describe('kindOfCode', () => {
  it.each(CODE_KINDS)('%s → %s', (code, kind) => {
    expect(kindOfCode(code)).toBe(kind);
  });
});

describe('classifyUpstream: API errors (HTTP 200 with Error)', () => {
  it.each(CODE_KINDS)('%s → %s, keeping code, message and RequestId', (code, kind) => {
    expect(classifyUpstream(apiError(code, 'what TRTC said'), false)).toEqual({
      kind,
      code,
      message: 'what TRTC said',
      requestId: 'b2c3d4e5-0000-4000-8000-000000000001',
      // Only InternalError* may have recorded: every other envelope is a verdict that nothing was recorded.
      mayHaveRecorded: kind === 'internal',
    });
  });

  it('a plain object of the same shape classifies the same', () => {
    expect(classifyUpstream({ message: 'm', requestId: 'rid', traceId: 't', code: 'InternalError' }, false)).toMatchObject({
      kind: 'internal',
      code: 'InternalError',
      requestId: 'rid',
    });
  });

  it('an empty RequestId is left out', () => {
    expect(classifyUpstream(apiError('InternalError', 'm', ''), false)).not.toHaveProperty('requestId');
  });

  it('decides on the code, never on the message text', () => {
    expect(classifyUpstream(apiError('InvalidParameter', 'request to x failed, reason: read ECONNRESET; network timeout'), false).kind).toBe('parameter');
  });
});

describe('classifyUpstream: HTTP and network failures', () => {
  it.each([
    [502, 'Bad Gateway'],
    [503, 'Service Unavailable'],
    [500, 'Internal Server Error'],
    [504, 'Gateway Timeout'],
  ])('HTTP %i → transport with the status', (status, text) => {
    const failure = classifyUpstream(httpError(status, text), false);
    expect(failure.kind).toBe('transport');
    expect(failure.httpStatus).toBe(status);
  });

  it('the plain {message, httpCode: 502} shape → transport', () => {
    expect(classifyUpstream({ message: 'Bad Gateway', httpCode: 502 }, false)).toMatchObject({ kind: 'transport', httpStatus: 502 });
  });

  it('HTTP 429 → throttled', () => {
    expect(classifyUpstream(httpError(429, 'Too Many Requests'), false).kind).toBe('throttled');
  });

  it.each([400, 403, 404])('HTTP %i → rejected (not retried)', (status) => {
    expect(classifyUpstream(httpError(status, 'x'), false).kind).toBe('rejected');
  });

  it.each([
    'request to http://x/ failed, reason: read ECONNRESET',
    'request to https://trtc.tencentcloudapi.com/ failed, reason: connect ECONNREFUSED 127.0.0.1:443',
    'request to http://x/ failed, reason: socket hang up',
    'request to http://x/ failed, reason: getaddrinfo ENOTFOUND trtc.tencentcloudapi.com',
    'request to http://x/ failed, reason: getaddrinfo EAI_AGAIN trtc.tencentcloudapi.com',
    'request to http://x/ failed, reason: write EPIPE',
  ])('%s → transport', (message) => {
    expect(classifyUpstream(new FakeSdkHttpException(message, '', 'trace-1'), false).kind).toBe('transport');
    expect(classifyUpstream({ message }, false).kind).toBe('transport');
  });

  it.each(['network timeout at: http://x/', 'network timeout at: https://trtc.tencentcloudapi.com/'])('%s → timeout', (message) => {
    expect(classifyUpstream(new FakeSdkHttpException(message, '', 'trace-1'), false).kind).toBe('timeout');
    expect(classifyUpstream({ message }, false).kind).toBe('timeout');
  });

  it('our own attempt timeout firing → timeout, whatever was thrown', () => {
    expect(classifyUpstream(new FakeSdkHttpException('The user aborted a request.'), true).kind).toBe('timeout');
    expect(classifyUpstream(apiError('InvalidParameter'), true).kind).toBe('timeout');
  });

  it('a node-fetch invalid-json FetchError (a non-JSON 200) → transport', () => {
    const fetchError = {
      name: 'FetchError',
      type: 'invalid-json',
      message: 'invalid json response body at http://x/ reason: Unexpected token < in JSON at position 0',
    };
    expect(classifyUpstream(fetchError, false).kind).toBe('transport');
  });

  it('a SyntaxError from parsing the answer → transport', () => {
    expect(classifyUpstream(new SyntaxError('Unexpected token < in JSON at position 0'), false).kind).toBe('transport');
  });

  it('an answer without a RequestId → transport', () => {
    expect(classifyUpstream(new MalformedResponseError('TRTC answered without a RequestId'), false).kind).toBe('transport');
  });

  it('credentials vanishing from the environment → credentials', () => {
    const failure = classifyUpstream(new CredentialsUnavailableError('no cloud credentials'), false);
    expect(failure.kind).toBe('credentials');
    expect(failure.message).toBe('no cloud credentials');
  });

  it.each([undefined, null, 'a string', 42])('a thrown %j → transport', (thrown) => {
    expect(classifyUpstream(thrown, false).kind).toBe('transport');
  });

  it('an invalid code string is not trusted as a code', () => {
    const failure = classifyUpstream({ message: 'request to http://x/ failed, reason: read ECONNRESET', code: 'ECONNRESET!' }, false);
    expect(failure.kind).toBe('transport');
    expect(failure).not.toHaveProperty('code', 'ECONNRESET!');
  });
});

describe('classifyUpstream: what the transport throws, and whether TRTC may have recorded it', () => {
  it.each([
    ['an API error', new ApiError('InvalidParameter', 'bad', 'rid'), 'parameter', false],
    ['InternalError', new ApiError('InternalError.DBError', 'db', 'rid'), 'internal', true],
    ['throttled', new ApiError('RequestLimitExceeded', 'slow down', 'rid'), 'throttled', false],
    ['HTTP 502', new HttpStatusError(502), 'transport', true],
    ['HTTP 429', new HttpStatusError(429), 'throttled', false],
    ['HTTP 404', new HttpStatusError(404), 'rejected', false],
    ['refused (never sent)', new NetworkError(false, 'ECONNREFUSED'), 'transport', false],
    ['reset before the request was written', new NetworkError(false, 'ECONNRESET'), 'transport', false],
    ['reset after sending', new NetworkError(true, 'ECONNRESET'), 'transport', true],
    ['an unreadable answer', new MalformedResponseError('not JSON'), 'transport', true],
    ['credentials gone', new CredentialsUnavailableError('no cloud credentials'), 'credentials', false],
    ['no call slot', new NoCallSlotError('no slot', 2500), 'quota', false],
  ] as const)('%s → %s, mayHaveRecorded %s', (_name, error, kind, may) => {
    const failure = classifyUpstream(error, false);
    expect(failure.kind).toBe(kind);
    expect(failure.mayHaveRecorded).toBe(may);
  });

  it('a timeout is "maybe recorded" unless the request never left', () => {
    expect(classifyUpstream(new AbortedError(true), true)).toMatchObject({ kind: 'timeout', mayHaveRecorded: true });
    expect(classifyUpstream(new AbortedError(false), true)).toMatchObject({ kind: 'timeout', mayHaveRecorded: false });
    expect(classifyUpstream(new Error('anything'), true)).toMatchObject({ kind: 'timeout', mayHaveRecorded: true });
  });

  it('a missing call slot is a 429 with Retry-After from the limiter', () => {
    const failure = finalFailure(classifyUpstream(new NoCallSlotError('no slot', 2500), false));
    expect(failure).toMatchObject({ status: 429, code: 'RequestLimitExceeded', retryable: true, retryAfterSeconds: 3 });
  });
});

describe('mayHaveRecorded (reliability item 4)', () => {
  // Only the transport's own NetworkError/AbortedError say whether the request left (tested above); an error known
  // only by its message is assumed to have been sent.
  it.each([
    ['ECONNREFUSED', true],
    ['ENOTFOUND', true],
    ['ECONNRESET', true],
    ['EPIPE', true],
    ['socket hang up', true],
  ] as const)('a network error known only by its message (%s) → %s', (errno, expected) => {
    expect(classifyUpstream(new Error(`request to https://trtc.tencentcloudapi.com/ failed, reason: ${errno}`), false).mayHaveRecorded).toBe(expected);
  });

  it('no answer in time, HTTP 5xx, InternalError* and an unreadable answer may have recorded the report', () => {
    expect(classifyUpstream(new Error('aborted'), true).mayHaveRecorded).toBe(true);
    expect(classifyUpstream(httpError(502, 'Bad Gateway'), false).mayHaveRecorded).toBe(true);
    expect(classifyUpstream(apiError('InternalError.DBError'), false).mayHaveRecorded).toBe(true);
    expect(classifyUpstream(new MalformedResponseError('TRTC answered without a RequestId'), false).mayHaveRecorded).toBe(true);
  });

  it.each(['RequestLimitExceeded', 'AuthFailure.SecretIdNotFound', 'InvalidAction', 'MissingParameter', 'ServiceUnavailable', 'FailedOperation'])(
    'an API error envelope %s certainly did not record it',
    (code) => {
      expect(classifyUpstream(apiError(code), false).mayHaveRecorded).toBe(false);
    },
  );

  it('HTTP 429 and missing credentials did not record it', () => {
    expect(classifyUpstream(httpError(429, 'Too Many Requests'), false).mayHaveRecorded).toBe(false);
    expect(classifyUpstream(new CredentialsUnavailableError('no keys'), false).mayHaveRecorded).toBe(false);
  });
});
