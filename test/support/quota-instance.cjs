// One function instance for the quota proof (test/bundle/quota.test.ts): loads the built bundle and offers reports at a
// steady rate for a while, as HTTP (Function URL) events or CKafka batches, then prints one JSON line with every
// answer's status and time against its limit. Arguments: <bundle> <mode http|batch> <perSecond> <seconds> <limitMs> <tag> <startAt epoch ms>
const { randomUUID } = require('node:crypto');
const { monitorEventLoopDelay } = require('node:perf_hooks');
// How late this process's timers ran (a starved or busy process starts its calls late).
const delay = monitorEventLoopDelay({ resolution: 5 });
const [bundle, mode, perSecondText, secondsText, limitText, tag, startAtText] = process.argv.slice(2);
const { main_handler } = require(bundle);
const perSecond = Number(perSecondText);
const seconds = Number(secondsText);
const limitMs = Number(limitText);
// The function's log lines are counted by message (warnings included), not printed.
const logged = {};
process.stdout.write = (
  (write) =>
  (chunk, ...rest) => {
    const text = String(chunk);
    if (text.startsWith('RESULT ')) return write(chunk, ...rest);
    for (const line of text.split('\n').filter(Boolean)) {
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? '?';
      logged[msg] = (logged[msg] ?? 0) + 1;
    }
    return true;
  }
)(process.stdout.write.bind(process.stdout));

// Distinct reports, as the benchmark's peers make them.
const { report: distinctReport } = require('../../tools/bench/peers/raw-post.cjs');
const report = () => distinctReport(`quota-${tag}`);
let n = 0;

const answers = [];
const pending = [];
function offerHttp() {
  const started = Date.now();
  const event = { httpMethod: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report()), isBase64Encoded: false };
  pending.push(
    main_handler(event, { request_id: randomUUID(), time_limit_in_ms: limitMs }).then((r) => {
      answers.push({
        status: r.statusCode,
        code: r.statusCode === 200 ? undefined : JSON.parse(r.body).Response.Error.Code,
        retryAfter: r.headers['Retry-After'],
        ms: Date.now() - started,
      });
    }),
  );
}
function offerBatch(size) {
  const started = Date.now();
  const batch = (n += 1);
  const event = {
    Records: Array.from({ length: size }, (_, i) => ({
      Ckafka: { topic: `quota-${tag}`, partition: 0, offset: batch * 1000 + i, msgKey: 'None', msgBody: JSON.stringify(report()) },
    })),
  };
  pending.push(
    main_handler(event, { request_id: randomUUID(), time_limit_in_ms: limitMs }).then(
      (summary) =>
        summary.records.forEach((r) =>
          answers.push({ status: r.status === 'sent' ? 200 : r.status === 'parked' ? 202 : 0, code: r.error && r.error.code, ms: Date.now() - started }),
        ),
      (error) =>
        (error.summary ? error.summary.records : []).forEach((r) =>
          answers.push({ status: r.status === 'sent' ? 200 : r.status === 'parked' ? 202 : 429, code: r.error && r.error.code, ms: Date.now() - started }),
        ),
    ),
  );
}

// Every instance starts offering at the same moment, so the whole run is one steady load.
let start = 0;
let timer;
setTimeout(
  () => {
    // Measured from the second second on: the first holds the instance's own cold start (loading dist/redis.js,
    // connecting), before it holds any slot.
    setTimeout(() => delay.enable(), 1000);
    start = Date.now();
    tick();
    timer = setInterval(tick, 1000);
  },
  Math.max(0, Number(startAtText) - Date.now()),
);
function tick() {
  if (Date.now() - start >= seconds * 1000) {
    clearInterval(timer);
    Promise.all(pending).then(() => {
      delay.disable();
      process.stdout.write(`RESULT ${JSON.stringify({ tag, answers, logged, delayMaxMs: delay.max / 1e6 })}\n`);
      process.exit(0);
    });
    return;
  }
  if (mode === 'batch') offerBatch(perSecond);
  else for (let i = 0; i < perSecond; i += 1) setTimeout(offerHttp, (i * 1000) / perSecond);
}
