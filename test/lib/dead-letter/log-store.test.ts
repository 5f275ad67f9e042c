/**
 * lib/dead-letter/log-store.ts: without Redis a parked report is one `error` log line that holds the whole report
 * (TroubleMsg in pieces, so the logger's string cap never cuts it), masked like every line, and read back by
 * fromLogged. Nothing is kept, so nothing can be listed, leased or counted.
 */
import { describe, expect, it } from 'vitest';
import { fromLogged, LogDeadLetterStore, PARKED_LOG_MESSAGE, toLogged } from '../../../lib/dead-letter/log-store';
import type { ParkedEntry, ParkRequest } from '../../../lib/dead-letter/store';
import { createLogger, MAX_LOG_STRING_CHARS } from '../../../lib/log';
import type { TroubleReport } from '../../../lib/report';
import { BASE } from '../../support/fixtures';

const SECRET = 'SessionTokenValue0123456789abcdef';

function park(report: TroubleReport): { lines: string[]; request: ParkRequest } {
  const lines: string[] = [];
  const log = createLogger({ level: 'error', secrets: () => [SECRET], write: (line) => lines.push(line) });
  const request: ParkRequest = { key: 'trtc-trouble:v1:report:abc', kind: 'given-up', report, source: 'ckafka', reason: 'two sends unanswered', attempts: 2 };
  void new LogDeadLetterStore().park(request, log);
  return { lines, request };
}

describe('LogDeadLetterStore.park', () => {
  it('writes one error line holding the whole report, even a TroubleMsg longer than the log string cap', () => {
    const long = `${'长'.repeat(300)}${'x'.repeat(MAX_LOG_STRING_CHARS * 1.5)}`;
    const report = { ...BASE, TroubleMsg: long };
    const { lines, request } = park(report);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line['level']).toBe('error');
    expect(line['msg']).toBe(PARKED_LOG_MESSAGE);
    const entry = fromLogged(line['parked']);
    expect(entry).toMatchObject({ ...request, deliveries: 1 });
    expect(entry?.report.TroubleMsg).toBe(long);
    expect(entry?.parkedAt).toBe(entry?.updatedAt);
  });

  it('masks a credential inside the report', () => {
    const { lines } = park({ ...BASE, TroubleMsg: `the token is ${SECRET} here` });
    expect(lines[0]).not.toContain(SECRET);
    const entry = fromLogged((JSON.parse(lines[0] ?? '') as Record<string, unknown>)['parked']);
    expect(entry?.report.TroubleMsg).toBe('the token is [REDACTED] here');
  });

  // A credential that straddles the boundary of two TroubleMsg pieces: the first piece ends with its prefix
  // (masked), the second begins with the rest, which no longer starts with the prefix maskSecrets looks for.
  it('masks a credential cut in two by the TroubleMsg pieces', () => {
    const { lines } = park({ ...BASE, TroubleMsg: `${'x'.repeat(990)}${SECRET}` });
    expect(lines[0]).not.toContain(SECRET.slice(10));
  });
});

describe('toLogged and fromLogged', () => {
  const entry: ParkedEntry = {
    key: 'k',
    kind: 'waiting',
    report: { ...BASE, TroubleMsg: 'y'.repeat(2500) },
    source: 'http',
    reason: 'no call slot',
    attempts: 0,
    deliveries: 3,
    parkedAt: 10,
    updatedAt: 20,
  };

  it('TroubleMsg travels in pieces of at most 1,000 characters and comes back whole', () => {
    const logged = toLogged(entry);
    const pieces = (logged['report'] as { TroubleMsgPieces: string[] }).TroubleMsgPieces;
    expect(pieces.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(logged['report']).not.toHaveProperty('TroubleMsg');
    expect(fromLogged(JSON.parse(JSON.stringify(logged)))).toEqual(entry);
  });

  it('never splits a character made of two UTF-16 units', () => {
    const emoji = { ...entry, report: { ...entry.report, TroubleMsg: '\u{1F4F7}'.repeat(1001) } };
    const pieces = (toLogged(emoji)['report'] as { TroubleMsgPieces: string[] }).TroubleMsgPieces;
    expect(pieces.map((p) => Array.from(p).length)).toEqual([1000, 1]);
    expect(fromLogged(toLogged(emoji))?.report.TroubleMsg).toBe(emoji.report.TroubleMsg);
  });

  it.each([[null], ['text'], [{ key: 'k' }], [{ key: 1, report: {} }], [{ key: 'k', report: { TroubleMsgPieces: [1] } }]])(
    '%j is not a parked entry',
    (value) => {
      expect(fromLogged(value)).toBeUndefined();
    },
  );

  it('fills defaults for missing fields; a kind other than waiting is given-up', () => {
    expect(fromLogged({ key: 'k', kind: 'odd', report: { TroubleMsgPieces: ['a'] } })).toEqual({
      key: 'k',
      kind: 'given-up',
      report: { TroubleMsg: 'a' },
      source: 'unknown',
      reason: '',
      attempts: 0,
      deliveries: 0,
      parkedAt: 0,
      updatedAt: 0,
    });
  });
});

describe('the log store keeps nothing', () => {
  it('is kind log, keeps false; counts 0, lists nothing, leases nothing, drops nothing, refuses to settle', async () => {
    const store = new LogDeadLetterStore();
    expect([store.kind, store.keeps]).toEqual(['log', false]);
    expect(await store.countFailure()).toBe(0);
    expect(await store.list()).toEqual([]);
    expect(await store.get()).toBeUndefined();
    expect(await store.lease()).toBeUndefined();
    expect(await store.drop()).toBe(false);
    await expect(store.settle()).rejects.toThrow('holds no leases');
    await expect(store.close()).resolves.toBeUndefined();
  });
});
