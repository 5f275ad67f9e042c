/** lib/http/traceparent.ts: W3C traceparent parsing, valid headers read, every invalid form ignored. */
import { describe, expect, it } from 'vitest';
import { parseTraceparent, traceIdOf } from '../../../lib/http/traceparent';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version 00 header (sampled or not), trimmed', () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({ version: '00', traceId: TRACE, parentId: PARENT, flags: '01' });
    expect(parseTraceparent(` 00-${TRACE}-${PARENT}-00 `)?.traceId).toBe(TRACE);
  });

  it('reads a later version by its first four fields, as the spec asks', () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-01`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-comes-next`)?.traceId).toBe(TRACE);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['version 00 with more fields', `00-${TRACE}-${PARENT}-01-extra`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['long parent id', `00-${TRACE}-${PARENT}0-01`],
    ['one-digit flags', `00-${TRACE}-${PARENT}-1`],
    ['non-hex', `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ['two headers joined', `00-${TRACE}-${PARENT}-01, 00-${TRACE}-${PARENT}-01`],
    ['a later version without a dash after the flags', `01-${TRACE}-${PARENT}-01x`],
  ])('ignores %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('traceIdOf reads the lower-case traceparent header', () => {
    expect(traceIdOf({ traceparent: `00-${TRACE}-${PARENT}-01` })).toBe(TRACE);
    expect(traceIdOf({})).toBeUndefined();
  });
});
