/**
 * Test events for every source the function is invoked by, in the spirit of `sam local generate-event`: a valid
 * CreateTroubleInfo report (realistic defaults for anything not given) wrapped the way each trigger delivers it, with
 * the computed fields filled in (Base64 bodies, form and query encoding, offsets, message ids, CloudEvents ids,
 * request ids, times). Shapes follow the SCF event formats documented by Tencent Cloud and the samples in events/.
 *
 * {@link generateEvent} does no I/O; the clock and the id generator are options, so output can be made
 * deterministic. Options that do not apply to a source are errors ({@link optionProblems}), never ignored.
 */
import { randomUUID } from 'node:crypto';
import { GENERATED_SOURCES, type GeneratedSourceName } from '../../lib/sources/names';

/** Every source the generator knows, in `--help` order (from the table of source names). */
export const EVENT_SOURCES: readonly EventSourceName[] = GENERATED_SOURCES;

/** A source name, as given on the command line. */
export type EventSourceName = GeneratedSourceName;

/** One line per source for `--help`. */
export const SOURCE_DESCRIPTIONS: Readonly<Record<EventSourceName, string>> = {
  'function-url': 'SCF Function URL HTTP event (body, headers, httpMethod, path, queryString)',
  'api-gateway': 'SCF API Gateway trigger event (requestContext, queryString, isBase64Encoded...)',
  direct: 'direct invocation (Invoke API, console test): the bare CreateTroubleInfo parameters',
  ckafka: 'CKafka trigger batch: {"Records":[{"Ckafka":{topic, partition, offset, msgKey, msgBody}}]}',
  cmq: 'CMQ topic trigger batch: {"Records":[{"CMQ":{type, topicOwner, topicName, ..., msgId, msgBody}}]}',
  eventbridge: 'one EventBridge (CloudEvents) envelope; --tdmq wraps the report as the TDMQ connector does',
  'eventbridge-list': 'EventBridge batch delivery: {"EventList":[envelope, ...]}',
  timer: 'timer trigger: {"Type":"Timer", TriggerName, Time, Message} (carries no report)',
  'aws-apigw-v1': 'AWS API Gateway REST API proxy event (payload 1.0)',
  'aws-http-v2': 'AWS HTTP API / Lambda function URL event (payload 2.0)',
};

const HTTP_SOURCES: ReadonlySet<EventSourceName> = new Set(['function-url', 'api-gateway', 'aws-apigw-v1', 'aws-http-v2']);
const BATCH_SOURCES: ReadonlySet<EventSourceName> = new Set(['ckafka', 'cmq', 'eventbridge-list']);
const EVENTBRIDGE_SOURCES: ReadonlySet<EventSourceName> = new Set(['eventbridge', 'eventbridge-list']);

/** True for the sources that carry one HTTP request. */
export function isHttpSource(source: EventSourceName): boolean {
  return HTTP_SOURCES.has(source);
}

/** The largest `records` accepted (CKafka's own maximum batch). */
export const MAX_RECORDS = 10_000;

/** What the generated event contains, beyond the source. Every field is optional. */
export interface GenerateOptions {
  /** Report parameters (any JSON values, so invalid reports can be made on purpose); defaults fill in the rest. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** HTTP sources: GET puts the report in the query string; POST (default) in the body. */
  readonly method?: 'GET' | 'POST';
  /** HTTP sources: a form-urlencoded body instead of JSON. */
  readonly form?: boolean;
  /** HTTP sources: a Base64 body with isBase64Encoded true. */
  readonly base64?: boolean;
  /** api-gateway with base64: send isBase64Encoded as the boolean true (default) or the string "true". */
  readonly base64Flag?: 'boolean' | 'string';
  /** HTTP sources: extra headers, in order; one with the name of a default header (any case) replaces it. */
  readonly headers?: readonly (readonly [string, string])[];
  /** HTTP sources: sent as the Idempotency-Key header. */
  readonly idempotencyKey?: string;
  /** Batch sources: how many records (default 1), each a valid report with its own TroubleMsg and identity. */
  readonly records?: number;
  /** Batch sources and eventbridge: the record(s) (from 0) whose body is made unreadable (truncated JSON). */
  readonly poison?: number | readonly number[];
  /** eventbridge sources: deliver the report as the TDMQ connector does (`data.msgBody`, a JSON string). */
  readonly tdmq?: boolean;
  /** timer: the trigger's name (default trouble_probe, as in serverless.yml). */
  readonly triggerName?: string;
  /** timer: the trigger's message (default ""). */
  readonly message?: string;
  /** The clock, ms since the epoch (default now). TroubleTime defaults to it in seconds. */
  readonly now?: number;
  /** The id generator (default crypto.randomUUID). */
  readonly uuid?: () => string;
}

