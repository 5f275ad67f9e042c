/**
 * openapi.yaml, the OpenAPI 3.1 description of the HTTP API: valid by a real OpenAPI validator
 * (@seriousme/openapi-schema-validator), and true to what the function does. Every HTTP sample in events/ runs
 * through the built bundle (dist/index.js) against the embedded TRTC emulator, as test/bundle/samples.test.ts does, and its
 * actual answer must be one the document describes for that method on `/`: a documented status, a body that
 * validates against that response's JSON Schema (ajv, draft 2020-12, OpenAPI 3.1's dialect), and only documented
 * extra headers. The parameters of each sample must also be accepted by the request schema exactly when the
 * function accepted them.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { EmulatorFault } from '../../tools/trtc-emulator';
import { httpParams, mediaType } from '../../lib/http/request';
import { detectSource } from '../../lib/sources';
import { loadBundle, ROOT } from '../support/bundle';
import { useEmulator } from '../support/emulated';
import { withEnv } from '../support/env';
import { captureStdout } from '../support/logs';

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { headers?: Json; content?: Record<string, { schema: Json }> }>;
  requestBody?: { content: Record<string, { schema: Json }> };
}
interface Expectation {
  result: string;
  status?: number;
  errorCode: string | null;
  faults?: EmulatorFault[];
  env?: Record<string, string | null>;
  timeLimitMs?: number;
}
interface IntegrationResponse {
  statusCode: number;
  /** Absent when an ALB target group uses multi-value headers. */
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
}

const DOCUMENT_FILE = path.join(ROOT, 'openapi.yaml');
const EVENTS = path.join(ROOT, 'events');
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8'));

/** The samples whose expected result is an HTTP integration response. */
const httpSamples = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expect.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .filter((name) => (readJson(`${name}.expect.json`) as Expectation).result === 'http')
  .sort();

/** Headers every JSON answer carries, which the document does not list per response. */
const COMMON_HEADERS = new Set(['content-type', 'cache-control', 'x-content-type-options']);
/** Parameter codes: the request itself is at fault, so the request schema must refuse it too. */
const PARAMETER_CODES = new Set(['MissingParameter', 'InvalidParameter', 'InvalidParameterValue', 'UnknownParameter']);

let resolved: {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, { content: Record<string, { schema: Json }> }> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });

const { emulator } = useEmulator();

beforeAll(async () => {
  const validator = new Validator();
  const result = await validator.validate(parseYaml(readFileSync(DOCUMENT_FILE, 'utf8')) as Json);
  expect(result.errors ?? [], 'openapi.yaml is a valid OpenAPI document').toEqual([]);
  resolved = validator.resolveRefs() as typeof resolved;
});

function methodOf(event: Json): string {
  const http = (event['requestContext'] as { http?: { method?: string } } | undefined)?.http;
  return String(event['httpMethod'] ?? http?.method ?? '').toLowerCase();
}

