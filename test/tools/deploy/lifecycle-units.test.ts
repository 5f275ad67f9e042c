/**
 * The pure parts of the lifecycle commands and the local cloud's versions: readable log lines, Invoke's log in either
 * encoding, --since, the local CLS query subset, weighted resolution of an alias, and the alias description that
 * rollback reads.
 */
import { describe, expect, it } from 'vitest';
import { parseSince, UsageError } from '../../../tools/deploy/command';
import { decodeLog, readableLine } from '../../../tools/deploy/readable-log';
import { aliasDescription, describeAlias, previousVersion } from '../../../tools/deploy/release';
import { parseQuery } from '../../../tools/local-cloud/cls';
import type { FunctionRecord } from '../../../tools/local-cloud/records';
import { resolve } from '../../../tools/local-cloud/versions';

describe('readableLine', () => {
  it('shows a JSON log line as time, level, message and fields; anything else as it is', () => {
    const line = JSON.stringify({ level: 'warn', time: '2026-12-08T02:34:08.940Z', msg: 'invocation', status: 400, note: 'two words' });
    expect(readableLine(line)).toBe('02:34:08.940 WARN  invocation  status=400 note="two words"');
    expect(readableLine('  plain text  ')).toBe('plain text');
    expect(readableLine('{"not":"a log line"}')).toBe('{"not":"a log line"}');
    expect(readableLine('{broken')).toBe('{broken');
  });
});

describe('decodeLog', () => {
  it('takes the log as text or as base64 of it', () => {
    const log = 'START RequestId: x\nEND RequestId: x\n';
    expect(decodeLog(log)).toBe(log);
    expect(decodeLog(Buffer.from(log).toString('base64'))).toBe(log);
    expect(decodeLog('')).toBe('');
    expect(decodeLog('abcd')).toBe('abcd');
  });
});

describe('parseSince', () => {
  it('accepts s, m, h, d up to 30 days; anything else is a usage error', () => {
    expect(parseSince('30s')).toBe(30_000);
    expect(parseSince('15m')).toBe(900_000);
    expect(parseSince('2h')).toBe(7_200_000);
    expect(parseSince('30d')).toBe(30 * 86_400_000);
    for (const bad of ['0m', '31d', '15', 'm', '1w', '-1m']) expect(() => parseSince(bad)).toThrow(UsageError);
  });
});

describe("the local CLS's query subset", () => {
  it('parses * and KEY:value / KEY:"value" terms joined by AND; refuses the rest', () => {
    expect(parseQuery('')).toEqual([]);
    expect(parseQuery(' * ')).toEqual([]);
    expect(parseQuery('SCF_FunctionName:"f-1" AND SCF_RequestId:abc')).toEqual([
      ['SCF_FunctionName', 'f-1'],
      ['SCF_RequestId', 'abc'],
    ]);
    expect(parseQuery('SCF_Message:"say \\"hi\\""')).toEqual([['SCF_Message', 'say "hi"']]);
    for (const bad of ['a OR b', 'free text', 'k:v | select count(*)']) expect(() => parseQuery(bad)).toThrow(/not supported by the local CLS/);
  });
});

describe('alias resolution by weights', () => {
  const f = {
    name: 'f',
    versions: new Map([
      ['1', {}],
      ['2', {}],
    ]),
    aliases: new Map([['$DEFAULT', { name: '$DEFAULT', version: '1', weights: [{ Version: '2', Weight: 0.25 }] }]]),
  } as unknown as FunctionRecord;

  it('sends a draw below the weight to the additional version, the rest to the main one', () => {
    expect(resolve(f, '$DEFAULT', 0)).toEqual({ version: '2', alias: '$DEFAULT' });
    expect(resolve(f, '$DEFAULT', 0.2499)).toEqual({ version: '2', alias: '$DEFAULT' });
    expect(resolve(f, '$DEFAULT', 0.25)).toEqual({ version: '1', alias: '$DEFAULT' });
    expect(resolve(f, '$DEFAULT', 0.9999)).toEqual({ version: '1', alias: '$DEFAULT' });
    expect(resolve(f, '2', 0.5)).toEqual({ version: '2' });
    expect(resolve(f, '$LATEST', 0.5)).toEqual({ version: '$LATEST' });
    expect(() => resolve(f, '3', 0.5)).toThrow(/does not exist/);
  });
});

describe('the alias description rollback reads', () => {
  it('records and reads the version served before', () => {
    const a = { name: '$DEFAULT', version: '3', weights: [], description: aliasDescription('2') };
    expect(previousVersion(a)).toBe('2');
    expect(previousVersion({ ...a, description: 'hand-written' })).toBeNull();
    expect(previousVersion({ ...a, description: aliasDescription('$LATEST') })).toBeNull();
    expect(describeAlias({ ...a, weights: [{ version: '4', weight: 0.1 }] })).toBe('$DEFAULT → version 3, 10 % to version 4');
  });
});
