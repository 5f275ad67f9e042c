/**
 * The event generator (tools/cli/generate-event.ts) and its CLI: every source's shape (checked against the samples
 * in events/ and the platform reference), the report inside decoded independently (Base64, form, query, msgBody),
 * batches and poisoned records, CLI errors. The HTTP and direct events are also run through the built bundle's
 * main_handler against the TRTC emulator, so the generator is proven against the real function.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, parseCli, type CliIo } from '../../../tools/cli/event';
import { EVENT_SOURCES, generateEvent, GenerateEventError, type EventSourceName, type GenerateOptions } from '../../../tools/cli/generate-event';
import { validateReport } from '../../../lib/report';
import { loadBundle, ROOT } from '../../support/bundle';
import { useEmulator } from '../../support/emulated';
import { captureStdout } from '../../support/logs';

type Json = Record<string, unknown>;

const NOW = Date.UTC(2025, 10, 26, 9, 40, 0, 123);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Given parameters with characters that need encoding in a form, a query and Base64. */
const GIVEN = {
  SdkAppId: '1400999999',
  RoomId: 'room-42',
  TeacherUserId: 't_1',
  StudentUserId: 's_2',
  TroubleUserId: 's_2',
  TroubleType: 3,
  TroubleTime: 1764150000,
  TroubleMsg: 'Audio & video: 卡顿 + echo = bad? 100%',
};

