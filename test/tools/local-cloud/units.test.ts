/** Pure parts of the local SCF: the cron matcher, the zip reader, TriggerDesc parsing, the URL response mapping, Result. */
import { describe, expect, it } from 'vitest';
import { writeZip } from '../../../tools/deploy/zip';
import { cronMatches, parseCron } from '../../../tools/shared/cron';
import { integrationResponse } from '../../../tools/local-cloud/function-url';
import { scfResult, tail } from '../../../tools/local-cloud/invoke-result';
import { parseTriggerDesc, readBackDesc } from '../../../tools/local-cloud/trigger-desc';
import { readZip } from '../../../tools/local-cloud/zip';

const at = (iso: string) => new Date(iso);

describe('cron', () => {
  function matches(expression: string, iso: string): boolean {
    const parsed = parseCron(expression);
    if (!parsed.ok) throw new Error(parsed.reason);
    return cronMatches(parsed.cron, at(iso));
  }
  it('7 fields with seconds, steps, ranges, lists and names', () => {
    expect(matches('0 */10 * * * * *', '2026-12-02T01:20:00Z')).toBe(true);
    expect(matches('0 */10 * * * * *', '2026-12-02T01:25:00Z')).toBe(false);
    expect(matches('0 */10 * * * * *', '2026-12-02T01:20:01Z')).toBe(false);
    expect(matches('30 15 9-17 * * MON-FRI *', '2026-12-02T10:15:30Z')).toBe(true); // a Wednesday
    expect(matches('30 15 9-17 * * MON-FRI *', '2026-12-05T10:15:30Z')).toBe(false); // a Saturday
    expect(matches('0 0 12 1,15 JAN-MAR ? 2027', '2027-02-15T12:00:00Z')).toBe(true);
    expect(matches('0 0 12 1,15 JAN-MAR ? 2027', '2026-02-15T12:00:00Z')).toBe(false);
    expect(matches('0 0 0 * * 7 *', '2026-12-06T00:00:00Z')).toBe(true); // 7 = Sunday
    expect(matches('*/15 * * * *', '2026-12-02T01:30:00Z')).toBe(true); // 5 fields: minute-based, second 0
  });
  it('day-of-month and day-of-week both restricted: either matches', () => {
    expect(matches('0 0 0 13 * FRI *', '2026-11-13T00:00:00Z')).toBe(true);
    expect(matches('0 0 0 13 * FRI *', '2026-12-04T00:00:00Z')).toBe(true);
    expect(matches('0 0 0 13 * FRI *', '2026-12-03T00:00:00Z')).toBe(false);
  });
  it('names the field that is wrong', () => {
    expect(parseCron('60 * * * * * *')).toMatchObject({ ok: false, reason: expect.stringContaining('second') });
    expect(parseCron('0 * 25 * * * *')).toMatchObject({ ok: false, reason: expect.stringContaining('hour') });
    expect(parseCron('0 * * * * *')).toMatchObject({ ok: false, reason: expect.stringContaining('7 fields') });
    expect(parseCron('0 */0 * * * * *')).toMatchObject({ ok: false, reason: expect.stringContaining('step') });
    expect(parseCron('0 5-1 * * * * *')).toMatchObject({ ok: false, reason: expect.stringContaining('minute') });
  });
});

describe('zip reader', () => {
  it('reads deflated entries written by the deploy artefact writer', () => {
    const zip = writeZip([
      { name: 'index.js', data: Buffer.from('exports.main_handler = () => 1;') },
      { name: 'lib/a.js', data: Buffer.alloc(5000, 97) },
    ]);
    const entries = readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['index.js', 'lib/a.js']);
    expect(entries[1]?.data.equals(Buffer.alloc(5000, 97))).toBe(true);
  });
  it('refuses damaged data, bad CRCs, unsafe names and non-zips', () => {
    const zip = writeZip([{ name: 'index.js', data: Buffer.from('hello world, hello world, hello world') }]);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const badCrc = Buffer.from(zip);
    badCrc[central + 16] = (badCrc[central + 16] ?? 0) ^ 0xff;
    expect(() => readZip(badCrc)).toThrow(/CRC-32/);
    expect(() => readZip(Buffer.from('not a zip at all, just some text bytes'))).toThrow(/not a zip/);
    const evil = Buffer.from(
      writeZip([{ name: 'aa/b.js', data: Buffer.from('x') }])
        .toString('latin1')
        .replaceAll('aa/b.js', '../b.js'),
      'latin1',
    );
    expect(() => readZip(evil)).toThrow(/unsafe entry name/);
  });
});

