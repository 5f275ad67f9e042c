/**
 * The HTTP pipeline, shared by every HTTP-shaped source and the standalone server: read the parameters from the
 * request, submit the report, and answer with the integration response.
 */
import type { Outcome } from '../outcome';
import { submitReport, type Invocation } from '../pipeline';
import { httpParams, type HttpRequest, type Parsed } from './request';
import { jsonResponse, outcomeResponse, type HttpResponse } from './response';

export interface HttpResult {
  readonly response: HttpResponse;
  /** Undefined for requests that are not report submissions (a CORS preflight). */
  readonly outcome?: Outcome;
}

export async function handleHttp(request: Parsed<HttpRequest>, inv: Invocation): Promise<HttpResult> {
  if (!request.ok) {
    const outcome: Outcome = { ok: false, failure: request.failure, attempts: 0 };
    return { response: outcomeResponse(outcome, inv.id), outcome };
  }
  const req = request.value;
  if (req.method === 'OPTIONS') {
    return { response: { ...jsonResponse(204, {}), body: '', headers: { Allow: 'GET, POST, OPTIONS' } } };
  }
  const params = httpParams(req);
  const outcome: Outcome = params.ok ? await submitReport(params.value, inv) : { ok: false, failure: params.failure, attempts: 0 };
  return { response: outcomeResponse(outcome, inv.id), outcome };
}
