import { describe, expect, it } from 'vitest';
import {
  bodyParams,
  decodeEventBody,
  formParams,
  httpParams,
  isBase64Flag,
  MAX_BODY_BYTES,
  mediaType,
  normaliseHeaders,
  normaliseQuery,
  parseQueryString,
  type HttpRequest,
  type QueryValue,
} from '../../../lib/http/request';
import type { RawParams } from '../../../lib/parse/parsed';
import { PARAMETER_NAMES, RepeatedValue, validateReport } from '../../../lib/report';
import { answer, apiGatewayEvent, BASE, BASE_STRINGS, functionUrlEvent, onlyProblem, paramsOfEvent, readable, statusOf } from '../../support/fixtures';

const API_EXAMPLE_QUERY =
  'Action=CreateTroubleInfo&Version=2019-07-22&SdkAppId=1400188366&RoomId=1587879309&TeacherUserId=teacher' +
  '&StudentUserId=student&TroubleUserId=student&TroubleType=1&TroubleTime=87654321&TroubleMsg=VoiceException';

const JSON_BODY = JSON.stringify(BASE);
const FORM_BODY = new URLSearchParams(BASE_STRINGS).toString();

function request(fields: Partial<HttpRequest>): HttpRequest {
  return { method: 'POST', path: '/', headers: {}, query: {}, body: undefined, ...fields };
}

function postJson(body: unknown, headers: Record<string, unknown> = { 'content-type': 'application/json' }): Record<string, unknown> {
  return apiGatewayEvent({ method: 'POST', headers, body });
}

function jsonSized(size: number): string {
  const head = '{"TroubleMsg":"';
  const tail = '"}';
  return head + 'a'.repeat(size - head.length - tail.length) + tail;
}

