import { describe, expect, it } from 'vitest';
import { clientErrorStatus, rawErrorResponse } from '../../../lib/server/client-error';

describe('raw client-error answers', () => {
  it('maps parser codes to statuses; a connection that broke gets no answer', () => {
    expect(clientErrorStatus('HPE_HEADER_OVERFLOW')).toBe(431);
    expect(clientErrorStatus('ERR_HTTP_REQUEST_TIMEOUT')).toBe(408);
    expect(clientErrorStatus('HPE_CHUNK_EXTENSIONS_OVERFLOW')).toBe(413);
    expect(clientErrorStatus('HPE_INVALID_METHOD')).toBe(400);
    expect(clientErrorStatus(undefined)).toBe(400);
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT']) expect(clientErrorStatus(code)).toBeUndefined();
  });

  it('writes a complete HTTP/1.1 answer with an envelope, the exact Content-Length and Connection: close', () => {
    for (const status of [400, 408, 413, 431] as const) {
      const raw = rawErrorResponse(status, 'req-1');
      const [head, body] = raw.split('\r\n\r\n') as [string, string];
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [A-Z]`));
      expect(head).toContain('Connection: close');
      expect(head).toContain('X-Request-Id: req-1');
      expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
      expect(JSON.parse(body)).toMatchObject({ Response: { Error: { Code: 'InvalidParameter' }, RequestId: 'req-1' } });
    }
  });
});
