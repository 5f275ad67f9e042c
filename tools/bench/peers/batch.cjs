// One CKafka batch of N records through the bundle; prints the elapsed time and the summary counts.
// Arguments: <bundle> <records>
'use strict';
const { report } = require('./raw-post.cjs');
const [bundle, recordsText] = process.argv.slice(2);
const realWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
const n = Number(recordsText);
const event = {
  Records: Array.from({ length: n }, (_, i) => ({ Ckafka: { topic: 'bench', partition: 0, offset: i, msgKey: 'None', msgBody: JSON.stringify(report('k')) } })),
};
const t0 = Date.now();
require(bundle)
  .main_handler(event, { request_id: 'batch', time_limit_in_ms: 60000 })
  .then(
    (s) => ({ sent: s.sent, failed: s.failed }),
    (e) => ({ sent: e.summary ? e.summary.sent : 0, failed: e.summary ? e.summary.failed : n }),
  )
  .then((r) => {
    realWrite(`RESULT ${JSON.stringify({ ...r, ms: Date.now() - t0 })}\n`);
    process.exit(0);
  });