function expectPollutionFree(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

// -------------------------------------------------------------------------------------------------------------------
// The pure helpers

describe('normaliseHeaders', () => {
  it('lower-cases names and joins list values', () => {
    expect({ ...normaliseHeaders({ 'Content-Type': 'application/json', 'X-Multi': ['a', 'b'], Empty: null }) }).toEqual({
      'content-type': 'application/json',
      'x-multi': 'a, b',
      empty: '',
    });
  });

  it('the same header in two cases is joined, not lost', () => {
    expect(normaliseHeaders({ 'X-A': '1', 'x-a': '2' })['x-a']).toBe('1, 2');
  });

  it.each([undefined, null, 'text', ['a'], 42])('%j → no headers', (value) => {
    expect(Object.keys(normaliseHeaders(value))).toEqual([]);
  });
});

describe('normaliseQuery', () => {
  it('keeps strings, keeps arrays, turns a value-less key (true) into ""', () => {
    expect({ ...normaliseQuery({ a: 'x', b: ['1', '2'], c: true, d: ['x', true], n: 5 }) }).toEqual({
      a: 'x',
      b: ['1', '2'],
      c: '',
      d: ['x', ''],
      n: '5',
    });
  });

  it('drops null and undefined values', () => {
    expect(Object.keys(normaliseQuery({ a: null, b: undefined, c: 'y' }))).toEqual(['c']);
  });

  it('a __proto__ key is an own key and pollutes nothing', () => {
    const query = normaliseQuery(JSON.parse('{"__proto__":{"polluted":"1"},"constructor":"x"}'));
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor']);
    expectPollutionFree();
  });
});

/** A query string that must parse. */
function query(raw: string): Record<string, QueryValue> {
  const parsed = parseQueryString(raw);
  if (!parsed.ok) throw new Error(parsed.failure.message);
  return parsed.value;
}

/** Form fields that must parse. */
function form(raw: string): RawParams {
  const parsed = formParams(raw);
  if (!parsed.ok) throw new Error(parsed.failure.message);
  return parsed.value;
}

describe('parseQueryString', () => {
  it('parses the API example', () => {
    expect({ ...query(API_EXAMPLE_QUERY) }).toEqual({ Action: 'CreateTroubleInfo', Version: '2019-07-22', ...BASE_STRINGS });
  });

  it('a repeated key becomes an array, in order', () => {
    expect(query('a=1&b=x&a=2&a=3').a).toEqual(['1', '2', '3']);
  });

  it('a key without a value is ""', () => {
    expect(query('a&b=').a).toBe('');
    expect(query('a&b=').b).toBe('');
  });

  it('decodes percent-encoding and + as UTF-8', () => {
    expect(query('TroubleMsg=%E4%B8%AD+x%2By').TroubleMsg).toBe('中 x+y');
  });
});

describe('mediaType', () => {
  it.each([
    ['application/json', 'application/json'],
    ['application/json; charset=utf-8', 'application/json'],
    ['Application/JSON;charset=UTF-8', 'application/json'],
    ['  application/x-www-form-urlencoded ; charset=utf-8', 'application/x-www-form-urlencoded'],
    ['', ''],
    [undefined, ''],
  ])('%j → %j', (input, expected) => {
    expect(mediaType(input)).toBe(expected);
  });
});

describe('isBase64Flag', () => {
  it.each([true, 'true', 'TRUE', 'True', 'tRuE'])('%j → decode', (flag) => {
    expect(isBase64Flag(flag)).toBe(true);
  });

  it.each([false, 'false', 'FALSE', undefined, null, '', 1, 'yes', ' true'])('%j → do not decode', (flag) => {
    expect(isBase64Flag(flag)).toBe(false);
  });
});

describe('decodeEventBody', () => {
  it.each([undefined, null, ''])('%j → no body', (body) => {
    expect(decodeEventBody(body, false)).toEqual({ ok: true, value: undefined });
    expect(decodeEventBody(body, true)).toEqual({ ok: true, value: undefined });
  });

  it('plain text stays as it is, even when it looks like Base64', () => {
    const result = decodeEventBody('SGVsbG8=', false);
    expect(result.ok && result.value?.toString('utf8')).toBe('SGVsbG8=');
  });

  it('decodes Base64 and URL-safe Base64, with or without padding, ignoring line breaks', () => {
    for (const encoded of ['eyJhIjoi5LitIn0=', 'eyJhIjoi5LitIn0', 'eyJhIjoi\r\n5LitIn0=']) {
      const result = decodeEventBody(encoded, true);
      expect(result.ok && result.value?.toString('utf8')).toBe('{"a":"中"}');
    }
    const urlSafe = Buffer.from('??>>', 'utf8').toString('base64url');
    const decoded = decodeEventBody(urlSafe, true);
    expect(decoded.ok && decoded.value?.toString('utf8')).toBe('??>>');
  });

  it.each(['not base64!', '{"SdkAppId":"1"}', 'A', 'AAAAA', 'SGVsbG8===', 'SGV=sbG8', '%%%%'])('invalid Base64 %j → 400', (body) => {
    const result = decodeEventBody(body, true);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure.status).toBe(400);
  });

  it('a body that is not a string (nor an object) → 400', () => {
    const result = decodeEventBody(42, false);
    expect(result.ok ? 200 : result.failure.status).toBe(400);
  });
});

describe('formParams', () => {
  it('reads fields; a repeated field becomes a RepeatedValue with every value', () => {
    const params = form('RoomId=a&TroubleMsg=x&RoomId=b');
    expect(params.TroubleMsg).toBe('x');
    expect(params.RoomId).toBeInstanceOf(RepeatedValue);
    expect((params.RoomId as RepeatedValue).values).toEqual(['a', 'b']);
  });

  it('a __proto__ field pollutes nothing', () => {
    const params = form('__proto__=x&__proto__[polluted]=1&constructor[prototype][polluted]=1');
    expect(Object.keys(params)).toEqual(['__proto__', '__proto__[polluted]', 'constructor[prototype][polluted]']);
    expectPollutionFree();
  });
});

describe('bodyParams', () => {
  const json = (body: Buffer, contentType = 'application/json'): HttpRequest => request({ headers: { 'content-type': contentType }, body });

  it(`reads a body of exactly ${MAX_BODY_BYTES} bytes and refuses one byte more with 413`, () => {
    expect(MAX_BODY_BYTES).toBe(64 * 1024);
    expect(bodyParams(json(Buffer.from(jsonSized(MAX_BODY_BYTES)))).ok).toBe(true);
    expect(statusOf(bodyParams(json(Buffer.from(jsonSized(MAX_BODY_BYTES + 1)))))).toBe(413);
  });

  it.each(['text/plain', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x', 'application/xml'])('%s → 415', (type) => {
    expect(statusOf(bodyParams(json(Buffer.from(JSON_BODY), type)))).toBe(415);
  });

  it.each(['application/json', 'text/json', 'application/vnd.api+json', 'application/x-www-form-urlencoded', ''])(
    'a JSON object labelled %j is read as JSON',
    (type) => {
      expect({ ...readable(bodyParams(json(Buffer.from(`  ${JSON_BODY}`), type))) }).toEqual(BASE);
    },
  );

  it('a body that is not UTF-8 → 400', () => {
    expect(statusOf(bodyParams(json(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))))).toBe(400);
  });
});

