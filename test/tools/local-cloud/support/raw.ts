/** Hand-signed TC3 requests to the local SCF, to test what the SDK never sends (skew, versions, methods). */
import http from 'node:http';
import { signRequest } from '../../../../tools/shared/tc3-verify';

export interface RawOptions {
  action?: string;
  version?: string;
  region?: string | null;
  timestamp?: number;
  secretId: string;
  secretKey: string;
  body?: string;
  method?: string;
  contentType?: string;
  /** Signed host value (default: the hostname without port, as the SDK signs). */
  signedHost?: string;
  service?: string;
}

export async function rawCall(
  endpoint: string,
  o: RawOptions,
): Promise<{ status: number; json: { Response: { Error?: { Code: string; Message: string }; RequestId: string } } }> {
  const url = new URL(endpoint);
  const body = o.body ?? '{}';
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const contentType = o.contentType ?? 'application/json';
  const signed = signRequest({
    method: o.method ?? 'POST',
    uri: '/',
    query: '',
    headers: { 'content-type': contentType, host: o.signedHost ?? url.hostname },
    signedHeaders: ['content-type', 'host'],
    payload: body,
    secretId: o.secretId,
    secretKey: o.secretKey,
    timestamp,
    service: o.service ?? url.hostname.split('.')[0] ?? '',
  });
  const headers: Record<string, string> = {
    'content-type': contentType,
    authorization: signed.authorization,
    'x-tc-action': o.action ?? 'GetFunction',
    'x-tc-version': o.version ?? '2018-04-16',
    'x-tc-timestamp': String(timestamp),
  };
  if (o.region !== null) headers['x-tc-region'] = o.region ?? 'ap-guangzhou';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: o.method ?? 'POST', path: '/', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end(o.method === 'GET' ? undefined : body);
  });
}
