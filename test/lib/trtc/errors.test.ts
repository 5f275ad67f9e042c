import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  CredentialsUnavailableError,
  HttpStatusError,
  MalformedResponseError,
  NetworkError,
  NoCallSlotError,
} from '../../../lib/trtc/errors';

describe('the transport and client errors', () => {
  it('each is an Error with its own name (what classification and logs read)', () => {
    const errors: Error[] = [
      new ApiError('InvalidParameter', 'bad', 'req-1'),
      new HttpStatusError(502),
      new NetworkError(false, 'ECONNRESET'),
      new AbortedError(true),
      new MalformedResponseError('not json'),
      new CredentialsUnavailableError('no role'),
      new NoCallSlotError('no slot', 1500),
    ];
    expect(errors.map((e) => e.name)).toEqual([
      'ApiError',
      'HttpStatusError',
      'NetworkError',
      'AbortedError',
      'MalformedResponseError',
      'CredentialsUnavailableError',
      'NoCallSlotError',
    ]);
    for (const error of errors) expect(error).toBeInstanceOf(Error);
  });

  it('the transport says whether the request was sent and names the cause', () => {
    const network = new NetworkError(true, 'ECONNRESET');
    expect([network.sent, network.errno, network.message]).toEqual([true, 'ECONNRESET', 'the connection to TRTC failed (ECONNRESET)']);
    expect(new AbortedError(false).sent).toBe(false);
    expect(new HttpStatusError(503)).toMatchObject({ httpCode: 503, message: 'TRTC answered HTTP 503' });
    expect(new NoCallSlotError('no slot', 1500).retryAfterMs).toBe(1500);
  });

  it('ApiError keeps the code and the RequestId TRTC answered', () => {
    const error = new ApiError('RequestLimitExceeded', 'slow down', 'req-9');
    expect([error.code, error.message, error.requestId]).toEqual(['RequestLimitExceeded', 'slow down', 'req-9']);
  });
});