describe('openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document, and the validator does refuse a broken one', async () => {
    const validator = new Validator();
    const document = parseYaml(readFileSync(DOCUMENT_FILE, 'utf8')) as Json;
    const result = await validator.validate(document);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const broken = { ...document, paths: { '/': { get: { responses: { '200': { content: 'none' } } } } } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('documents every status code of the table in docs/http-api.md, each with a JSON envelope', () => {
    const page = readFileSync(path.join(ROOT, 'docs', 'http-api.md'), 'utf8');
    const table = page.slice(page.indexOf('| status | Error.Code |'));
    const statuses = new Set([...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| (\d{3}) \|/gm)].map((m) => m[1]!));
    expect(statuses.size).toBeGreaterThan(10);
    const root = resolved.paths['/']!;
    const documented = new Set(Object.values(root).flatMap((op) => Object.keys(op.responses)));
    for (const status of statuses) {
      // 404 is for the paths the standalone server does not serve: the NotFound response, checked below.
      if (status === '404') continue;
      expect(documented, `status ${status}`).toContain(status);
      if (status === '204') continue;
      const withBody = Object.values(root).find((op) => op.responses[status]?.content)!;
      expect(withBody.responses[status]!.content!['application/json']!.schema, `status ${status} has a JSON schema`).toBeTruthy();
    }
    expect(statuses).toContain('404');
  });

  it("the standalone server's 404 for another path is the documented NotFound response", () => {
    const server = createRequire(import.meta.url)(path.join(ROOT, 'dist', 'server.js')) as {
      notFoundResponse: (path: string, requestId: string) => IntegrationResponse;
    };
    const answer = server.notFoundResponse('/api/trouble', randomUUID());
    expect(answer.statusCode).toBe(404);
    const notFound = resolved.components.responses['NotFound']!;
    const validate = ajv.compile(notFound.content['application/json']!.schema);
    expect(validate(JSON.parse(answer.body)) ? [] : validate.errors).toEqual([]);
  });

  it('there are HTTP samples to check it against', () => {
    expect(httpSamples.length).toBeGreaterThan(20);
  });

  it.each(httpSamples)('%s: the actual answer is one the document describes', async (name) => {
    const event = readJson(`${name}.json`) as Json;
    const expected = readJson(`${name}.expect.json`) as Expectation;
    const { main_handler } = loadBundle({ fresh: true });
    for (const fault of expected.faults ?? []) emulator.inject(fault);
    const undo = withEnv(Object.fromEntries(Object.entries(expected.env ?? {}).map(([k, v]) => [k, v ?? undefined])));
    const run = await captureStdout(() => main_handler(event, { request_id: randomUUID(), time_limit_in_ms: expected.timeLimitMs ?? 10_000 }));
    undo();
    const response = run.value as IntegrationResponse;
    expect(response.statusCode).toBe(expected.status);

    const operation = resolved.paths['/']?.[methodOf(event)];
    expect(operation, `the document has ${methodOf(event).toUpperCase()} /`).toBeDefined();
    const documented = operation!.responses[String(response.statusCode)];
    expect(documented, `status ${String(response.statusCode)} is documented for ${methodOf(event).toUpperCase()} /`).toBeDefined();
    const schema = documented!.content?.['application/json']?.schema;
    expect(schema, 'a JSON body is documented').toBeDefined();
    const validate = ajv.compile(schema!);
    const body: unknown = JSON.parse(response.body);
    expect(validate(body) ? [] : validate.errors, `the body ${response.body} matches the documented schema`).toEqual([]);
    const extra = Object.keys(response.headers ?? response.multiValueHeaders ?? {}).filter((h) => !COMMON_HEADERS.has(h.toLowerCase()));
    const headers = Object.keys(documented!.headers ?? {}).map((h) => h.toLowerCase());
    for (const header of extra) expect(headers, `header ${header} is documented`).toContain(header.toLowerCase());
  });

  it.each(httpSamples)('%s: the request schema accepts the parameters exactly when the function does', (name) => {
    const event = readJson(`${name}.json`) as Json;
    const expected = readJson(`${name}.expect.json`) as Expectation;
    const adapted = detectSource(event)?.adapted;
    if (adapted?.kind !== 'http' || !adapted.request.ok) return; // an unreadable event: nothing to compare
    const request = adapted.request.value;
    const params = httpParams(request);
    if (!params.ok) return; // an unreadable body (bad JSON, Base64, media type): no parameters to check
    const accepted = expected.errorCode === null || !PARAMETER_CODES.has(expected.errorCode);
    const json = request.method === 'POST' && request.body !== undefined && request.body.toString('utf8').trimStart().startsWith('{');
    const schemas = resolved.components.schemas;
    const validate = ajv.compile(json ? schemas['ReportJson']! : schemas['ReportText']!);
    const ok = validate(params.value);
    expect(ok, `${json ? 'ReportJson' : 'ReportText'} (${mediaType(request.headers['content-type'])}): ${JSON.stringify(validate.errors)}`).toBe(accepted);
  });
});
