/**
 * Shared fixtures for the unit tests: a base valid report (each test changes one field), SCF HTTP event builders,
 * and small helpers that unwrap results with a readable failure.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { handleHttp } from '../../lib/http/handle';
import { httpParams } from '../../lib/http/request';
import type { Parsed, RawParams } from '../../lib/parse/parsed';
import { prepareInvocation } from '../../lib/invocation';
import type { Invocation } from '../../lib/invocation';
import { describeProblems, validateReport, type ParameterProblem, type TroubleReport } from '../../lib/report';
import { detectSource } from '../../lib/sources';
import type { CallOptions, TroubleInfoClient } from '../../lib/trtc/client';

/** The API's own example, as a validated report. */
export const BASE: Readonly<TroubleReport> = {
  SdkAppId: '1400188366',
  RoomId: '1587879309',
  TeacherUserId: 'teacher',
  StudentUserId: 'student',
  TroubleUserId: 'student',
  TroubleType: 1,
  TroubleTime: 87654321,
  TroubleMsg: 'VoiceException',
};

/** A valid report no other test sends (its TroubleMsg carries `label` and a UUID), so no store replays another's. */
export function distinctReport(label: string, overrides: Partial<TroubleReport> = {}): TroubleReport {
  return {
    SdkAppId: '1400188366',
    RoomId: '1587879309',
    TeacherUserId: 'teacher_lin',
    StudentUserId: 'student_wang',
    TroubleUserId: 'student_wang',
    TroubleType: 1,
    TroubleTime: 1764150000,
    TroubleMsg: `${label} ${randomUUID()}`,
    ...overrides,
  };
}

/** The base report as raw string parameters (what a query string or a form carries). */
export const BASE_STRINGS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, String(v)]));

/** The base report with one field replaced. */
export function withField(name: string, value: unknown): Record<string, unknown> {
  return { ...BASE, [name]: value };
}

/** The base report without one field. */
export function without(name: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...BASE };
  delete copy[name];
  return copy;
}

export function reportOf(params: Readonly<Record<string, unknown>>): TroubleReport {
  const result = validateReport(params);
  if (!result.ok) throw new Error(`expected a valid report, got: ${describeProblems(result.problems)}`);
  return result.report;
}

export function problemsOf(params: Readonly<Record<string, unknown>>): ParameterProblem[] {
  const result = validateReport(params);
  if (result.ok) throw new Error(`expected problems, got a valid report: ${JSON.stringify(result.report)}`);
  return result.problems;
}

/** Exactly one problem, for `field`; returns it. */
export function onlyProblem(params: Readonly<Record<string, unknown>>, field: string): ParameterProblem {
  const problems = problemsOf(params);
  expect(problems.map((p) => p.field)).toEqual([field]);
  const [first] = problems;
  if (!first) throw new Error('unreachable');
  expect(first.message).toContain(field);
  return first;
}

export const REJECTION_CODES = ['InvalidParameter', 'InvalidParameterValue'] as const;

/** `value` in `field` is rejected: one problem for that field, a type or value code. */
export function expectRejected(field: string, value: unknown): ParameterProblem {
  const p = onlyProblem(withField(field, value), field);
  expect(REJECTION_CODES).toContain(p.code);
  return p;
}

/** UTF-8 byte length. */
export function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// SCF HTTP events

export interface HttpEventFields {
  readonly method?: string;
  readonly headers?: Record<string, unknown>;
  readonly query?: Record<string, unknown>;
  readonly body?: unknown;
  readonly isBase64Encoded?: unknown;
}

/** An SCF Function URL event: body, headers, httpMethod, path, queryString; no requestContext. */
export function functionUrlEvent(fields: HttpEventFields = {}): Record<string, unknown> {
  return {
    body: fields.body,
    headers: fields.headers ?? { host: 'example.tencentscf.com', 'x-scf-remote-addr': '203.0.113.9' },
    httpMethod: fields.method ?? 'GET',
    path: '/',
    queryString: fields.query ?? {},
    ...(fields.isBase64Encoded !== undefined ? { isBase64Encoded: fields.isBase64Encoded } : {}),
  };
}

