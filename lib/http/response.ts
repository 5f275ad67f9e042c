/**
 * The integration response every HTTP-shaped event gets: `{isBase64Encoded:false, statusCode, headers, body}`,
 * the body a JSON cloud-API envelope.
 */
import { STATUS_CODES } from 'node:http';
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

/** An ALB target's answer: the integration response plus `statusDescription`, with `multiValueHeaders` when asked. */
export interface AlbResponse {
  readonly isBase64Encoded: false;
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly body: string;
}

/** The answer in the shape the event's source expects. */
/** How an HTTP answer is shaped: the integration response (API Gateway, Function URL) or ALB's. */
export type HttpAnswerFormat = 'integration' | 'alb' | 'alb-multi-value';

export function formatAnswer(response: HttpResponse, format: HttpAnswerFormat = 'integration'): HttpResponse | AlbResponse {
  if (format === 'integration') return response;
  const statusDescription = `${response.statusCode} ${STATUS_CODES[response.statusCode] ?? ''}`.trim();
  const base = { isBase64Encoded: false as const, statusCode: response.statusCode, statusDescription, body: response.body };
  if (format === 'alb') return { ...base, headers: response.headers };
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) multiValueHeaders[name] = [value];
  return { ...base, multiValueHeaders };
}
