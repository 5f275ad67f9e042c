/**
 * The HTTP pipeline, shared by every HTTP-shaped source and the standalone server: method, preflight and
 * authentication first, then the parameters, the idempotency key, and the report; always an integration response.
 */
import { badRequest, methodNotAllowed, unauthorized } from '../failures';
import { callerKey } from '../idempotency/keys';
import { failed, type Outcome } from '../outcome';
import type { Parsed } from '../parse/parsed';
import { traceIdOfInvocation, type Invocation } from '../invocation';
import { submitReport } from '../pipeline';
import { corsHeaders, isAuthorised, preflightHeaders } from './guard';
import { httpParams, type HttpRequest } from './request';
import { TRACE_ID_HEADER } from './traceparent';
import { outcomeResponse, type HttpResponse } from './response';

export interface HttpResult {
  readonly response: HttpResponse;
  /** Undefined for requests that are not report submissions (a CORS preflight). */
  readonly outcome?: Outcome;
}

/** Every answer names the request's trace id (the caller's `traceparent`'s, else the invocation's id). */
export async function handleHttp(request: Parsed<HttpRequest>, inv: Invocation): Promise<HttpResult> {
  const trace = { [TRACE_ID_HEADER]: traceIdOfInvocation(inv) };
  if (!request.ok) {
    const outcome = failed(request.failure);
    return { response: outcomeResponse(outcome, inv.id, trace), outcome };
  }
  const req = request.value;
  const origin = req.headers['origin'];
  if (req.method === 'OPTIONS') {
    return { response: { isBase64Encoded: false, statusCode: 204, headers: { ...preflightHeaders(inv.config, origin), ...trace }, body: '' } };
  }
  const outcome = await submit(req, inv);
  const extra: Record<string, string> = { ...corsHeaders(inv.config, origin), ...trace };
  if (!outcome.ok && outcome.failure.status === 401) extra['WWW-Authenticate'] = 'Bearer';
  return { response: outcomeResponse(outcome, inv.id, extra), outcome };
}

async function submit(req: HttpRequest, inv: Invocation): Promise<Outcome> {
  if (req.method !== 'GET' && req.method !== 'POST') return failed(methodNotAllowed(req.method));
  if (!isAuthorised(inv.config, req.headers['authorization'])) return failed(unauthorized());
  const params = httpParams(req);
  if (!params.ok) return failed(params.failure);
  const header = req.headers['idempotency-key'];
  if (header === undefined) return submitReport(params.value, inv);
  const key = callerKey(header);
  if (!key.ok) return failed(badRequest(key.error));
  return submitReport(params.value, inv, { key: key.key });
}
