// The peer of every figure: the least a Node program can do to record a report — one TC3-signed JSON POST with
// node:crypto and node:http(s). Required by the other peers; run alone, it sends one report and exits (the
// cold-start peer). Environment: TRTC_ENDPOINT, TENCENTCLOUD_SECRETID / SECRETKEY / SESSIONTOKEN.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

function signedPost(endpoint, report, agent) {
  const url = new URL(endpoint);
  const body = JSON.stringify(report);
  const timestamp = Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const service = url.host.split('.')[0];
  const canonical = `POST\n/\n\ncontent-type:application/json\nhost:${url.hostname}\n\ncontent-type;host\n${sha256(body)}`;
  const scope = `${date}/${service}/tc3_request`;
  const key = hmac(hmac(hmac(`TC3${process.env.TENCENTCLOUD_SECRETKEY}`, date), service), 'tc3_request');
  const signature = crypto
    .createHmac('sha256', key)
    .update(`TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonical)}`)
    .digest('hex');
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-TC-Action': 'CreateTroubleInfo',
    'X-TC-Version': '2019-07-22',
    'X-TC-Timestamp': String(timestamp),
    'X-TC-Region': 'ap-guangzhou',
    Authorization: `TC3-HMAC-SHA256 Credential=${process.env.TENCENTCLOUD_SECRETID}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
  };
  if (process.env.TENCENTCLOUD_SESSIONTOKEN) headers['X-TC-Token'] = process.env.TENCENTCLOUD_SESSIONTOKEN;
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      { hostname: url.hostname, port: url.port, method: 'POST', path: '/', headers, agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text).Response.RequestId));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let n = 0;
function report(tag) {
  n += 1;
  return {
    SdkAppId: '1400188366',
    RoomId: `${tag}-${n}`,
    TeacherUserId: 'teacher',
    StudentUserId: 'student',
    TroubleUserId: 'student',
    TroubleType: 1,
    TroubleTime: 1764150000 + (n % 100000),
    TroubleMsg: `bench report ${tag} ${n} ${crypto.randomUUID()}`,
  };
}

module.exports = { signedPost, report };

if (require.main === module) {
  signedPost(process.env.TRTC_ENDPOINT, report('cold'), new http.Agent({ keepAlive: false })).then(() => process.exit(0));
}
