/**
 * The failure catalogue (lib/failures.ts) is the one place a status is chosen: the status-code table of docs/http-api.md lists
 * every failure in it with the same status, code and retry advice, the table lists nothing the catalogue lacks,
 * every builder and every final upstream answer is a catalogue entry, and no other source file writes a status.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as failures from '../../lib/failures';
import { FAILURES, failure, type FailureKind, type FailureName } from '../../lib/failures';
import type { Failure } from '../../lib/outcome';
import { RETRY_POLICY, finalFailure } from '../../lib/trtc/policy';
import type { UpstreamKind } from '../../lib/trtc/classify';

const ROOT = join(__dirname, '..', '..');

interface Row {
  readonly status: number;
  readonly codes: readonly string[];
  readonly retry: string;
  readonly line: string;
}

/** The rows of the "Responses and status codes" table (docs/http-api.md) that name a failure (200 and 204 aside). */
function tableRows(): Row[] {
  const page = readFileSync(join(ROOT, 'docs', 'http-api.md'), 'utf8');
  const start = page.indexOf('## Responses and status codes');
  const section = page.slice(start, page.indexOf('\n## ', start + 1));
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = /^\| (\d{3}) \|(.*)\|(.*)\|(.*)\|$/.exec(line);
    if (!cells || cells[1] === '200' || cells[1] === '204') continue;
    const codes = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.push({ status: Number(cells[1]), codes, retry: cells[4]!.trim(), line });
  }
  return rows;
}

/** `X` matches X only; `X[.*]` and `X.*` match X and every X.sub-code. */
function codeMatches(pattern: string, code: string): boolean {
  const family = /^(.*?)(\[\.\*\]|\.\*)$/.exec(pattern);
  if (!family) return pattern === code;
  return code === family[1] || code.startsWith(`${family[1]!}.`);
}

function rowMatches(row: Row, kind: FailureKind): boolean {
  return row.status === kind.status && row.codes.some((pattern) => codeMatches(pattern, kind.code));
}

/** The retry column's advice for a kind: "yes", or (retrying cannot help yet) anything but "yes", or "no". */
function adviceAgrees(row: Row, kind: FailureKind): boolean {
  if (kind.needsFix) return !row.retry.startsWith('yes');
  return row.retry.startsWith(kind.retryable ? 'yes' : 'no');
}

const entries = Object.entries(FAILURES) as [FailureName, FailureKind][];

describe('the failure catalogue and the status table of docs/http-api.md', () => {
  const rows = tableRows();

  it('finds the table', () => {
    expect(rows.length).toBeGreaterThan(15);
  });

  it.each(entries)('lists %s with its status, code and retry advice', (_name, kind) => {
    const matching = rows.filter((row) => rowMatches(row, kind));
    expect(matching, `no status table row for ${kind.status} ${kind.code}`).not.toEqual([]);
    expect(
      matching.filter((row) => adviceAgrees(row, kind)),
      `retry advice for ${kind.status} ${kind.code}`,
    ).not.toEqual([]);
  });

  it('lists no status or code the catalogue lacks', () => {
    for (const row of rows) {
      expect(
        entries.some(([, kind]) => rowMatches(row, kind)),
        row.line,
      ).toBe(true);
    }
  });
});

/** The kind a built failure belongs to: the same status, retryability and fix advice. */
function kindOf(built: Failure): FailureName | undefined {
  return entries.find(
    ([, kind]) => kind.status === built.status && kind.retryable === built.retryable && (kind.needsFix ?? false) === (built.needsFix ?? false),
  )?.[0];
}

describe('every failure is built from the catalogue', () => {
  it('gives a failure its kind, its message and only the details it has', () => {
    expect(failure('inProgress', 'busy')).toStrictEqual({
      status: 409,
      code: 'ResourceInUse.IdempotencyKey',
      message: 'busy',
      retryable: true,
      retryAfterSeconds: 1,
    });
    expect(failure('upstreamAuth', 'refused', { code: 'AuthFailure.SecretIdNotFound', upstreamRequestId: '' })).toStrictEqual({
      status: 500,
      code: 'AuthFailure.SecretIdNotFound',
      message: 'refused',
      retryable: true,
      needsFix: true,
    });
    expect(failure('noCallSlot', 'no slot', { retryAfterSeconds: 3, upstreamRequestId: 'rid-1' })).toStrictEqual({
      status: 429,
      code: 'RequestLimitExceeded',
      message: 'no slot',
      retryable: true,
      retryAfterSeconds: 3,
      upstreamRequestId: 'rid-1',
    });
  });

  it('makes every builder answer a catalogue kind', () => {
    const built: Failure[] = [
      failures.invalidParameters([{ code: 'MissingParameter', field: 'SdkAppId', message: 'SdkAppId is required' }]),
      failures.badRequest('bad'),
      failures.methodNotAllowed('PUT'),
      failures.payloadTooLarge(65_536),
      failures.requestTimeout(30_000),
      failures.unsupportedMediaType('text/plain'),
      failures.unrecognisedEvent('what'),
      failures.misconfigured('no keys'),
      failures.unauthorized(),
      failures.forbiddenApp('1400000000'),
      failures.outOfTime('late'),
      failures.noCallSlot('no slot', 2500),
      failures.unexpected('oops'),
      failures.storeUnavailable('redis'),
      failures.inProgress(),
      failures.keyReused(),
    ];
    for (const one of built) expect(kindOf(one), `${one.status} ${one.code}`).toBeDefined();
    expect(failures.noCallSlot('no slot', 2500).retryAfterSeconds).toBe(3);
    expect(failures.invalidParameters([{ code: 'MissingParameter', field: 'SdkAppId', message: 'x' }]).code).toBe('MissingParameter');
  });

  it.each(Object.keys(RETRY_POLICY) as UpstreamKind[])('answers the upstream kind %s with a catalogue kind', (kind) => {
    const answer = finalFailure({ kind, message: 'it failed', mayHaveRecorded: false, requestId: 'rid-2', retryAfterMs: 1500 });
    expect(kindOf(answer), `${answer.status} ${answer.code}`).toBeDefined();
    expect(rowsFor(answer).length, `status table row for ${answer.status} ${answer.code}`).toBeGreaterThan(0);
  });

  it('leaves writing a status to the catalogue alone (lib/ and handlers/)', () => {
    const writers: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const rel = relative(ROOT, path);
        if (entry.isDirectory()) {
          walk(path);
        } else if (entry.name.endsWith('.ts') && rel !== join('lib', 'failures.ts') && /[{,]\s*status: \d{3}\b/.test(readFileSync(path, 'utf8'))) {
          writers.push(rel);
        }
      }
    };
    walk(join(ROOT, 'lib'));
    walk(join(ROOT, 'handlers'));
    expect(writers).toEqual([]);
  });
});

function rowsFor(answer: Failure): Row[] {
  return tableRows().filter((row) => row.status === answer.status && row.codes.some((pattern) => codeMatches(pattern, answer.code)));
}