describe('httpParams', () => {
  it('reads the API example from a raw query string', () => {
    const params = readable(httpParams(request({ method: 'GET', query: query(API_EXAMPLE_QUERY) })));
    const result = validateReport(params);
    expect(result).toEqual({ ok: true, report: BASE });
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE'])('%s → 405', (method) => {
    expect(statusOf(httpParams(request({ method, body: Buffer.from(JSON_BODY), headers: { 'content-type': 'application/json' } })))).toBe(405);
  });

  it('a key in both the query and the body is a RepeatedValue', () => {
    const params = readable(
      httpParams(request({ query: { RoomId: 'q' }, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"RoomId":"b"}') })),
    );
    expect(params.RoomId).toBeInstanceOf(RepeatedValue);
  });

  it('an array of several query values is a RepeatedValue', () => {
    const params = readable(httpParams(request({ method: 'GET', query: { RoomId: ['a', 'b'] } })));
    expect(params.RoomId).toBeInstanceOf(RepeatedValue);
  });
});

// -------------------------------------------------------------------------------------------------------------------
// The HTTP contract, whole requests through detection, adaptation and the HTTP pipeline (fake TRTC port)

describe('HTTP: where the parameters come from', () => {
  it('GET with the API example query string (Function URL) → 200, the report sent as typed', async () => {
    const result = await answer(functionUrlEvent({ method: 'GET', query: { ...query(API_EXAMPLE_QUERY) } }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
    expect(Object.keys(result.sent[0] ?? {})).toEqual([...PARAMETER_NAMES]);
  });

  it('GET with the API example query string (API Gateway) → 200', async () => {
    const result = await answer(apiGatewayEvent({ method: 'GET', query: { ...query(API_EXAMPLE_QUERY) } }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('POST with a JSON body → 200', async () => {
    const result = await answer(postJson(JSON_BODY));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('POST with a form body → 200, integers converted', async () => {
    const result = await answer(postJson(FORM_BODY, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('POST with some parameters in the query and the rest in the body → 200', async () => {
    const { SdkAppId, RoomId, ...rest } = BASE;
    const result = await answer(
      apiGatewayEvent({ method: 'POST', query: { SdkAppId, RoomId }, headers: { 'content-type': 'application/json' }, body: JSON.stringify(rest) }),
    );
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('the method is read case-insensitively from the event', async () => {
    const result = await answer(functionUrlEvent({ method: 'get', query: { ...BASE_STRINGS } }));
    expect(result.status).toBe(200);
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'HEAD'])('%s → 405, nothing sent', async (method) => {
    const result = await answer(functionUrlEvent({ method, headers: { 'content-type': 'application/json' }, body: JSON_BODY }));
    expect(result.status).toBe(405);
    expect(result.sent).toEqual([]);
  });
});

describe('HTTP: Action and Version', () => {
  const selectors = { Action: 'CreateTroubleInfo', Version: '2019-07-22' };

  it('accepted and dropped in a JSON body', async () => {
    const result = await answer(postJson(JSON.stringify({ ...selectors, ...BASE })));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('accepted and dropped in a form body', async () => {
    const body = new URLSearchParams({ ...selectors, ...BASE_STRINGS }).toString();
    const result = await answer(postJson(body, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('accepted in the query of a POST', async () => {
    const result = await answer(apiGatewayEvent({ method: 'POST', query: selectors, headers: { 'content-type': 'application/json' }, body: JSON_BODY }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it.each([
    ['Action', 'DescribeRoomInfo'],
    ['Action', 'createtroubleinfo'],
    ['Action', ''],
    ['Action', true],
    ['Version', '2020-01-01'],
    ['Version', ''],
  ])('%s=%j in the query → 400, nothing sent', async (name, value) => {
    const result = await answer(functionUrlEvent({ method: 'GET', query: { ...BASE_STRINGS, [name]: value } }));
    expect(result.status).toBe(400);
    expect(result.message).toContain(name);
    expect(result.sent).toEqual([]);
  });

  it.each([
    ['Action', 1],
    ['Action', null],
    ['Version', 20190722],
  ])('%s=%j in a JSON body → 400', async (name, value) => {
    const result = await answer(postJson(JSON.stringify({ ...BASE, [name]: value })));
    expect(result.status).toBe(400);
    expect(result.sent).toEqual([]);
  });
});

describe('HTTP: headers and media types', () => {
  it.each(['Content-Type', 'content-type', 'CONTENT-TYPE', 'cOnTeNt-TyPe'])('the %s header is found', async (name) => {
    expect((await answer(postJson(FORM_BODY, { [name]: 'application/x-www-form-urlencoded' }))).status).toBe(200);
    expect((await answer(postJson(JSON_BODY, { [name]: 'text/plain' }))).status).toBe(415);
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset="utf-8"'])(
    'media-type parameters are ignored: %s',
    async (type) => {
      expect((await answer(postJson(JSON_BODY, { 'content-type': type }))).status).toBe(200);
    },
  );

  it('form with a charset parameter → 200', async () => {
    expect((await answer(postJson(FORM_BODY, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }))).status).toBe(200);
  });

  it.each(['text/plain', 'text/plain; charset=utf-8'])('%s → 415, nothing sent', async (type) => {
    const result = await answer(postJson(JSON_BODY, { 'content-type': type }));
    expect(result.status).toBe(415);
    expect(result.sent).toEqual([]);
  });

  it('a JSON body sent as a form (curl -d) is read as JSON', async () => {
    const result = await answer(postJson(JSON_BODY, { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('a JSON body without a Content-Type is read as JSON', async () => {
    const result = await answer(postJson(JSON_BODY, {}));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });
});

describe('HTTP: Base64 bodies', () => {
  const encodedJson = Buffer.from(JSON_BODY, 'utf8').toString('base64');
  const encodedForm = Buffer.from(FORM_BODY, 'utf8').toString('base64');

  it.each([true, 'true', 'TRUE', 'True'])('isBase64Encoded %j → decoded (JSON)', async (flag) => {
    const result = await answer(apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body: encodedJson, isBase64Encoded: flag }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it.each([true, 'true'])('isBase64Encoded %j → decoded (form)', async (flag) => {
    const result = await answer(
      apiGatewayEvent({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encodedForm, isBase64Encoded: flag }),
    );
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it.each([false, 'false', 'FALSE', undefined])('isBase64Encoded %j → not decoded', async (flag) => {
    const result = await answer(apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body: JSON_BODY, isBase64Encoded: flag }));
    expect(result.status).toBe(200);
    expect(result.sent).toEqual([BASE]);
  });

  it('a Base64 body is not decoded when the flag is false (it is then not JSON)', async () => {
    const result = await answer(apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body: encodedJson, isBase64Encoded: false }));
    expect(result.status).toBe(400);
    expect(result.sent).toEqual([]);
  });

  it.each(['not base64!', JSON_BODY, 'AAAAA'])('invalid Base64 %j → 400, nothing sent', async (body) => {
    const result = await answer(apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body, isBase64Encoded: true }));
    expect(result.status).toBe(400);
    expect(result.sent).toEqual([]);
  });

  it('a decoded body over 64 KiB → 413', async () => {
    const body = Buffer.from(jsonSized(MAX_BODY_BYTES + 1)).toString('base64');
    const result = await answer(apiGatewayEvent({ headers: { 'content-type': 'application/json' }, body, isBase64Encoded: 'true' }));
    expect(result.status).toBe(413);
  });
});

describe('HTTP: repeated parameters', () => {
  it('a repeated query key (array value) → 400 InvalidParameter naming the field', async () => {
    const event = functionUrlEvent({ method: 'GET', query: { ...BASE_STRINGS, RoomId: ['1587879309', '42'] } });
    expect(onlyProblem(readable(paramsOfEvent(event)), 'RoomId').code).toBe('InvalidParameter');
    const result = await answer(event);
    expect(result.status).toBe(400);
    expect(result.code).toBe('InvalidParameter');
    expect(result.message).toContain('RoomId');
    expect(result.sent).toEqual([]);
  });

  it('a repeated form field (a=1&a=2) → 400 InvalidParameter naming the field', async () => {
    const event = postJson(`${FORM_BODY}&TroubleType=2`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(onlyProblem(readable(paramsOfEvent(event)), 'TroubleType').code).toBe('InvalidParameter');
    const result = await answer(event);
    expect(result.status).toBe(400);
    expect(result.code).toBe('InvalidParameter');
    expect(result.message).toContain('TroubleType');
  });

  it('a key in both the query and a JSON body counts as repeated', async () => {
    const event = apiGatewayEvent({
      method: 'POST',
      query: { TeacherUserId: 'teacher' },
      headers: { 'content-type': 'application/json' },
      body: JSON_BODY,
    });
    expect(onlyProblem(readable(paramsOfEvent(event)), 'TeacherUserId').code).toBe('InvalidParameter');
    const result = await answer(event);
    expect(result.status).toBe(400);
    expect(result.message).toContain('TeacherUserId');
  });

  it('a key in both the query and a form body counts as repeated', async () => {
    const event = apiGatewayEvent({
      method: 'POST',
      query: { TroubleMsg: 'VoiceException' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: FORM_BODY,
    });
    expect(onlyProblem(readable(paramsOfEvent(event)), 'TroubleMsg').code).toBe('InvalidParameter');
  });
});

describe('HTTP: query values', () => {
  it('a value-less key (true) is "": an empty TroubleMsg is rejected', async () => {
    const event = apiGatewayEvent({ method: 'GET', query: { ...BASE_STRINGS, TroubleMsg: true } });
    const params = readable(paramsOfEvent(event));
    expect(params.TroubleMsg).toBe('');
    expect(onlyProblem(params, 'TroubleMsg').code).toBe('InvalidParameterValue');
    expect((await answer(event)).status).toBe(400);
  });
});

describe('HTTP: unreadable bodies', () => {
  it.each(['[]', `[${JSON_BODY}]`, '"report"', '42', 'null'])('JSON body %s (not an object) → 400, nothing sent', async (body) => {
    const result = await answer(postJson(body));
    expect(result.status).toBe(400);
    expect(result.sent).toEqual([]);
  });

  it.each([
    ['application/json', '{"SdkAppId":'],
    ['application/json', `${JSON_BODY.slice(0, -1)},}`],
    ['application/x-www-form-urlencoded', '{"SdkAppId": "1400188366",'],
    ['', '{broken'],
  ])('malformed JSON (%s) → 400', async (type, body) => {
    const result = await answer(postJson(body, type ? { 'content-type': type } : {}));
    expect(result.status).toBe(400);
    expect(result.sent).toEqual([]);
  });

  it(`a body over ${MAX_BODY_BYTES} bytes → 413; exactly ${MAX_BODY_BYTES} is read`, async () => {
    const over = await answer(postJson(jsonSized(MAX_BODY_BYTES + 1)));
    expect(over.status).toBe(413);
    expect(over.sent).toEqual([]);
    const at = await answer(postJson(jsonSized(MAX_BODY_BYTES)));
    expect(at.status).toBe(400);
    expect(at.code).not.toBe('RequestSizeLimitExceeded');
  });
});

describe('HTTP: prototype keys', () => {
  it('__proto__ and constructor in a JSON body pollute nothing and are unknown parameters', async () => {
    const body = `{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON_BODY.slice(1)}`;
    const event = postJson(body);
    const params = readable(paramsOfEvent(event));
    expectPollutionFree();
    const result = validateReport(params);
    expect(result.ok ? [] : result.problems.map((p) => [p.code, p.field])).toEqual([
      ['UnknownParameter', '__proto__'],
      ['UnknownParameter', 'constructor'],
    ]);
    const http = await answer(event);
    expectPollutionFree();
    expect(http.status).toBe(400);
    expect(http.code).toBe('UnknownParameter');
    expect(http.sent).toEqual([]);
  });

  it('__proto__ in the query (as a gateway delivers it) is an unknown parameter', async () => {
    const event = JSON.parse(
      JSON.stringify(functionUrlEvent({ method: 'GET', query: { ...BASE_STRINGS } })).replace('"queryString":{', '"queryString":{"__proto__":"x",'),
    ) as unknown;
    const result = await answer(event);
    expectPollutionFree();
    expect(result.status).toBe(400);
    expect(result.code).toBe('UnknownParameter');
  });

  it('__proto__ in a form body pollutes nothing and is an unknown parameter', async () => {
    const result = await answer(postJson(`__proto__[polluted]=1&__proto__=x&${FORM_BODY}`, { 'content-type': 'application/x-www-form-urlencoded' }));
    expectPollutionFree();
    expect(result.status).toBe(400);
    expect(result.code).toBe('UnknownParameter');
  });
});
