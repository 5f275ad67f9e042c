/**
 * The runtime TC3 signer (lib/trtc/sign.ts) against Tencent's published worked example (the two rows that sign
 * `content-type;host`, as the SDK does) and against tencentcloud-sdk-nodejs's own `Sign.sign3` on our requests.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { scopeDate, tc3Authorization } from '../../../lib/trtc/sign';
import { BASE } from '../../support/fixtures';

const require = createRequire(import.meta.url);
interface Sign3Input {
  method: string;
  url: string;
  payload: unknown;
  timestamp: number;
  service: string;
  secretId: string;
  secretKey: string;
  multipart: boolean;
  headers: Record<string, string>;
}
const { default: Sign } = require('tencentcloud-sdk-nodejs/tencentcloud/common/sign') as { default: { sign3(input: Sign3Input): string } };

// Official worked example (CVM DescribeInstances), from Tencent Cloud API 3.0 "Signature v3".
const PAYLOAD = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
const EXAMPLE = { service: 'cvm', host: 'cvm.tencentcloudapi.com', timestamp: 1551113065, contentType: 'application/json; charset=utf-8', payload: PAYLOAD };

describe('tc3Authorization', () => {
  it.each([
    [
      'older revision',
      'AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******',
      'Gu5t9xGARNpq86cd98joQYCN3*******',
      '2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c',
    ],
    [
      'oldest EN revision',
      'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    ],
  ])('reproduces the %s of the official example', (_name, secretId, secretKey, signature) => {
    expect(tc3Authorization({ ...EXAMPLE, secretId, secretKey })).toBe(
      `TC3-HMAC-SHA256 Credential=${secretId}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
    );
  });

  it('uses the UTC date of the timestamp in the scope (00:44 Beijing time is the day before in UTC)', () => {
    expect(scopeDate(1551113065)).toBe('2019-02-25');
  });

  // Non-ASCII, quotes and a backslash: the payload hash must match the SDK's byte for byte.
  const report = { ...BASE, TroubleMsg: '视频卡顿 "quoted" \\ back' };

  it.each([
    ['the real endpoint', 'https://trtc.tencentcloudapi.com/', 'trtc', 'trtc.tencentcloudapi.com'],
    ['a loopback emulator', 'http://127.0.0.1:8080/', '127', '127.0.0.1'],
  ])('equals the SDK’s Sign.sign3 for %s, across keys and days', (_name, url, service, host) => {
    for (const [timestamp, secretKey] of [
      [1764150000, 'k'.repeat(32)],
      [1764150000 + 86_400, 'another-secret-key-0123456789abcd'],
      [1551113065, 'k'.repeat(32)],
    ] as const) {
      const payload = JSON.stringify(report);
      const ours = tc3Authorization({ secretId: 'AKIDexample', secretKey, service, host, timestamp, contentType: 'application/json', payload });
      const sdk = Sign.sign3({
        method: 'POST',
        url,
        payload: report,
        timestamp,
        service,
        secretId: 'AKIDexample',
        secretKey,
        multipart: false,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(ours).toBe(sdk);
    }
  });
});