describe('TriggerDesc', () => {
  it('timer reads back as {"cron"}; http gains ExtranetUrl; ckafka keeps its four settings', () => {
    expect(readBackDesc(parseTriggerDesc('timer', '0 */5 * * * * *'), undefined)).toBe('{"cron":"0 */5 * * * * *"}');
    expect(readBackDesc(parseTriggerDesc('timer', '{"cron":"0 */5 * * * * *"}'), undefined)).toBe('{"cron":"0 */5 * * * * *"}');
    const http = parseTriggerDesc('http', '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true},"ApiGwCompatible":false}');
    expect(JSON.parse(readBackDesc(http, 'http://127.0.0.1:1/'))).toEqual({
      AuthType: 'NONE',
      NetConfig: { EnableIntranet: false, EnableExtranet: true, ExtranetUrl: 'http://127.0.0.1:1/' },
      ApiGwCompatible: false,
    });
    expect(JSON.parse(readBackDesc(parseTriggerDesc('ckafka', '{"maxMsgNum":"50","offset":"latest","retry":3,"timeOut":60}'), undefined))).toEqual({
      maxMsgNum: 50,
      offset: 'latest',
      retry: 3,
      timeOut: 60,
    });
  });
  it('names what is wrong', () => {
    expect(() => parseTriggerDesc('http', '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true},"Colour":1}')).toThrow(
      /unknown key `Colour`/,
    );
    expect(() => parseTriggerDesc('ckafka', '{"maxMsgNum":0,"offset":"latest","retry":3,"timeOut":60}')).toThrow(/maxMsgNum/);
    expect(() => parseTriggerDesc('ckafka', '{"maxMsgNum":1,"offset":"latest","retry":3,"timeOut":61}')).toThrow(/timeOut/);
    expect(() => parseTriggerDesc('timer', 'every minute')).toThrow(/7 fields/);
  });
});

describe('Function URL response mapping', () => {
  it('an integration response is passed through; base64 bodies decoded; a bare value is 200 JSON', () => {
    const r = integrationResponse({
      ok: true,
      retMsg: JSON.stringify({ statusCode: 418, headers: { 'X-A': 'b', 'Set-Cookie': ['a=1', 'b=2'] }, body: 'teapot' }),
    });
    expect(r).toMatchObject({ status: 418, headers: { 'x-a': 'b', 'set-cookie': ['a=1', 'b=2'] } });
    expect(r.body.toString()).toBe('teapot');
    const b64 = integrationResponse({
      ok: true,
      retMsg: JSON.stringify({ statusCode: 200, isBase64Encoded: true, body: Buffer.from('bin').toString('base64') }),
    });
    expect(b64.body.toString()).toBe('bin');
    const bare = integrationResponse({ ok: true, retMsg: '{"hello":"world"}' });
    expect(bare).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
    expect(bare.body.toString()).toBe('{"hello":"world"}');
    expect(integrationResponse({ ok: true, retMsg: '{"statusCode":"x"}' }).status).toBe(502);
    expect(integrationResponse({ ok: false, status: 504, errorCode: 433, errorMessage: 'timed out' }).status).toBe(504);
  });
});

describe('Invoke Result', () => {
  it('keeps the last 4 KB of the log and frames it with START/END/Report', () => {
    const r = scfResult({ kind: 'ok', retMsg: '1', log: `${'x'.repeat(10_000)}\nlast line\n`, durationMs: 12.3456, memUsage: 50 * 1048576 }, 'rid', 3, 'Tail');
    expect(Buffer.byteLength(r.Log)).toBeLessThanOrEqual(4096);
    expect(r.Log).toContain('last line\nEND RequestId: rid\nReport RequestId: rid');
    expect(r).toMatchObject({ RetMsg: '1', ErrMsg: '', Duration: 12.346, BillDuration: 13, MemUsage: 50 * 1048576, InvokeResult: 0 });
    expect(tail('ééé', 3)).toBe('é');
  });
});
