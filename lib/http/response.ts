/**
 * The integration response every HTTP-shaped event gets: `{isBase64Encoded:false, statusCode, headers, body}`,
 * the body a JSON cloud-API envelope.
 */
import { toEnvelope, type Envelope, type Outcome } from '../outcome';

export interface HttpResponse {
  readonly isBase64Encoded: false;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpResponse {
  return { isBase64Encoded: false, statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The response for an outcome: 200 with the RequestId, or the failure's status with the error envelope. */
export function outcomeResponse(outcome: Outcome, invocationId: string, headers: Readonly<Record<string, string>> = {}): HttpResponse {
  const envelope: Envelope = toEnvelope(outcome, invocationId);
  if (outcome.ok) {
    return jsonResponse(200, envelope, outcome.replayed ? { ...headers, 'Idempotent-Replayed': 'true' } : headers);
  }
  const extra: Record<string, string> = { ...headers };
  if (outcome.failure.retryAfterSeconds !== undefined) extra['Retry-After'] = String(outcome.failure.retryAfterSeconds);
  if (outcome.failure.status === 405) extra['Allow'] = 'GET, POST, OPTIONS';
  return jsonResponse(outcome.failure.status, envelope, extra);
}