/** Deterministic UUIDs. */
function counterUuid(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String((n += 1)).padStart(12, '0')}`;
}

function generate(source: EventSourceName, options: GenerateOptions = {}): Json {
  const event = generateEvent(source, { now: NOW, uuid: counterUuid(), params: GIVEN, ...options });
  // Every event survives JSON (what the platform delivers) unchanged.
  expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  return event as Json;
}

function sample(name: string): Json {
  return JSON.parse(readFileSync(path.join(ROOT, 'events', `${name}.json`), 'utf8')) as Json;
}

function rec(value: unknown): Json {
  expect(typeof value === 'object' && value !== null && !Array.isArray(value), JSON.stringify(value)).toBe(true);
  return value as Json;
}

/** As a form or query string carries the report: every value a string. */
function asText(report: Json): Json {
  return Object.fromEntries(Object.entries(report).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Decodes an HTTP body the way a gateway client sent it (independently of the function's code). */
function decodeBody(body: unknown, base64: boolean, contentType: string): Json {
  expect(typeof body).toBe('string');
  const text = base64 ? Buffer.from(body as string, 'base64').toString('utf8') : (body as string);
  if (contentType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  expect(contentType).toBe('application/json');
  return rec(JSON.parse(text));
}

/** The report inside any HTTP event, decoded from the query string or the body. */
function decodeHttp(source: EventSourceName, event: Json): { method: string; report: Json } {
  switch (source) {
    case 'function-url':
    case 'api-gateway': {
      const headers = rec(event.headers);
      const method = event.httpMethod as string;
      if (method === 'GET') return { method, report: rec(event.queryString) };
      const base64 = event.isBase64Encoded === true || event.isBase64Encoded === 'true';
      return { method, report: decodeBody(event.body, base64, headers['content-type'] as string) };
    }
    case 'aws-apigw-v1': {
      const method = event.httpMethod as string;
      if (method === 'GET') return { method, report: rec(event.queryStringParameters) };
      return { method, report: decodeBody(event.body, event.isBase64Encoded === true, rec(event.headers)['Content-Type'] as string) };
    }
    case 'aws-http-v2': {
      const method = rec(rec(event.requestContext).http).method as string;
      if (method === 'GET') {
        expect(Object.fromEntries(new URLSearchParams(event.rawQueryString as string))).toEqual(event.queryStringParameters);
        return { method, report: rec(event.queryStringParameters) };
      }
      return { method, report: decodeBody(event.body, event.isBase64Encoded === true, rec(event.headers)['content-type'] as string) };
    }
    default:
      throw new Error(`${source} is not an HTTP source`);
  }
}

interface HttpVariant {
  readonly name: string;
  readonly options: GenerateOptions;
}

const HTTP_VARIANTS: readonly HttpVariant[] = [
  { name: 'POST JSON', options: {} },
  { name: 'POST form', options: { form: true } },
  { name: 'POST JSON Base64', options: { base64: true } },
  { name: 'POST form Base64', options: { form: true, base64: true } },
  { name: 'GET query', options: { method: 'GET' } },
];
const HTTP_SOURCES = ['function-url', 'api-gateway', 'aws-apigw-v1', 'aws-http-v2'] as const;
const HTTP_CASES = HTTP_SOURCES.flatMap((source) => HTTP_VARIANTS.map((v) => [source, v.name, v.options] as const));

describe('generateEvent: HTTP sources', () => {
  it.each(HTTP_CASES)('%s %s: the report decodes to exactly the given parameters', (source, _name, options) => {
    const event = generate(source, options);
    const { method, report } = decodeHttp(source, event);
    expect(method).toBe(options.method ?? 'POST');
    const typed = options.form === true || options.method === 'GET';
    expect(report).toEqual(typed ? asText(GIVEN) : GIVEN);
  });

  it('function-url has the sample’s shape (no requestContext), POST and GET', () => {
    const post = generate('function-url');
    expect(Object.keys(post)).toEqual(Object.keys(sample('function-url-post-json')));
    expect(Object.keys(rec(post.headers))).toEqual(Object.keys(rec(sample('function-url-post-json').headers)));
    const get = generate('function-url', { method: 'GET' });
    expect(Object.keys(get)).toEqual(Object.keys(sample('function-url-get-query')));
    expect(get.body).toBeUndefined();
    expect(rec(get.headers)['content-type']).toBeUndefined();
    expect(generate('function-url', { base64: true }).isBase64Encoded).toBe(true);
  });

  it('api-gateway has the sample’s shape, a computed request id, and both Base64 flag types', () => {
    const post = generate('api-gateway');
    expect(Object.keys(post)).toEqual(Object.keys(sample('api-gateway-post-json')));
    expect(Object.keys(rec(post.headers))).toEqual(Object.keys(rec(sample('api-gateway-post-json').headers)));
    const context = rec(post.requestContext);
    expect(Object.keys(context)).toEqual(Object.keys(rec(sample('api-gateway-post-json').requestContext)));
    expect(context.requestId).toMatch(UUID);
    expect(rec(post.headers)['x-api-requestid']).toBe(context.requestId);
    expect(post.isBase64Encoded).toBe(false);
    const get = generate('api-gateway', { method: 'GET' });
    expect(Object.keys(get)).toEqual(Object.keys(sample('api-gateway-get-query')));
    expect(rec(get.headers)['content-type']).toBe('');
    expect(generate('api-gateway', { base64: true }).isBase64Encoded).toBe(true);
    expect(generate('api-gateway', { base64: true, base64Flag: 'string' }).isBase64Encoded).toBe('true');
  });

  it('aws-apigw-v1 is a REST API proxy event (payload 1.0)', () => {
    const event = generate('aws-apigw-v1');
    for (const key of [
      'resource',
      'path',
      'httpMethod',
      'headers',
      'multiValueHeaders',
      'queryStringParameters',
      'multiValueQueryStringParameters',
      'pathParameters',
      'stageVariables',
      'requestContext',
      'body',
      'isBase64Encoded',
    ]) {
      expect(event, key).toHaveProperty([key]);
    }
    const context = rec(event.requestContext);
    for (const key of ['accountId', 'apiId', 'resourceId', 'stage', 'requestId', 'httpMethod', 'path']) expect(context, key).toHaveProperty([key]);
    expect(rec(context.identity).sourceIp).toBe('203.0.113.7');
    expect(context.requestId).toMatch(UUID);
    expect([event.queryStringParameters, event.multiValueQueryStringParameters, event.pathParameters]).toEqual([null, null, null]);
    for (const [name, values] of Object.entries(rec(event.multiValueHeaders))) expect(values).toEqual([rec(event.headers)[name]]);
    expect(rec(event.headers)['Content-Length']).toBe(String(Buffer.byteLength(event.body as string)));
    const get = generate('aws-apigw-v1', { method: 'GET' });
    expect(get.body).toBeNull();
    expect(rec(get.multiValueQueryStringParameters).RoomId).toEqual(['room-42']);
  });

  it('aws-http-v2 is an HTTP API / function URL event (payload 2.0)', () => {
    const event = generate('aws-http-v2', { method: 'GET' });
    expect(event).toMatchObject({ version: '2.0', routeKey: '$default', isBase64Encoded: false });
    for (const key of ['rawPath', 'rawQueryString', 'headers', 'queryStringParameters', 'requestContext']) expect(event, key).toHaveProperty([key]);
    const context = rec(event.requestContext);
    for (const key of ['accountId', 'apiId', 'domainName', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch']) expect(context, key).toHaveProperty([key]);
    expect(rec(context.http)).toEqual({ method: 'GET', path: '/trouble', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: expect.any(String) });
    expect(context.time).toBe('26/Nov/2025:09:40:00 +0000');
    expect(context.timeEpoch).toBe(NOW);
    expect(context.requestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    const post = generate('aws-http-v2');
    expect(post.rawQueryString).toBe('');
    expect(post).not.toHaveProperty(['queryStringParameters']);
    expect(typeof post.body).toBe('string');
  });

  it('--header and --idempotency-key add headers; a header named like a default replaces it', () => {
    const headers = [
      ['X-Trace', 'a=b'],
      ['User-Agent', 'curl/8.5.0'],
    ] as const;
    for (const source of HTTP_SOURCES) {
      const event = generate(source, { headers, idempotencyKey: 'order-7' });
      const sent = rec(event.headers);
      expect(sent['X-Trace'], source).toBe('a=b');
      expect(sent['idempotency-key'], source).toBe('order-7');
      const agents = Object.entries(sent).filter(([k]) => k.toLowerCase() === 'user-agent');
      expect(agents, source).toEqual([['User-Agent', 'curl/8.5.0']]);
    }
  });
});

describe('generateEvent: direct, batches, EventBridge, timer', () => {
  it('direct is the report itself', () => {
    expect(generate('direct')).toEqual(GIVEN);
  });

  it('defaults make a valid report with TroubleTime = now in seconds', () => {
    const report = generateEvent('direct', { now: NOW }) as Json;
    expect(report.TroubleTime).toBe(Math.floor(NOW / 1000));
    expect(validateReport(report).ok).toBe(true);
    expect(Object.keys(report)).toEqual(['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId', 'TroubleType', 'TroubleTime', 'TroubleMsg']);
    // Partial parameters are completed; extra keys are kept (to make invalid events on purpose).
    expect(generateEvent('direct', { now: NOW, params: { RoomId: 'r9', Extra: true } })).toMatchObject({ RoomId: 'r9', SdkAppId: '1400188366', Extra: true });
  });

  it('ckafka: {"Records":[{"Ckafka":{topic, partition, offset, msgKey, msgBody}}]}', () => {
    const event = generate('ckafka');
    const records = event.Records as Json[];
    expect(records).toHaveLength(1);
    const message = rec(records[0]!.Ckafka);
    expect(Object.keys(message)).toEqual(['topic', 'partition', 'offset', 'msgKey', 'msgBody']);
    expect(message).toMatchObject({ topic: expect.any(String), partition: 0, offset: expect.any(Number), msgKey: 'None' });
    expect(JSON.parse(message.msgBody as string)).toEqual(GIVEN);
  });

  it('cmq: {"Records":[{"CMQ":{type:"topic", topicOwner, topicName, subscriptionName, publishTime, msgId, requestId, msgBody, msgTag}}]}', () => {
    const message = rec((generate('cmq').Records as Json[])[0]!.CMQ);
    expect(Object.keys(message)).toEqual(['type', 'topicOwner', 'topicName', 'subscriptionName', 'publishTime', 'msgId', 'requestId', 'msgBody', 'msgTag']);
    expect(message.type).toBe('topic');
    expect(message.publishTime).toBe('2025-11-26T09:40:00.123Z');
    expect(message.msgId).toMatch(/^\d+$/);
    expect(JSON.parse(message.msgBody as string)).toEqual(GIVEN);
  });

  it('eventbridge: one CloudEvents envelope, the report as data (or as data.msgBody with --tdmq)', () => {
    const event = generate('eventbridge');
    expect(Object.keys(event)).toEqual(['specversion', 'id', 'type', 'source', 'subject', 'time', 'region', 'datacontenttype', 'data']);
    expect(event).toMatchObject({ specversion: '1.0', region: 'ap-guangzhou', datacontenttype: 'application/json;charset=utf-8', time: String(NOW) });
    expect(event.id).toMatch(UUID);
    expect(event.data).toEqual(GIVEN);

    const tdmq = generate('eventbridge', { tdmq: true });
    expect(tdmq).toMatchObject({ type: 'connector:tdmq', source: 'tdmq.cloud.tencent' });
    const data = rec(tdmq.data);
    expect(Object.keys(data)).toEqual(['topic', 'tags', 'TopicType', 'subscriptionName', 'toTimestamp', 'partitions', 'msgId', 'msgBody']);
    expect(typeof data.msgBody).toBe('string');
    expect(JSON.parse(data.msgBody as string)).toEqual(GIVEN);
  });

  it('eventbridge-list: {"EventList":[envelope, ...]}', () => {
    const event = generate('eventbridge-list', { records: 2 });
    expect(Object.keys(event)).toEqual(['EventList']);
    for (const envelope of event.EventList as Json[]) expect(envelope).toMatchObject({ specversion: '1.0', data: expect.any(Object) });
  });

  it('timer: {"Type":"Timer", TriggerName, Time, Message}, no report', () => {
    expect(generateEvent('timer', { now: NOW })).toEqual({ Type: 'Timer', TriggerName: 'trouble_probe', Time: '2025-11-26T09:40:00Z', Message: '' });
    expect(generateEvent('timer', { now: NOW, triggerName: 'hourly', message: 'probe' })).toMatchObject({ TriggerName: 'hourly', Message: 'probe' });
    expect(() => generateEvent('timer', { params: { RoomId: 'r' } })).toThrow(GenerateEventError);
  });

  /** Each batch source: its messages, their identity, and the report inside each (undefined when unreadable). */
  const BATCHES: readonly { source: EventSourceName; tdmq?: boolean; messages: (event: Json) => { id: string; report: () => Json }[] }[] = [
    {
      source: 'ckafka',
      messages: (event) =>
        (event.Records as Json[]).map((r) => {
          const m = rec(r.Ckafka);
          return { id: `${String(m.topic)}/${String(m.partition)}/${String(m.offset)}`, report: () => rec(JSON.parse(m.msgBody as string)) };
        }),
    },
    {
      source: 'cmq',
      messages: (event) =>
        (event.Records as Json[]).map((r) => {
          const m = rec(r.CMQ);
          return { id: String(m.msgId), report: () => rec(JSON.parse(m.msgBody as string)) };
        }),
    },
    {
      source: 'eventbridge-list',
      messages: (event) =>
        (event.EventList as Json[]).map((e) => ({ id: String(e.id), report: () => (typeof e.data === 'string' ? rec(JSON.parse(e.data)) : rec(e.data)) })),
    },
    {
      source: 'eventbridge-list',
      tdmq: true,
      messages: (event) =>
        (event.EventList as Json[]).map((e) => {
          const data = rec(e.data);
          return { id: `${String(e.id)}|${String(data.msgId)}`, report: () => rec(JSON.parse(data.msgBody as string)) };
        }),
    },
  ];

  it.each(BATCHES.map((b) => [`${b.source}${b.tdmq ? ' --tdmq' : ''}`, b] as const))(
    '%s --records 5: five valid, distinct reports with distinct identities',
    (_name, batch) => {
      const messages = batch.messages(generate(batch.source, { records: 5, ...(batch.tdmq ? { tdmq: true } : {}) }));
      expect(messages).toHaveLength(5);
      expect(new Set(messages.map((m) => m.id)).size).toBe(5);
      const reports = messages.map((m) => m.report());
      expect(new Set(reports.map((r) => r.TroubleMsg)).size).toBe(5);
      reports.forEach((report, i) => {
        expect(report).toEqual({ ...GIVEN, TroubleMsg: `${GIVEN.TroubleMsg} (report ${i + 1} of 5)` });
        expect(validateReport(report).ok).toBe(true);
      });
    },
  );

  it.each(BATCHES.map((b) => [`${b.source}${b.tdmq ? ' --tdmq' : ''}`, b] as const))('%s --poison 2: exactly record 2 is unreadable', (_name, batch) => {
    const messages = batch.messages(generate(batch.source, { records: 4, poison: 2, ...(batch.tdmq ? { tdmq: true } : {}) }));
    messages.forEach((m, i) => {
      if (i === 2) expect(() => m.report()).toThrow(SyntaxError);
      else expect(validateReport(m.report()).ok).toBe(true);
    });
  });

  it('eventbridge --poison 0 makes its data unreadable', () => {
    expect(() => JSON.parse(generate('eventbridge', { poison: 0 }).data as string)).toThrow(SyntaxError);
  });

  it('two batches generated at different times never share identities', () => {
    const first = rec((generateEvent('ckafka', { now: NOW }) as { Records: Json[] }).Records[0]!.Ckafka);
    const later = rec((generateEvent('ckafka', { now: NOW + 1 }) as { Records: Json[] }).Records[0]!.Ckafka);
    expect(later.offset).not.toBe(first.offset);
  });

  it.each([
    ['direct', { records: 2 }, /--records applies to ckafka, cmq and eventbridge-list only/],
    ['eventbridge', { records: 2 }, /--records applies to/],
    ['ckafka', { records: 3, poison: 3 }, /--poison must be a record index from 0 to 2/],
    ['ckafka', { records: 0 }, /--records must be a whole number from 1 to 10000/],
    ['function-url', { method: 'GET', form: true }, /--form and --base64 need a body/],
    ['function-url', { base64Flag: 'string', base64: true }, /--base64-flag applies to api-gateway only/],
    ['api-gateway', { base64Flag: 'string' }, /--base64-flag needs --base64/],
    ['cmq', { tdmq: true }, /--tdmq applies to eventbridge and eventbridge-list only/],
    ['direct', { idempotencyKey: 'k' }, /--idempotency-key applies to/],
  ] as const)('%s with %o is refused', (source, options, message) => {
    expect(() => generateEvent(source, options)).toThrow(message);
  });

  it('covers every source', () => {
    for (const source of EVENT_SOURCES) expect(() => generateEvent(source), source).not.toThrow();
  });
});

describe('npm run event (generate-event-cli)', () => {
  function fakeIo(files: Record<string, string> = {}): CliIo & { out: string[]; err: string[]; written: Record<string, string> } {
    const out: string[] = [];
    const err: string[] = [];
    const written: Record<string, string> = {};
    return {
      out,
      err,
      written,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      readFile: (file) => {
        const text = files[file];
        if (text === undefined) throw new Error(`ENOENT: no such file, open '${file}'`);
        return text;
      },
      writeFile: (file, text) => {
        written[file] = text;
      },
      now: () => NOW,
      uuid: counterUuid(),
    };
  }

  it('prints the event as JSON, report flags (case-sensitive) over --json', () => {
    const io = fakeIo();
    const code = main(
      [
        'direct',
        '--json',
        '{"RoomId":"from-json","TroubleType":2,"SdkAppId":1400188366}',
        '--RoomId',
        'from-flag',
        '--TroubleTime=1764150000',
        '--TroubleMsg',
        'mic dead',
      ],
      io,
    );
    expect([code, io.err]).toEqual([0, []]);
    expect(JSON.parse(io.out.join(''))).toEqual({
      SdkAppId: 1400188366,
      RoomId: 'from-flag',
      TeacherUserId: 'teacher_lin',
      StudentUserId: 'student_wang',
      TroubleUserId: 'student_wang',
      TroubleType: 2,
      TroubleTime: 1764150000,
      TroubleMsg: 'mic dead',
    });
  });

  it('reads --json-file, writes --out, and --compact prints one line', () => {
    const io = fakeIo({ 'report.json': JSON.stringify({ RoomId: 'file-room' }) });
    expect(main(['ckafka', '--json-file', 'report.json', '--records', '2', '--poison', '1', '--out', 'batch.json'], io)).toBe(0);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toContain('wrote ckafka event to batch.json');
    const event = JSON.parse(io.written['batch.json']!) as { Records: { Ckafka: { msgBody: string } }[] };
    expect(event.Records).toHaveLength(2);
    expect(JSON.parse(event.Records[0]!.Ckafka.msgBody)).toMatchObject({ RoomId: 'file-room' });
    const compact = fakeIo();
    expect(main(['timer', '--compact', '--message', 'probe'], compact)).toBe(0);
    expect(compact.out.join('')).toBe('{"Type":"Timer","TriggerName":"trouble_probe","Time":"2025-11-26T09:40:00Z","Message":"probe"}\n');
  });

  it('the HTTP flags reach the event', () => {
    const io = fakeIo();
    const argv = [
      'api-gateway',
      '--method',
      'post',
      '--form',
      '--base64',
      '--base64-flag',
      'string',
      '--header',
      'X-A=1',
      '--header',
      'X-B=2=3',
      '--idempotency-key',
      'k-1',
    ];
    expect(main(argv, io)).toBe(0);
    const event = JSON.parse(io.out.join('')) as Json;
    expect(event.isBase64Encoded).toBe('true');
    expect(rec(event.headers)).toMatchObject({ 'X-A': '1', 'X-B': '2=3', 'idempotency-key': 'k-1', 'content-type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(Buffer.from(event.body as string, 'base64').toString()))).toMatchObject({ SdkAppId: '1400188366' });
  });

  it('--help lists every source and the options', () => {
    const io = fakeIo();
    expect(main(['--help'], io)).toBe(0);
    const help = io.out.join('');
    for (const source of EVENT_SOURCES) expect(help).toContain(`  ${source} `);
    for (const flag of [
      '--SdkAppId',
      '--json-file',
      '--method GET|POST',
      '--form',
      '--base64',
      '--base64-flag',
      '--header',
      '--idempotency-key',
      '--records',
      '--poison',
      '--tdmq',
      '--out',
    ]) {
      expect(help).toContain(flag);
    }
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /a source is required/],
    [['sqs'], /unknown source "sqs": expected one of function-url, api-gateway/],
    [['direct', 'cmq'], /one source only/],
    [['direct', '--sdkappid', '1'], /unknown option --sdkappid \(names are case-sensitive: did you mean --SdkAppId\?\)/],
    [['direct', '--bogus'], /unknown option --bogus/],
    [['direct', '-x'], /unknown option -x/],
    [['direct', '--RoomId'], /--RoomId needs a value/],
    [['direct', '--RoomId', '--TroubleType', '1'], /--RoomId needs a value \(to pass one starting with -, write --RoomId=--TroubleType\)/],
    [['direct', '--RoomId', 'a', '--RoomId', 'b'], /--RoomId is given twice/],
    [['function-url', '--method', 'PUT'], /--method must be GET or POST/],
    [['ckafka', '--records', 'many'], /--records takes a whole number/],
    [['function-url', '--header', 'no-equals'], /--header takes NAME=VALUE/],
    [['function-url', '--header', 'bad name=1'], /--header takes NAME=VALUE/],
    [['direct', '--json', '[1,2]'], /--json must be a JSON object/],
    [['direct', '--json', '{oops'], /--json is not valid JSON/],
    [['direct', '--json', '{}', '--json-file', 'x'], /give --json or --json-file, not both/],
    [['direct', '--json-file', 'missing.json'], /cannot read --json-file missing.json/],
    [['direct', '--form'], /--form applies to function-url, api-gateway, aws-apigw-v1 and aws-http-v2 only, not to direct/],
    [['direct', '--form=yes'], /--form takes no value/],
  ] as const)('%j exits 2 with a clear message', (argv, message) => {
    const io = fakeIo();
    expect(main(argv, io)).toBe(2);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toMatch(message);
    expect(io.err.join('')).toContain('--help lists sources and options');
  });

  it('--poison may repeat: each named record is unreadable, the others are valid', () => {
    const io = fakeIo();
    expect(main(['ckafka', '--records', '4', '--poison', '0', '--poison', '2'], io)).toBe(0);
    const event = JSON.parse(io.out.join('')) as { Records: { Ckafka: { msgBody: string } }[] };
    const readable = event.Records.map((r) => {
      try {
        JSON.parse(r.Ckafka.msgBody);
        return true;
      } catch {
        return false;
      }
    });
    expect(readable).toEqual([false, true, false, true]);
    const bad = fakeIo();
    expect(main(['ckafka', '--records', '2', '--poison', '1', '--poison', '5'], bad)).toBe(2);
    expect(bad.err.join('')).toMatch(/--poison must be a record index from 0 to 1 \(records count from 0\), got 5/);
  });

  it('npm run -s event writes only the event to stdout, so `> e.json` is JSON (without -s npm adds its banner)', () => {
    const env = { ...process.env, npm_config_loglevel: undefined };
    const quiet = spawnSync('npm', ['run', '-s', 'event', '--', 'direct', '--compact'], { cwd: ROOT, encoding: 'utf8', env });
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(Object.keys(JSON.parse(quiet.stdout) as object)).toContain('SdkAppId');
    const loud = spawnSync('npm', ['run', 'event', '--', 'direct', '--compact'], { cwd: ROOT, encoding: 'utf8', env });
    expect(loud.stdout).toMatch(/^\s*> trtc-trouble-reporter@/);
  });

  it('a write failure exits 1', () => {
    const io = {
      ...fakeIo(),
      writeFile: () => {
        throw new Error('EACCES');
      },
    };
    expect(main(['direct', '--out', '/nope/e.json'], io)).toBe(1);
  });

  it('as a process (tsx): JSON on stdout and exit 0; a bad source is exit 2 on stderr', () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const ok = spawnSync(tsx, ['tools/cli/event.ts', 'cmq', '--records', '2'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { Records: unknown[] }).Records).toHaveLength(2);
    const bad = spawnSync(tsx, ['tools/cli/event.ts', 'kafka'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('unknown source "kafka"');
  });
});

describe('generated events through the built function (dist/index.js) and the TRTC emulator', () => {
  const { emulator } = useEmulator();

  let sequence = 0;
  /** A report no other invocation here sent (the function records an identical report once). */
  function unique(): typeof GIVEN {
    sequence += 1;
    return { ...GIVEN, TroubleMsg: `${GIVEN.TroubleMsg} #${String(sequence)}` };
  }

  const HANDLED: readonly (readonly [EventSourceName, string, GenerateOptions])[] = [
    ...(['function-url', 'api-gateway'] as const).flatMap((source) => HTTP_VARIANTS.map((v) => [source, v.name, v.options] as const)),
    ['api-gateway', 'POST JSON Base64 string flag', { base64: true, base64Flag: 'string' }],
    ['function-url', 'POST with headers', { headers: [['X-Request-Id', 'gen-1']] }],
  ];

  it.each(HANDLED)('%s %s: 200 and TRTC’s RequestId', async (source, _name, options) => {
    const params = unique();
    const event = generateEvent(source, { ...options, params });
    const { main_handler } = loadBundle();
    const run = await captureStdout(() => main_handler(JSON.parse(JSON.stringify(event)), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
    expect(run.error).toBeUndefined();
    const response = rec(run.value);
    expect(response.statusCode, String(response.body)).toBe(200);
    expect(emulator.created).toHaveLength(1);
    expect(JSON.parse(response.body as string)).toEqual({ Response: { RequestId: emulator.created[0]!.RequestId } });
    const { RequestId: _id, ...created } = emulator.created[0]!;
    expect(created).toEqual(params);
  });

  it('direct: the envelope with TRTC’s RequestId', async () => {
    const params = unique();
    const { main_handler } = loadBundle();
    const run = await captureStdout(() => main_handler(generateEvent('direct', { params }), { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
    expect(run.error).toBeUndefined();
    expect(run.value).toEqual({ Response: { RequestId: emulator.created[0]?.RequestId } });
    const { RequestId: _id, ...created } = emulator.created[0]!;
    expect(created).toEqual(params);
  });

  it('direct with defaults only: a valid report, recorded', async () => {
    const { main_handler } = loadBundle();
    const event = generateEvent('direct', { params: { TroubleMsg: `defaults #${randomUUID()}` } });
    const run = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: 10_000 }));
    expect(run.value).toEqual({ Response: { RequestId: emulator.created[0]?.RequestId } });
  });
});