/** Options that make no sense for the source, or are out of range. */
export class GenerateEventError extends Error {
  override readonly name = 'GenerateEventError';
}

/** The report used when nothing is given (TroubleTime comes from the clock). */
export const DEFAULT_REPORT: Readonly<Record<string, string | number>> = {
  SdkAppId: '1400188366',
  RoomId: '1587879309',
  TeacherUserId: 'teacher_lin',
  StudentUserId: 'student_wang',
  TroubleUserId: 'student_wang',
  TroubleType: 1,
  TroubleMsg: 'Video froze for 20 seconds during the reading exercise',
};

/** Every reason `options` do not fit `source` (empty when they do). Pure. */
export function optionProblems(source: EventSourceName, options: GenerateOptions): string[] {
  const problems: string[] = [];
  const http = HTTP_SOURCES.has(source);
  const only = (given: boolean, flag: string, fits: boolean, where: string): void => {
    if (given && !fits) problems.push(`${flag} applies to ${where} only, not to ${source}`);
  };
  const httpNames = 'function-url, api-gateway, aws-apigw-v1 and aws-http-v2';
  only(options.method !== undefined, '--method', http, httpNames);
  only(options.form === true, '--form', http, httpNames);
  only(options.base64 === true, '--base64', http, httpNames);
  only(options.base64Flag !== undefined, '--base64-flag', source === 'api-gateway', 'api-gateway');
  only((options.headers?.length ?? 0) > 0, '--header', http, httpNames);
  only(options.idempotencyKey !== undefined, '--idempotency-key', http, httpNames);
  only(options.records !== undefined, '--records', BATCH_SOURCES.has(source), 'ckafka, cmq and eventbridge-list');
  only(options.poison !== undefined, '--poison', BATCH_SOURCES.has(source) || source === 'eventbridge', 'ckafka, cmq, eventbridge and eventbridge-list');
  only(options.tdmq === true, '--tdmq', EVENTBRIDGE_SOURCES.has(source), 'eventbridge and eventbridge-list');
  only(options.triggerName !== undefined, '--trigger-name', source === 'timer', 'timer');
  only(options.message !== undefined, '--message', source === 'timer', 'timer');
  if (source === 'timer' && options.params !== undefined && Object.keys(options.params).length > 0) {
    problems.push('timer events carry no report: leave out the report parameters and --json');
  }
  if (options.method === 'GET' && (options.form === true || options.base64 === true)) {
    problems.push('--method GET sends the report in the query string: --form and --base64 need a body (POST)');
  }
  if (options.base64Flag !== undefined && options.base64 !== true) problems.push('--base64-flag needs --base64');
  const records = options.records ?? 1;
  if (!Number.isInteger(records) || records < 1 || records > MAX_RECORDS) {
    problems.push(`--records must be a whole number from 1 to ${MAX_RECORDS}`);
  }
  for (const index of poisoned(options)) {
    if (!Number.isInteger(index) || index < 0 || index >= records) {
      problems.push(`--poison must be a record index from 0 to ${records - 1} (records count from 0), got ${String(index)}`);
    }
  }
  return problems;
}

/** The report of record `index` of `count`: defaults, then the given parameters; several records differ in TroubleMsg. */
export function reportFor(params: Readonly<Record<string, unknown>>, nowMs: number, index = 0, count = 1): Record<string, unknown> {
  // The API's parameter order for the defaults, then any extra keys in the order given.
  const { TroubleMsg, ...ids } = DEFAULT_REPORT;
  const report: Record<string, unknown> = { ...ids, TroubleTime: Math.floor(nowMs / 1000), TroubleMsg, ...params };
  if (count > 1) report.TroubleMsg = `${textValue(report.TroubleMsg)} (report ${index + 1} of ${count})`;
  return report;
}

/** A parameter value as text (query strings and forms): strings as they are, other JSON values as JSON. */
export function textValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** The report as `application/x-www-form-urlencoded` (also the raw query string). */
export function formEncode(params: Readonly<Record<string, unknown>>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, textValue(v)])).toString();
}

/** The report as a query object of strings. */
export function queryObject(params: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, textValue(v)]));
}

