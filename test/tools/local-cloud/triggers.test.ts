/**
 * Triggers of the local SCF, end to end: the Function URL round trip with the real bundle (a report POSTed →
 * 200 + the RequestId the local TRTC recorded), a timer firing on its cron, and a CKafka batch redelivered while
 * TRTC fails until every report is recorded exactly once.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../../tools/deploy/zip';
import { startLocalCloud, type LocalCloud } from '../../../tools/local-cloud';
import { BUNDLE } from '../../support/bundle';
import { BASE } from '../../support/fixtures';
import { createFunctionUrl, errorCode, scfClient, waitForStatus, zipBase64, type ScfClient } from './support/cloud';

let cloud: LocalCloud;
let scf: ScfClient;
let sink: Server;
let sinkUrl = '';
const hits: { event: Record<string, unknown>; triggerSrc: string | undefined }[] = [];

const report = (msg: string) => ({ ...BASE, TroubleMsg: msg });

/** Posts what it was invoked with to SINK_URL (a loopback server of this test). */
const SINK_CODE = `
const http = require('node:http');
exports.main_handler = (event) => new Promise((resolve, reject) => {
  const req = http.request(process.env.SINK_URL, { method: 'POST' }, (res) => { res.resume(); res.on('end', () => resolve('sent')); });
  req.on('error', reject);
  req.end(JSON.stringify({ event, triggerSrc: process.env.TRIGGER_SRC }));
});
`;

async function create(name: string, zip: string, extra: Record<string, unknown> = {}): Promise<void> {
  await scf.CreateFunction({
    FunctionName: name,
    Runtime: 'Nodejs18.15',
    Handler: 'index.main_handler',
    Code: { ZipFile: zip },
    Role: 'SCF_TRTC_TroubleReporter',
    Timeout: 10,
    ...extra,
  });
  expect(await waitForStatus(scf, name, ['Active', 'CreateFailed'])).toBe('Active');
}

beforeAll(async () => {
  sink = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      hits.push(JSON.parse(text) as (typeof hits)[number]);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const address = sink.address();
  sinkUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${String(address.port)}/` : '';
  cloud = await startLocalCloud({ activationDelayMs: 50, ckafkaRetryDelayMs: 100 });
  scf = scfClient(cloud);
  const bundleZip = writeZip([{ name: 'index.js', data: readFileSync(BUNDLE) }]).toString('base64');
  await create('reporter', bundleZip, { Environment: { Variables: [{ Key: 'LOG_LEVEL', Value: 'warn' }] } });
});
afterAll(async () => {
  await cloud.close();
  await new Promise((resolve) => sink.close(resolve));
});

describe('Function URL', () => {
  it('a POSTed report gets 200 and the RequestId the local TRTC recorded', async () => {
    const url = await createFunctionUrl(scf, 'reporter');
    const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report('through the url')) });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/json');
    const body = (await answer.json()) as { Response: { RequestId: string } };
    const recorded = cloud.trtc.created.filter((r) => r.TroubleMsg === 'through the url');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.RequestId).toBe(body.Response.RequestId);

    // a form body and a query string reach the function as a string body and a queryString object
    const form = new URLSearchParams(Object.entries(report('as a form')).map(([k, v]): [string, string] => [k, String(v)]));
    const formAnswer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(formAnswer.status).toBe(200);
    const query = new URLSearchParams(Object.entries(report('in the query')).map(([k, v]): [string, string] => [k, String(v)]));
    const getAnswer = await fetch(`${url}?${query.toString()}`);
    expect(getAnswer.status).toBe(200);
    expect(cloud.trtc.created.map((r) => r.TroubleMsg)).toEqual(expect.arrayContaining(['as a form', 'in the query']));
    const bad = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"SdkAppId":"x"}' });
    expect(bad.status).toBe(400);
  });

  it('passes the Function URL event shape and maps bare return values to 200 application/json', async () => {
    const code = `exports.main_handler = async (event) => event.path === '/raw' ? [1, 2] : ({ statusCode: 201, headers: { 'X-Echo': 'yes' }, body: JSON.stringify(event) });`;
    await create('shape', zipBase64({ 'index.js': code }));
    const url = await createFunctionUrl(scf, 'shape');
    const answer = await fetch(`${url}some/path?a=1&a=2&b=x`, { method: 'PUT', headers: { 'X-Mixed-Case': 'v' }, body: 'plain body' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-echo')).toBe('yes');
    const event = (await answer.json()) as Record<string, unknown>;
    expect(event).toMatchObject({ httpMethod: 'PUT', path: '/some/path', body: 'plain body', queryString: { a: ['1', '2'], b: 'x' } });
    expect((event.headers as Record<string, string>)['x-mixed-case']).toBe('v');
    expect((event.headers as Record<string, string>)['x-scf-remote-addr']).toBe('127.0.0.1');
    expect(event).not.toHaveProperty('requestContext');
    const raw = await fetch(`${url}raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('application/json');
    expect(await raw.text()).toBe('[1,2]');
  });
});

