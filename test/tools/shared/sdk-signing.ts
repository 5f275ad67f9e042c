/**
 * A POST signed as Tencent's other clients sign it (the Python and Go SDKs, tccli, `@tencent-sdk/capi`): the
 * credential scope's service is the product name (`scf`, `trtc`), the signed headers are `content-type;host`, and
 * `host` is signed as sent (with its port). Written from the TC3-HMAC-SHA256 specification with node:crypto only,
 * independent of tools/shared/tc3-verify.ts, so the verifier is checked against a second implementation.
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';

export interface ProductSigned {
  headers: Record<string, string>;
  body: string;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

export function signAsProductClient(o: {
  /** `host[:port]` as sent in the Host header (and signed as such). */
  host: string;
  service: string;
  action: string;
  version: string;
  region?: string;
  secretId: string;
  secretKey: string;
  token?: string;
  body: string;
  timestamp?: number;
}): ProductSigned {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const contentType = 'application/json';
  const canonical = ['POST', '/', '', `content-type:${contentType}\nhost:${o.host}\n`, 'content-type;host', sha256(o.body)].join('\n');
  const scope = `${date}/${o.service}/tc3_request`;
  const toSign = `TC3-HMAC-SHA256\n${String(timestamp)}\n${scope}\n${sha256(canonical)}`;
  const signing = hmac(hmac(hmac(`TC3${o.secretKey}`, date), o.service), 'tc3_request');
  const sig = createHmac('sha256', signing).update(toSign, 'utf8').digest('hex');
  const headers: Record<string, string> = {
    Authorization: `TC3-HMAC-SHA256 Credential=${o.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${sig}`,
    'Content-Type': contentType,
    Host: o.host,
    'X-TC-Action': o.action,
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': o.version,
  };
  if (o.region !== undefined) headers['X-TC-Region'] = o.region;
  if (o.token !== undefined) headers['X-TC-Token'] = o.token;
  return { headers, body: o.body };
}

/** POSTs a signed request to a loopback URL; resolves the parsed API 3.0 envelope. */
export function postSigned(url: string, signed: ProductSigned): Promise<{ Response: { Error?: { Code: string; Message: string }; RequestId: string } }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: target.port, method: 'POST', path: '/', headers: signed.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text) as never);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end(signed.body);
  });
}
