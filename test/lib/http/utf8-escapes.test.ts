/**
 * Text that is not Unicode never becomes a report: percent escapes whose bytes are not UTF-8 (`RoomId=%ff`) in a
 * query string or a form body, and lone UTF-16 surrogates in JSON (`"\ud800"`), are 400 naming the field, nothing
 * sent, at every HTTP entry (SCF Function URL and API Gateway events, AWS API Gateway v1/v2 and ALB events, the
 * standalone server). Before, `%ff`, `%fe` and `%c0` all became U+FFFD: three reports, one text, one idempotency key.
 * The decoder itself (and its agreement with URLSearchParams) is tested in test/lib/parse/form.test.ts.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../../lib/server/create';
import { validateReport } from '../../../lib/report';
import { answer, BASE, BASE_STRINGS, functionUrlEvent, apiGatewayEvent, RecordingClient, TEST_ENV } from '../../support/fixtures';

const BAD_ESCAPES = ['%ff', '%fe', '%c0', '%c0%80', '%ed%a0%80', '%e4%b8'];

/** The example's form/query text with RoomId's value replaced by raw (already percent-encoded) text. */
function encodedWith(field: string, raw: string): string {
  return Object.entries(BASE_STRINGS)
    .map(([k, v]) => `${k}=${k === field ? raw : encodeURIComponent(v)}`)
    .join('&');
}

function awsV2(rawQueryString: string): Record<string, unknown> {
  return {
    version: '2.0',
    rawPath: '/',
    rawQueryString,
    headers: {},
    requestContext: { requestId: 'r', http: { method: 'GET', path: '/' } },
    isBase64Encoded: false,
  };
}

function alb(query: Record<string, string>): Record<string, unknown> {
  return {
    httpMethod: 'GET',
    path: '/',
    headers: {},
    queryStringParameters: query,
    requestContext: { elb: { targetGroupArn: 'arn' } },
    body: '',
    isBase64Encoded: false,
  };
}

function expectNamed(result: { status: number; message?: string | undefined; sent: readonly unknown[] }, field: string): void {
  expect(result.status, result.message).toBe(400);
  expect(result.message).toContain(field);
  expect(result.sent).toEqual([]);
}

describe('percent escapes that are not UTF-8', () => {
  it.each(BAD_ESCAPES)('RoomId=%s in a form body (Function URL, API Gateway) → 400 naming RoomId', async (raw) => {
    const body = encodedWith('RoomId', raw);
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    expectNamed(await answer(functionUrlEvent({ method: 'POST', headers, body })), 'RoomId');
    expectNamed(await answer(apiGatewayEvent({ method: 'POST', headers, body })), 'RoomId');
  });

  it.each(BAD_ESCAPES)('TroubleMsg=%s in an AWS HTTP API (v2) rawQueryString → 400 naming TroubleMsg', async (raw) => {
    expectNamed(await answer(awsV2(encodedWith('TroubleMsg', raw))), 'TroubleMsg');
  });

  it.each(BAD_ESCAPES)('RoomId=%s in an ALB query → 400 naming RoomId', async (raw) => {
    expectNamed(await answer(alb({ ...BASE_STRINGS, RoomId: raw })), 'RoomId');
  });

  it('a name that is not UTF-8 is named as sent', async () => {
    const result = await answer(awsV2(`${encodedWith('RoomId', 'x')}&Room%ffId=1`));
    expectNamed(result, 'Room%ffId');
  });

  it('valid escapes, bad escape syntax and U+FFFD sent as such still work as before', async () => {
    const ok = await answer(awsV2(encodedWith('TroubleMsg', '%E4%B8%AD+100%25+%zz%')));
    expect(ok.status, ok.message).toBe(200);
    expect(ok.sent).toEqual([{ ...BASE, TroubleMsg: '中 100% %zz%' }]);
    const replacement = await answer(alb({ ...BASE_STRINGS, TroubleMsg: '%EF%BF%BD' }));
    expect(replacement.status, replacement.message).toBe(200);
    expect(replacement.sent).toEqual([{ ...BASE, TroubleMsg: '\ufffd' }]);
  });
});

describe('lone surrogates in JSON', () => {
  it.each([
    ['a high surrogate alone', '\\ud800'],
    ['a low surrogate alone', '\\udc00'],
    ['a high surrogate before a letter', 'a\\ud83dx'],
    ['a high surrogate at the end', 'room\\udbff'],
    ['two high surrogates', '\\ud83d\\ud83d'],
  ])('%s in RoomId or TroubleMsg → 400 naming the field', async (_, escaped) => {
    for (const field of ['RoomId', 'TroubleMsg']) {
      const body = JSON.stringify({ ...BASE, [field]: 'PLACEHOLDER' }).replace('PLACEHOLDER', escaped);
      const result = await answer(functionUrlEvent({ method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      expectNamed(result, field);
    }
  });

  it('a surrogate pair (an emoji) is fine', () => {
    expect(validateReport({ ...BASE, TroubleMsg: 'camera \ud83d\udcf7 off' }).ok).toBe(true);
  });

  it('validation names every field with a lone surrogate, also from a bare event object', () => {
    const result = validateReport({ ...BASE, TeacherUserId: 't\udc00', TroubleMsg: '\ud800' });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.map((p) => [p.field, p.code])).toEqual([
        ['TeacherUserId', 'InvalidParameterValue'],
        ['TroubleMsg', 'InvalidParameterValue'],
      ]);
  });
});

describe('the standalone server', () => {
  const client = new RecordingClient();
  let port = 0;
  const server = createServer({ env: TEST_ENV, client, write: () => undefined });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('%ff, %fe and %c0 in a query: three 400s naming RoomId, not one report and two replays', async () => {
    for (const raw of ['%ff', '%fe', '%c0']) {
      const response = await fetch(`http://127.0.0.1:${String(port)}/?${encodedWith('RoomId', raw)}`);
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(text).toContain('RoomId');
    }
    expect(client.calls).toEqual([]);
  });

  it('%ff in a form body → 400 naming RoomId', async () => {
    const response = await fetch(`http://127.0.0.1:${String(port)}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encodedWith('RoomId', '%ff'),
    });
    const text = await response.text();
    expect(response.status, text).toBe(400);
    expect(text).toContain('RoomId');
    expect(client.calls).toEqual([]);
  });
});
