/**
 * Answers to errors Node's HTTP parser raises before a request object exists (malformed or timed-out requests):
 * which status each deserves, and the raw HTTP/1.1 response that carries it.
 */

/** The status Node's HTTP parser errors deserve, or undefined when the connection should just be dropped. */
export function clientErrorStatus(code: string | undefined): 400 | 408 | 413 | 431 | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ETIMEDOUT':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    default:
      return 400;
  }
}

/** A complete raw HTTP/1.1 error response (for errors raised before Node created a request object). */
export function rawErrorResponse(status: 400 | 408 | 413 | 431, requestId: string): string {
  const reasons = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' } as const;
  const messages = {
    400: 'the request is not valid HTTP/1.1',
    408: 'the request was not received in time',
    413: 'the request is too large',
    431: 'the request headers are too large',
  } as const;
  const body = JSON.stringify({ Response: { Error: { Code: 'InvalidParameter', Message: messages[status] }, RequestId: requestId } });
  return (
    `HTTP/1.1 ${String(status)} ${reasons[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${String(Buffer.byteLength(body))}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`
  );
}
