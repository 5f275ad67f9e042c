// Warm figures in one process: the bundle's main_handler (direct invocations, distinct reports, LOG_LEVEL as set)
// against the raw signed keep-alive POST, in alternating blocks. Prints JSON on the last line:
//   { bundle: { latencies, cpuUs }, raw: { … }, connections marks via stdout "MARK n" lines, rss }
// Arguments: <bundle> <mode warm|rss> <count>
'use strict';
const http = require('node:http');
const { signedPost, report } = require('./raw-post.cjs');
const [bundle, mode, countText] = process.argv.slice(2);
const count = Number(countText);
const { main_handler } = require(bundle);
const agent = new http.Agent({ keepAlive: true });
const realWrite = process.stdout.write.bind(process.stdout);
// The function's log lines are written (as in production) to a sink that discards them.
process.stdout.write = () => true;
const say = (line) => realWrite(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ctx = () => ({ request_id: 'warm', time_limit_in_ms: 5000 });
const viaBundle = () => main_handler(report('b'), ctx());
const viaRaw = () => signedPost(process.env.TRTC_ENDPOINT, report('r'), agent);

async function block(fn, n) {
  const latencies = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i += 1) {
    const t0 = process.hrtime.bigint();
    await fn();
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  return { latencies, cpuUs: cpu.user + cpu.system };
}

async function main() {
  if (mode === 'rss') {
    const which = process.argv[5];
    const fn = which === 'raw' ? viaRaw : viaBundle;
    for (let i = 0; i < count; i += 1) await fn();
    const m = process.memoryUsage();
    say(`RESULT ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed })}`);
    return;
  }
  for (let i = 0; i < 300; i += 1) {
    await viaBundle();
    await viaRaw();
  }
  say('MARK warm');
  await sleep(300);
  for (let i = 0; i < 100; i += 1) await viaBundle();
  say('MARK hundred');
  await sleep(300);
  const out = { bundle: { latencies: [], cpuUs: 0, calls: 0 }, raw: { latencies: [], cpuUs: 0, calls: 0 } };
  const blocks = Math.max(2, Math.round(count / 100));
  for (let b = 0; b < blocks; b += 1) {
    for (const [name, fn] of b % 2 === 0
      ? [
          ['bundle', viaBundle],
          ['raw', viaRaw],
        ]
      : [
          ['raw', viaRaw],
          ['bundle', viaBundle],
        ]) {
      const r = await block(fn, 100);
      out[name].latencies.push(...r.latencies);
      out[name].cpuUs += r.cpuUs;
      out[name].calls += 100;
    }
  }
  say(`RESULT ${JSON.stringify(out)}`);
}
main().then(() => process.exit(0));