/** A message body that is not JSON: the report's JSON cut short. */
export function poisonedBody(report: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(report);
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

/** Default headers overridden by extra ones (a name matching a default in any case replaces it). Pure. */
export function mergeHeaders(defaults: Readonly<Record<string, string>>, extra: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = { ...defaults };
  for (const [name] of extra) {
    for (const key of Object.keys(out)) if (key.toLowerCase() === name.toLowerCase()) delete out[key];
  }
  for (const [name, value] of extra) out[name] = value;
  return out;
}

/** Time formats the triggers use. */
export const formatTime = {
  /** `2019-02-21T11:49:00Z` (timer). */
  isoSeconds: (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`,
  /** `2025-11-26T09:40:00.123Z` (CMQ publishTime). */
  isoMillis: (ms: number): string => new Date(ms).toISOString(),
  /** `26/Nov/2025:09:40:00 +0000` (AWS requestTime). */
  clf: (ms: number): string => {
    const d = new Date(ms);
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const two = (n: number): string => String(n).padStart(2, '0');
    return `${two(d.getUTCDate())}/${months[d.getUTCMonth()] ?? 'Jan'}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  },
};

/** The body (or query) of one HTTP request carrying the report, independent of the gateway. */
interface HttpParts {
  readonly method: 'GET' | 'POST';
  readonly query: Record<string, string>;
  readonly rawQuery: string;
  /** The body as the gateway delivers it (Base64 when `base64`), or undefined for GET. */
  readonly body: string | undefined;
  readonly base64: boolean;
  readonly contentType: string | undefined;
  /** Bytes of the body as sent by the client (before any Base64 by the gateway). */
  readonly contentLength: number | undefined;
  readonly extraHeaders: readonly (readonly [string, string])[];
}

function httpParts(report: Readonly<Record<string, unknown>>, options: GenerateOptions): HttpParts {
  const method = options.method ?? 'POST';
  const extraHeaders = [...(options.headers ?? []), ...(options.idempotencyKey !== undefined ? [['idempotency-key', options.idempotencyKey] as const] : [])];
  if (method === 'GET') {
    return {
      method,
      query: queryObject(report),
      rawQuery: formEncode(report),
      body: undefined,
      base64: false,
      contentType: undefined,
      contentLength: undefined,
      extraHeaders,
    };
  }
  const text = options.form === true ? formEncode(report) : JSON.stringify(report);
  const base64 = options.base64 === true;
  return {
    method,
    query: {},
    rawQuery: '',
    body: base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
    base64,
    contentType: options.form === true ? 'application/x-www-form-urlencoded' : 'application/json',
    contentLength: Buffer.byteLength(text, 'utf8'),
    extraHeaders,
  };
}

const CLIENT_IP = '203.0.113.7';

function functionUrlEvent(p: HttpParts): Record<string, unknown> {
  const headers = mergeHeaders(
    {
      accept: '*/*',
      ...(p.contentType ? { 'content-type': p.contentType } : {}),
      host: '1250000000-abcdefgh12.ap-guangzhou.tencentscf.com',
      'user-agent': 'ClassroomApp/3.2 (Android 14)',
      'x-forwarded-for': CLIENT_IP,
    },
    p.extraHeaders,
  );
  return {
    ...(p.body !== undefined ? { body: p.body } : {}),
    headers,
    httpMethod: p.method,
    path: '/',
    queryString: p.query,
    ...(p.base64 ? { isBase64Encoded: true } : {}),
  };
}

function apiGatewayEvent(p: HttpParts, options: GenerateOptions, requestId: string): Record<string, unknown> {
  const headers = mergeHeaders(
    {
      accept: 'application/json',
      'content-type': p.contentType ?? '',
      host: 'service-f94sy04v-1250000000.gz.apigw.tencentcs.com',
      'user-agent': 'ClassroomApp/3.2 (iOS 17.4)',
      'x-api-requestid': requestId,
      'x-anonymous-consumer': 'true',
      'x-qualifier': '$DEFAULT',
      requestsource: 'APIGW',
      'x-api-scheme': 'https',
    },
    p.extraHeaders,
  );
  return {
    requestContext: {
      serviceId: 'service-f94sy04v',
      path: '/trouble',
      httpMethod: 'ANY',
      requestId,
      identity: {},
      sourceIp: CLIENT_IP,
      stage: 'release',
    },
    headers,
    ...(p.body !== undefined ? { body: p.body } : {}),
    pathParameters: {},
    queryStringParameters: {},
    headerParameters: {},
    stageVariables: { stage: 'release' },
    path: '/trouble',
    queryString: p.query,
    httpMethod: p.method,
    isBase64Encoded: p.base64 ? (options.base64Flag === 'string' ? 'true' : true) : false,
  };
}

const AWS = { accountId: '123456789012', apiId: 'a1b2c3d4e5', region: 'ap-northeast-1', stage: 'prod' } as const;

function awsV1Event(p: HttpParts, requestId: string, nowMs: number): Record<string, unknown> {
  const host = `${AWS.apiId}.execute-api.${AWS.region}.amazonaws.com`;
  const headers = mergeHeaders(
    {
      Accept: 'application/json',
      ...(p.contentType ? { 'Content-Type': p.contentType, 'Content-Length': String(p.contentLength ?? 0) } : {}),
      Host: host,
      'User-Agent': 'ClassroomApp/3.2 (iOS 17.4)',
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${requestId.replace(/-/g, '').slice(0, 24)}`,
      'X-Forwarded-For': CLIENT_IP,
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
    },
    p.extraHeaders,
  );
  const hasQuery = Object.keys(p.query).length > 0;
  return {
    resource: '/trouble',
    path: '/trouble',
    httpMethod: p.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery ? p.query : null,
    multiValueQueryStringParameters: hasQuery ? Object.fromEntries(Object.entries(p.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: AWS.accountId,
      apiId: AWS.apiId,
      resourceId: 'x1y2z3',
      stage: AWS.stage,
      requestId,
      httpMethod: p.method,
      path: `/${AWS.stage}/trouble`,
      resourcePath: '/trouble',
      protocol: 'HTTP/1.1',
      domainName: host,
      requestTime: formatTime.clf(nowMs),
      requestTimeEpoch: nowMs,
      identity: { sourceIp: CLIENT_IP, userAgent: 'ClassroomApp/3.2 (iOS 17.4)' },
    },
    body: p.body ?? null,
    isBase64Encoded: p.base64,
  };
}

/** An API Gateway v2 style request id (`JKJaXmPLvHcESHA=`), derived from a UUID. */
export function shortRequestId(uuid: string): string {
  return `${Buffer.from(uuid.replace(/-/g, '').slice(0, 24), 'hex').toString('base64').slice(0, 15)}=`;
}

function awsV2Event(p: HttpParts, uuid: string, nowMs: number): Record<string, unknown> {
  const domainName = `${AWS.apiId}.execute-api.${AWS.region}.amazonaws.com`;
  const userAgent = 'ClassroomApp/3.2 (Android 14)';
  const headers = mergeHeaders(
    {
      accept: '*/*',
      ...(p.contentType ? { 'content-type': p.contentType, 'content-length': String(p.contentLength ?? 0) } : {}),
      host: domainName,
      'user-agent': userAgent,
      'x-amzn-trace-id': `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${uuid.replace(/-/g, '').slice(0, 24)}`,
      'x-forwarded-for': CLIENT_IP,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    p.extraHeaders,
  );
  // As AWS does: queryStringParameters and body are left out when there are none.
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/trouble',
    rawQueryString: p.rawQuery,
    headers,
    ...(Object.keys(p.query).length > 0 ? { queryStringParameters: p.query } : {}),
    requestContext: {
      accountId: AWS.accountId,
      apiId: AWS.apiId,
      domainName,
      domainPrefix: AWS.apiId,
      http: { method: p.method, path: '/trouble', protocol: 'HTTP/1.1', sourceIp: CLIENT_IP, userAgent },
      requestId: shortRequestId(uuid),
      routeKey: '$default',
      stage: '$default',
      time: formatTime.clf(nowMs),
      timeEpoch: nowMs,
    },
    ...(p.body !== undefined ? { body: p.body } : {}),
    isBase64Encoded: p.base64,
  };
}

/** The indexes of the records to poison (`--poison` may be given several times). */
function poisoned(options: GenerateOptions): readonly number[] {
  return options.poison === undefined ? [] : typeof options.poison === 'number' ? [options.poison] : options.poison;
}

/** The message body of record `index`: the report's JSON, or truncated JSON for a poisoned record. */
function messageBody(report: Readonly<Record<string, unknown>>, index: number, options: GenerateOptions): string {
  return poisoned(options).includes(index) ? poisonedBody(report) : JSON.stringify(report);
}

/** Numeric message ids as CMQ and TDMQ show them, distinct per record and per millisecond of generation. */
function numericId(nowMs: number, index: number, salt: number): string {
  return String(nowMs * 1000 + salt + index);
}

const ACCOUNT = '100000000001';
const TOPIC = 'trouble-reports';
const SUBSCRIPTION = 'trouble-reporter';

function ckafkaEvent(reports: readonly Record<string, unknown>[], options: GenerateOptions, nowMs: number): Record<string, unknown> {
  // Offsets start from the clock so that two generated batches never share a topic/partition/offset identity.
  return {
    Records: reports.map((report, i) => ({
      Ckafka: { topic: TOPIC, partition: 0, offset: nowMs + i, msgKey: 'None', msgBody: messageBody(report, i, options) },
    })),
  };
}

function cmqEvent(reports: readonly Record<string, unknown>[], options: GenerateOptions, nowMs: number): Record<string, unknown> {
  return {
    Records: reports.map((report, i) => ({
      CMQ: {
        type: 'topic',
        topicOwner: Number(ACCOUNT),
        topicName: TOPIC,
        subscriptionName: SUBSCRIPTION,
        publishTime: formatTime.isoMillis(nowMs),
        msgId: numericId(nowMs, i, 0),
        requestId: numericId(nowMs, i, 500),
        msgBody: messageBody(report, i, options),
        msgTag: 'trouble',
      },
    })),
  };
}

function cloudEvent(report: Readonly<Record<string, unknown>>, index: number, options: GenerateOptions, nowMs: number, id: string): Record<string, unknown> {
  const region = 'ap-guangzhou';
  // EventBridge puts the delivery time as a string of epoch milliseconds (its documented samples).
  const envelope = { specversion: '1.0', id };
  const common = { time: String(nowMs + index), region, datacontenttype: 'application/json;charset=utf-8' };
  if (options.tdmq === true) {
    return {
      ...envelope,
      type: 'connector:tdmq',
      source: 'tdmq.cloud.tencent',
      subject: `qcs::tdmq:${region}:uin/${ACCOUNT}:topicName/pulsar-trouble/trouble/${TOPIC}/${SUBSCRIPTION}`,
      ...common,
      data: {
        topic: `persistent://1250000000/trouble/${TOPIC}`,
        tags: 'trouble',
        TopicType: '0',
        subscriptionName: SUBSCRIPTION,
        toTimestamp: String(nowMs + index),
        partitions: '0',
        msgId: numericId(nowMs, index, 0),
        msgBody: messageBody(report, index, options),
      },
    };
  }
  return {
    ...envelope,
    type: 'classroom:TroubleReport',
    source: 'classroom.app',
    subject: `qcs::eb:${region}:uin/${ACCOUNT}:eventbusid/eb-trouble`,
    ...common,
    data: poisoned(options).includes(index) ? poisonedBody(report) : { ...report },
  };
}