/** An SCF API Gateway trigger event (integration request). */
export function apiGatewayEvent(fields: HttpEventFields = {}): Record<string, unknown> {
  return {
    requestContext: {
      serviceId: 'service-abcdefgh',
      path: '/report',
      httpMethod: 'ANY',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: {},
      sourceIp: '203.0.113.9',
      stage: 'release',
    },
    headers: fields.headers ?? { host: 'service-abcdefgh-1250000000.gz.apigw.tencentcs.com' },
    ...(fields.body !== undefined ? { body: fields.body } : {}),
    pathParameters: {},
    queryStringParameters: {},
    headerParameters: {},
    stageVariables: { stage: 'release' },
    path: '/report',
    queryString: fields.query ?? {},
    httpMethod: fields.method ?? 'POST',
    ...(fields.isBase64Encoded !== undefined ? { isBase64Encoded: fields.isBase64Encoded } : {}),
  };
}

/** Raw parameters of an HTTP event, the way the handler reads them: detect, adapt, read the request. */
export function paramsOfEvent(event: unknown): Parsed<RawParams> {
  const detected = detectSource(event);
  if (!detected) throw new Error('event was not recognised');
  const { adapted } = detected;
  if (adapted.kind !== 'http') throw new Error(`expected an HTTP event, got ${adapted.kind}`);
  if (!adapted.request.ok) return adapted.request;
  return httpParams(adapted.request.value);
}

/** The parameters of a request that must be readable. */
export function readable(parsed: Parsed<RawParams>): RawParams {
  if (!parsed.ok) throw new Error(`expected readable parameters, got ${parsed.failure.status} ${parsed.failure.message}`);
  return parsed.value;
}

/** The HTTP status of a request that must fail before validation. */
export function statusOf(parsed: Parsed<RawParams>): number {
  if (parsed.ok) throw new Error(`expected a failure, got parameters ${Object.keys(parsed.value).join(', ')}`);
  return parsed.failure.status;
}

// ---------------------------------------------------------------------------------------------------------------
// Whole HTTP requests through the HTTP pipeline, with a fake TRTC port

/**
 * The environment of test invocations: fake credentials (the client below never signs anything) and idempotency
 * off, so that the same report sent by two tests reaches the port both times.
 */
export const TEST_ENV: Readonly<Record<string, string>> = {
  TENCENTCLOUD_SECRETID: 'AKIDunitTestSecretId0000',
  TENCENTCLOUD_SECRETKEY: 'unitTestSecretKey0000000000000',
  TENCENTCLOUD_SESSIONTOKEN: 'unitTestSessionToken000000',
  IDEMPOTENCY_TTL_SECONDS: '0',
};

/** A TroubleInfoClient that records every report and answers with a RequestId. */
export class RecordingClient implements TroubleInfoClient {
  readonly calls: TroubleReport[] = [];

  create(report: TroubleReport, _options: CallOptions): Promise<{ requestId: string }> {
    this.calls.push(report);
    return Promise.resolve({ requestId: `trtc-request-${this.calls.length}` });
  }
}

export function testInvocation(client: TroubleInfoClient, lines: string[] = []): Invocation {
  const prepared = prepareInvocation({ request_id: 'unit-invocation', time_limit_in_ms: 10_000 }, { env: TEST_ENV, client, write: (line) => lines.push(line) });
  if (!prepared.ok) throw new Error(`test configuration rejected: ${prepared.errors.join('; ')}`);
  return prepared.inv;
}

export interface HttpAnswer {
  readonly status: number;
  /** Error.Code of the envelope, or undefined on success. */
  readonly code: string | undefined;
  readonly message: string | undefined;
  /** What reached the TRTC port. */
  readonly sent: readonly TroubleReport[];
}

interface EnvelopeShape {
  Response?: { RequestId?: unknown; Error?: { Code?: unknown; Message?: unknown } };
}

/** Runs an SCF HTTP event through detection, adaptation and the HTTP pipeline. */
export async function answer(event: unknown): Promise<HttpAnswer> {
  const detected = detectSource(event);
  if (!detected) throw new Error('event was not recognised');
  const { adapted } = detected;
  if (adapted.kind !== 'http') throw new Error(`expected an HTTP event, got ${adapted.kind}`);
  const client = new RecordingClient();
  const { response } = await handleHttp(adapted.request, testInvocation(client));
  const body = JSON.parse(response.body) as EnvelopeShape;
  const error = body.Response?.Error;
  return {
    status: response.statusCode,
    code: typeof error?.Code === 'string' ? error.Code : undefined,
    message: typeof error?.Message === 'string' ? error.Message : undefined,
    sent: client.calls,
  };
}