describe('Function URL with AuthType CAM', () => {
  it('refuses a request that is not signed, without invoking the function', async () => {
    const created = await scf.CreateTrigger({
      FunctionName: 'shape',
      TriggerName: 'cam-url',
      Type: 'http',
      Qualifier: '$LATEST',
      TriggerDesc: JSON.stringify({ AuthType: 'CAM', NetConfig: { EnableIntranet: false, EnableExtranet: true } }),
    });
    const url = (JSON.parse(created.TriggerInfo?.TriggerDesc ?? '{}') as { NetConfig: { ExtranetUrl: string } }).NetConfig.ExtranetUrl;
    const answer = await fetch(`${url}raw`);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ errorMessage: expect.stringContaining('AuthType CAM') });
  });
});

describe('Timer trigger', () => {
  it('fires on its cron with the SCF timer event and TRIGGER_SRC=Timer', async () => {
    await create('ticker', zipBase64({ 'index.js': SINK_CODE }), { Environment: { Variables: [{ Key: 'SINK_URL', Value: sinkUrl }] } });
    await scf.CreateTrigger({
      FunctionName: 'ticker',
      TriggerName: 'every-second',
      Type: 'timer',
      TriggerDesc: '* * * * * * *',
      Enable: 'OPEN',
      CustomArgument: 'tick message',
    });
    const until = Date.now() + 8000;
    while (hits.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await scf.UpdateTrigger({ FunctionName: 'ticker', TriggerName: 'every-second', Type: 'timer', Enable: 'CLOSE' });
    expect(hits.length).toBeGreaterThanOrEqual(2);
    const first = hits[0];
    expect(first?.triggerSrc).toBe('Timer');
    expect(first?.event).toMatchObject({ Type: 'Timer', TriggerName: 'every-second', Message: 'tick message' });
    expect(String(first?.event.Time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(hits[1]?.event.Time).not.toBe(first?.event.Time);
  });
});

describe('CKafka trigger', () => {
  it('delivers in batches of maxMsgNum; while TRTC fails the batch is redelivered, and every report is recorded exactly once', async () => {
    await scf.CreateTrigger({
      FunctionName: 'reporter',
      TriggerName: 'ckafka-abcd1234-reports',
      Type: 'ckafka',
      Enable: 'OPEN',
      TriggerDesc: JSON.stringify({ maxMsgNum: 4, offset: 'latest', retry: 10, timeOut: 60 }),
    });
    // TRTC answers ServiceUnavailable to the next 14 calls: more than the function's own retries (3 attempts per
    // report) absorb in one delivery. An API error envelope certainly recorded nothing, so the failed records stay
    // retryable and the batch is redelivered (an ambiguous fault such as HTTP 502 would park the report after two
    // sends and answer the batch as handled instead).
    cloud.trtc.inject({ kind: 'api-error', code: 'ServiceUnavailable' }, 14);
    const messages = Array.from({ length: 6 }, (_, i) => JSON.stringify(report(`kafka ${String(i)}`)));
    await cloud.produce('ckafka-abcd1234-reports', messages);
    await cloud.idle();
    const deliveries = cloud.deliveries('ckafka-abcd1234-reports');
    expect(deliveries.some((d) => !d.ok)).toBe(true);
    expect(deliveries.every((d) => d.offsets.length <= 4)).toBe(true);
    const done = deliveries.filter((d) => d.ok).flatMap((d) => d.offsets);
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    const failedFirst = deliveries.find((d) => !d.ok);
    expect(deliveries.find((d) => d.ok && d.offsets[0] === failedFirst?.offsets[0])?.attempt).toBeGreaterThan(1);
    expect(cloud.trtc.pendingFaults).toBe(0);
    const recorded = cloud.trtc.created
      .filter((r) => r.TroubleMsg.startsWith('kafka '))
      .map((r) => r.TroubleMsg)
      .sort();
    expect(recorded).toEqual(messages.map((m) => (JSON.parse(m) as { TroubleMsg: string }).TroubleMsg).sort());
    // Every injected fault met a call, and each failed delivery failed for it (retryable), not for anything parked.
    expect(cloud.trtc.calls.filter((c) => c.outcome === 'ServiceUnavailable')).toHaveLength(14);
    for (const failed of deliveries.filter((d) => !d.ok)) expect(failed.error).toMatch(/ServiceUnavailable/);
  });

  it('is fed over HTTP too, and refuses unknown triggers', async () => {
    const answer = await fetch(`${cloud.scfEndpoint}/_local/ckafka/ckafka-abcd1234-reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [JSON.stringify(report('kafka over http'))] }),
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual({ trigger: 'ckafka-abcd1234-reports', offsets: [6] });
    await cloud.idle();
    expect(cloud.trtc.created.filter((r) => r.TroubleMsg === 'kafka over http')).toHaveLength(1);
    expect((await fetch(`${cloud.scfEndpoint}/_local/ckafka/nope`, { method: 'POST', body: '{"messages":["x"]}' })).status).toBe(404);
    expect(await errorCode(cloud.produce('nope', ['x']))).toContain('no ckafka trigger');
  });
});