/**
 * The event for `source`. Throws {@link GenerateEventError} when an option does not fit the source.
 *
 * @example generateEvent('ckafka', { records: 3, poison: 1 })  // 3 CKafka records, the second one unreadable
 */
export function generateEvent(source: EventSourceName, options: GenerateOptions = {}): unknown {
  const problems = optionProblems(source, options);
  if (problems.length > 0) throw new GenerateEventError(problems.join('; '));
  const nowMs = options.now ?? Date.now();
  const uuid = options.uuid ?? randomUUID;
  const params = options.params ?? {};
  const count = options.records ?? 1;
  const reports = Array.from({ length: count }, (_, i) => reportFor(params, nowMs, i, count));
  const report = reports[0]!;
  switch (source) {
    case 'direct':
      return report;
    case 'function-url':
      return functionUrlEvent(httpParts(report, options));
    case 'api-gateway':
      return apiGatewayEvent(httpParts(report, options), options, uuid());
    case 'aws-apigw-v1':
      return awsV1Event(httpParts(report, options), uuid(), nowMs);
    case 'aws-http-v2':
      return awsV2Event(httpParts(report, options), uuid(), nowMs);
    case 'ckafka':
      return ckafkaEvent(reports, options, nowMs);
    case 'cmq':
      return cmqEvent(reports, options, nowMs);
    case 'eventbridge':
      return cloudEvent(report, 0, options, nowMs, uuid());
    case 'eventbridge-list':
      return { EventList: reports.map((r, i) => cloudEvent(r, i, options, nowMs, uuid())) };
    case 'timer':
      return { Type: 'Timer', TriggerName: options.triggerName ?? 'trouble_probe', Time: formatTime.isoSeconds(nowMs), Message: options.message ?? '' };
  }
}
