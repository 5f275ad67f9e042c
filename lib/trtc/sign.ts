/**
 * TC3-HMAC-SHA256 for one JSON POST, as tencentcloud-sdk-nodejs signs it (`Sign.sign3`): signed headers
 * `content-type;host`, the host without its port, path `/`, no query. Tested against the SDK's own signer and
 * Tencent's published vectors.
 */
import { createHash, createHmac } from 'node:crypto';

export interface Tc3Input {
  readonly secretId: string;
  readonly secretKey: string;
  /** The product, e.g. `trtc` (the SDK uses the endpoint's first label). */
  readonly service: string;
  /** The signed host: the endpoint's hostname, without the port. */
  readonly host: string;
  /** X-TC-Timestamp, Unix seconds. */
  readonly timestamp: number;
  readonly contentType: string;
  readonly payload: string;
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');

/** The UTC date (YYYY-MM-DD) of a Unix timestamp in seconds: the credential scope's date. */
export function scopeDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

// The signing key only changes with the key, the UTC date and the service: one entry is enough for a warm instance.
let cachedKey: { id: string; key: Buffer } | undefined;

function signingKey(secretKey: string, date: string, service: string): Buffer {
  const id = `${date}\n${service}\n${secretKey}`;
  if (cachedKey?.id !== id) cachedKey = { id, key: hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request') };
  return cachedKey.key;
}

/** The `Authorization` header value. */
export function tc3Authorization(input: Tc3Input): string {
  const date = scopeDate(input.timestamp);
  const canonical = `POST\n/\n\ncontent-type:${input.contentType}\nhost:${input.host}\n\ncontent-type;host\n${sha256Hex(input.payload)}`;
  const scope = `${date}/${input.service}/tc3_request`;
  const toSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256Hex(canonical)}`;
  const signature = createHmac('sha256', signingKey(input.secretKey, date, input.service))
    .update(toSign, 'utf8')
    .digest('hex');
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}
