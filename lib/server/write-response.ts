/** Writing an {@link HttpResponse} to a Node response. */
import type { ServerResponse } from 'node:http';
import type { HttpResponse } from '../http/response';

/** Writes a response with the request id (and `Connection: close` when asked). Never throws. */
export function send(res: ServerResponse, response: HttpResponse, requestId: string, close: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(response.body, 'utf8');
  const headers: Record<string, string> = {
    ...response.headers,
    'X-Request-Id': requestId,
    'Content-Length': String(body.length),
    ...(close ? { Connection: 'close' } : {}),
  };
  try {
    res.writeHead(response.statusCode, headers);
    res.end(body);
  } catch {
    res.destroy();
  }
}
