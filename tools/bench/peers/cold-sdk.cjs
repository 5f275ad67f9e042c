// Cold start of the naive way: the SDK's CommonClient required from node_modules, unbundled, one call.
'use strict';
const { report } = require('./raw-post.cjs');
const { CommonClient } = require('tencentcloud-sdk-nodejs/tencentcloud/common/common_client');
const url = new URL(process.env.TRTC_ENDPOINT);
const client = new CommonClient(url.host, '2019-07-22', {
  credential: { secretId: process.env.TENCENTCLOUD_SECRETID, secretKey: process.env.TENCENTCLOUD_SECRETKEY, token: process.env.TENCENTCLOUD_SESSIONTOKEN },
  region: 'ap-guangzhou',
  profile: { httpProfile: { protocol: `${url.protocol}//`, endpoint: url.host } },
});
client.request('CreateTroubleInfo', report('cold')).then(() => process.exit(0));
