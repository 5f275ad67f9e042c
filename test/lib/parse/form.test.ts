/**
 * lib/parse/form.ts: the strict urlencoded decoder. It agrees with URLSearchParams wherever the bytes are UTF-8,
 * and where URLSearchParams would make U+FFFD it answers a 400 naming the field instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFormComponent, decodeUrlEncoded, notUtf8, shownName } from '../../../lib/parse/form';

function pairsOf(raw: string): [string, string][] {
  const parsed = decodeUrlEncoded(raw);
  if (!parsed.ok) throw new Error(`expected pairs, got: ${parsed.failure.message}`);
  return parsed.value;
}

function failureOf(raw: string): { status: number; message: string } {
  const parsed = decodeUrlEncoded(raw);
  if (parsed.ok) throw new Error(`expected a failure, got ${JSON.stringify(parsed.value)}`);
  return { status: parsed.failure.status, message: parsed.failure.message };
}

describe('decodeFormComponent', () => {
  it.each([
    ['a+b', 'a b'],
    ['%E4%B8%AD', '中'],
    ['%e4%b8%ad', '中'],
    ['100%25', '100%'],
    ['%zz', '%zz'],
    ['%', '%'],
    ['%4', '%4'],
    ['%2B', '+'],
    ['%EF%BF%BD', '\ufffd'],
    ['plain', 'plain'],
  ])('%j → %j', (raw, decoded) => {
    expect(decodeFormComponent(raw)).toBe(decoded);
  });

  it.each(['%ff', '%fe', '%c0', '%c0%80', '%ed%a0%80', '%e4%b8'])('%s is not UTF-8 → undefined', (raw) => {
    expect(decodeFormComponent(`x${raw}y`)).toBeUndefined();
  });
});

describe('decodeUrlEncoded', () => {
  it('keeps pairs in order, splits at the first =, skips empty parts, a bare name has an empty value', () => {
    expect(pairsOf('a=1&&b=x=y&c&a=2&')).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
      ['c', ''],
      ['a', '2'],
    ]);
  });

  it('a value that is not UTF-8 is a 400 naming its field and showing the raw text', () => {
    const failure = failureOf('SdkAppId=1&RoomId=%ff');
    expect(failure.status).toBe(400);
    expect(failure.message).toContain('RoomId is not valid UTF-8');
    expect(failure.message).toContain('"%ff"');
  });

  it('a name that is not UTF-8 is named as it was sent', () => {
    expect(failureOf('Room%ffId=1').message).toContain('the parameter name Room%ffId');
  });

  it('the first bad field is the one named', () => {
    expect(failureOf('A=%fe&B=%ff').message).toMatch(/^A is not valid UTF-8/);
  });
});

describe('shownName and notUtf8 keep error messages bounded and printable', () => {
  it('replaces non-printable characters and cuts at 40', () => {
    expect(shownName('a\u0000b\u00e9c')).toBe('a?b?c');
    expect(shownName('x'.repeat(50))).toBe(`${'x'.repeat(40)}…`);
  });

  it('shows at most 24 characters of the raw value', () => {
    const parsed = notUtf8('TroubleMsg', `%ff${'a'.repeat(40)}`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    // 24 characters and a cut mark (shownName prints the `…` as `?`, being non-ASCII).
    expect(parsed.failure.message).toContain(`("%ff${'a'.repeat(21)}?")`);
    expect(parsed.failure.message).not.toContain('a'.repeat(22));
  });
});

describe('the strict decoder agrees with URLSearchParams wherever the bytes are UTF-8', () => {
  // URLSearchParams drops one leading `?` of a string; the form and query decoders see the text after the `?`
  // already, so the oracle is given one `?` to drop.
  const viaUrlSearchParams = (raw: string): [string, string][] => [...new URLSearchParams(`?${raw}`)];
  const viaStrict = (raw: string): [string, string][] | undefined => {
    const parsed = decodeUrlEncoded(raw);
    return parsed.ok ? parsed.value : undefined;
  };

  it('any Unicode text, form-encoded, decodes to itself', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })), { maxLength: 5 }), (pairs) => {
        const raw = new URLSearchParams(pairs).toString();
        expect(viaStrict(raw)).toEqual(viaUrlSearchParams(raw));
      }),
    );
  });

  it('any raw text of escapes and ASCII: the same pairs, or a 400 exactly where URLSearchParams would make U+FFFD', () => {
    const piece = fc.oneof(fc.constantFrom('%', '+', '&', '=', 'a', '%zz', '%ff', '%e4', '%b8', '%ad', '%EF%BF%BD', '%c3%a9'), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const raw = pieces.join('');
        const strict = viaStrict(raw);
        const loose = viaUrlSearchParams(raw);
        if (strict === undefined) expect(loose.some(([k, v]) => `${k}${v}`.includes('\ufffd'))).toBe(true);
        else expect(strict).toEqual(loose);
      }),
    );
  });
});
