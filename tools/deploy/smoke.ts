/**
 * The smoke check after a deploy, creating no record: Invoke with a Timer event (the function's health probe:
 * it checks configuration and credentials and sends nothing), and a GET without parameters to the Function URL,
 * which the function answers itself (400 MissingParameter, or 401 when AUTH_TOKEN is set) without calling TRTC.
 * A Function URL with authType CAM, or a disabled one, cannot answer an unsigned GET: that request is skipped.
 */
import type { ScfApi } from './scf-api';

export interface SmokeReport {
  readonly ok: boolean;
  readonly invoke: { readonly ok: boolean; readonly detail: string };
  readonly http: { readonly ok: boolean; readonly detail: string; readonly status?: number; readonly skipped?: true };
}

/** Answers that prove the function itself answered the URL without a TRTC call. */
const HTTP_OK = new Set([400, 401]);
const HTTP_TIMEOUT_MS = 15_000;

function clip(text: string, n = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

const probeEvent = () => ({ Type: 'Timer', TriggerName: 'deploy-smoke-check', Time: new Date().toISOString(), Message: '' });

async function invokeProbe(api: ScfApi, fn: string, qualifier?: string): Promise<SmokeReport['invoke']> {
  try {
    const r = await api.invoke(fn, probeEvent(), qualifier !== undefined ? { qualifier } : {});
    if (r.errMsg !== '') return { ok: false, detail: `the health probe failed: ${clip(r.errMsg)}` };
    return { ok: true, detail: `health probe passed in ${r.durationMs} ms: ${clip(r.retMsg)}` };
  } catch (error) {
    return { ok: false, detail: `Invoke failed: ${clip(error instanceof Error ? error.message : String(error))}` };
  }
}

/** The error code of the function's API error answer ({"Response":{"Error":{"Code"}}}), or ''. */
function errorCodeOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { Response?: { Error?: { Code?: unknown } } };
    return typeof parsed.Response?.Error?.Code === 'string' ? parsed.Response.Error.Code : '';
  } catch {
    return '';
  }
}

/**
 * The checks of one version (a canary's): the health probe and the smoke request (the Function URL's GET without
 * parameters, as the URL's event), both invoked on that version, so no record is created.
 */
export async function checkVersion(
  api: ScfApi,
  fn: string,
  version: string,
): Promise<{ ok: true } | { ok: false; failed: 'health probe' | 'smoke request'; detail: string }> {
  const probe = await invokeProbe(api, fn, version);
  if (!probe.ok) return { ok: false, failed: 'health probe', detail: probe.detail };
  const event = { httpMethod: 'GET', path: '/', headers: { 'x-scf-remote-addr': '127.0.0.1' }, queryString: {}, body: '' };
  try {
    const r = await api.invoke(fn, event, { qualifier: version });
    if (r.errMsg !== '') return { ok: false, failed: 'smoke request', detail: clip(r.errMsg) };
    const answer = JSON.parse(r.retMsg) as { statusCode?: unknown; body?: unknown };
    const code = typeof answer.body === 'string' ? errorCodeOf(answer.body) : '';
    if (typeof answer.statusCode === 'number' && HTTP_OK.has(answer.statusCode) && code !== '') return { ok: true };
    return { ok: false, failed: 'smoke request', detail: `answered ${String(answer.statusCode)}: ${clip(r.retMsg)}` };
  } catch (error) {
    return { ok: false, failed: 'smoke request', detail: clip(error instanceof Error ? error.message : String(error)) };
  }
}

async function httpProbe(url: string | null): Promise<SmokeReport['http']> {
  if (url === null) return { ok: true, detail: 'skipped: no Function URL' };
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'manual' });
    const body = await res.text();
    const code = errorCodeOf(body);
    const ok = HTTP_OK.has(res.status) && code !== '';
    return {
      ok,
      status: res.status,
      detail: ok ? `GET ${url} answered ${res.status} ${code} (by the function, no TRTC call)` : `GET ${url} answered ${res.status}: ${clip(body)}`,
    };
  } catch (error) {
    return { ok: false, detail: `GET ${url} failed: ${clip(error instanceof Error ? error.message : String(error))}` };
  }
}

/** `skipUrl`: why the URL must get no unsigned GET (authType CAM, a disabled URL); the Invoke runs regardless. */
export async function smokeCheck(
  api: ScfApi,
  fn: string,
  url: string | null,
  print: (line: string) => void,
  options: { readonly skipUrl?: string; readonly qualifier?: string } = {},
): Promise<SmokeReport> {
  const { skipUrl, qualifier } = options;
  const invoke = await invokeProbe(api, fn, qualifier);
  print(`smoke: Invoke ${invoke.ok ? 'ok' : 'FAILED'}: ${invoke.detail}`);
  const http: SmokeReport['http'] = skipUrl === undefined ? await httpProbe(url) : { ok: true, skipped: true, detail: skipUrl };
  print(`smoke: Function URL ${'skipped' in http ? 'skipped' : http.ok ? 'ok' : 'FAILED'}: ${http.detail}`);
  return { ok: invoke.ok && http.ok, invoke, http };
}
