import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callerKey, fingerprint, KEY_NAMESPACE, MAX_CALLER_KEY_LENGTH, messageKey, reportKey, safePart } from '../../../lib/idempotency/keys';
import { PARAMETER_NAMES, type TroubleReport } from '../../../lib/report';
import { BASE } from '../../support/fixtures';

/** Every key: the namespace, then only safe characters, bounded. */
const KEY_SHAPE = /^trtc-trouble:v1:[A-Za-z0-9._:/-]+$/;
const MAX_KEY_LENGTH = 200;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const reportArb: fc.Arbitrary<TroubleReport> = fc.record({
  SdkAppId: fc.stringMatching(/^[0-9]{1,20}$/),
  RoomId: fc.string({ minLength: 1, maxLength: 64 }),
  TeacherUserId: fc.string({ minLength: 1, maxLength: 32 }),
  StudentUserId: fc.string({ minLength: 1, maxLength: 32 }),
  TroubleUserId: fc.string({ minLength: 1, maxLength: 32 }),
  TroubleType: fc.integer({ min: 1, max: 8 }),
  TroubleTime: fc.integer({ min: 1, max: 9_999_999_999 }),
  TroubleMsg: fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
});

describe('fingerprint', () => {
  it('is the SHA-256 of the canonical JSON of the eight parameters, in API order', () => {
    const json =
      '{"SdkAppId":"1400188366","RoomId":"1587879309","TeacherUserId":"teacher","StudentUserId":"student",' +
      '"TroubleUserId":"student","TroubleType":1,"TroubleTime":87654321,"TroubleMsg":"VoiceException"}';
    expect(fingerprint(BASE)).toBe(sha256(json));
    expect(fingerprint(BASE)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the order properties were set in, and any extra property', () => {
    const reversed = Object.fromEntries(Object.entries(BASE).reverse()) as unknown as TroubleReport;
    const extra = { ...BASE, Action: 'CreateTroubleInfo' };
    expect(fingerprint(reversed)).toBe(fingerprint(BASE));
    expect(fingerprint(extra)).toBe(fingerprint(BASE));
  });

  it('changes when any one parameter changes', () => {
    for (const name of PARAMETER_NAMES) {
      const changed = { ...BASE, [name]: typeof BASE[name] === 'number' ? Number(BASE[name]) + 1 : `${String(BASE[name])}x` };
      expect(fingerprint(changed), name).not.toBe(fingerprint(BASE));
    }
  });

  it('tells values apart that only a sloppy encoding would confuse', () => {
    // Moving a character between adjacent fields must not give the same fingerprint.
    expect(fingerprint({ ...BASE, TeacherUserId: 'ab', StudentUserId: 'c' })).not.toBe(fingerprint({ ...BASE, TeacherUserId: 'a', StudentUserId: 'bc' }));
    expect(fingerprint({ ...BASE, TroubleMsg: 'a"b' })).not.toBe(fingerprint({ ...BASE, TroubleMsg: 'a\\"b' }));
  });

  it('is a function of the eight values (property)', () => {
    fc.assert(
      fc.property(reportArb, reportArb, (a, b) => {
        const same = PARAMETER_NAMES.every((name) => a[name] === b[name]);
        expect(fingerprint(a) === fingerprint(b)).toBe(same);
        expect(fingerprint({ ...a })).toBe(fingerprint(a));
      }),
    );
  });
});

describe('reportKey', () => {
  it('is report:<fingerprint> in the namespace', () => {
    expect(reportKey(BASE)).toBe(`${KEY_NAMESPACE}report:${fingerprint(BASE)}`);
    expect(KEY_NAMESPACE).toBe('trtc-trouble:v1:');
    fc.assert(fc.property(reportArb, (r) => KEY_SHAPE.test(reportKey(r)) && reportKey(r).length <= MAX_KEY_LENGTH));
  });
});

describe('callerKey', () => {
  it('keeps a short, plain header value as it is', () => {
    expect(callerKey('order-42')).toEqual({ ok: true, key: 'trtc-trouble:v1:caller:order-42' });
    expect(callerKey('550e8400-e29b-41d4-a716-446655440000')).toEqual({
      ok: true,
      key: 'trtc-trouble:v1:caller:550e8400-e29b-41d4-a716-446655440000',
    });
  });

  it('trims surrounding white space (it is not part of a header value)', () => {
    expect(callerKey('  order-42\t')).toEqual(callerKey('order-42'));
  });

  it('hashes a value longer than 64 characters or with characters outside [A-Za-z0-9._:/-]', () => {
    const long = 'a'.repeat(65);
    expect(callerKey(long)).toEqual({ ok: true, key: `trtc-trouble:v1:caller:sha256-${sha256(long)}` });
    expect(callerKey('a'.repeat(64))).toEqual({ ok: true, key: `trtc-trouble:v1:caller:${'a'.repeat(64)}` });
    for (const odd of ['has space', 'a*b', 'key?x=1', 'a%20b', '{x}', 'a\\b', 'a"b']) {
      expect(callerKey(odd)).toEqual({ ok: true, key: `trtc-trouble:v1:caller:sha256-${sha256(odd)}` });
    }
  });

  it('accepts exactly 128 characters and rejects 129, naming the header and the reason', () => {
    expect(callerKey('k'.repeat(MAX_CALLER_KEY_LENGTH)).ok).toBe(true);
    expect(callerKey('k'.repeat(129))).toEqual({
      ok: false,
      error: 'Idempotency-Key header must be at most 128 characters, got 129',
    });
  });

  it('rejects an empty value', () => {
    for (const empty of ['', '   ', '\t']) {
      expect(callerKey(empty)).toEqual({ ok: false, error: 'Idempotency-Key header must not be empty' });
    }
  });

  it('rejects control and non-ASCII characters without echoing the value', () => {
    for (const bad of ['a\u0000b', 'a\nb', 'a\u007fb', 'clé', 'ключ', 'a\u00a0b', '😀']) {
      const result = callerKey(bad);
      expect(result.ok, JSON.stringify(bad)).toBe(false);
      if (!result.ok) {
        expect(result.error).toMatch(/^Idempotency-Key header must contain only printable ASCII characters/);
        expect(result.error).not.toContain(bad);
      }
    }
  });

  it('gives every accepted value a bounded, safe key, and different values different keys (property)', () => {
    const printable = fc.string({ minLength: 1, maxLength: 128, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
    fc.assert(
      fc.property(printable, printable, (a, b) => {
        const ka = callerKey(a);
        const kb = callerKey(b);
        if (!ka.ok || !kb.ok) return false;
        expect(ka.key).toMatch(KEY_SHAPE);
        expect(ka.key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
        expect(ka.key === kb.key).toBe(a === b);
        return true;
      }),
    );
  });

  it('never accepts a value with a character outside printable ASCII (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), (prefix, tail) => {
        const value = `${prefix}x${tail}`;
        const odd = /[^\x20-\x7e]/.test(value.trim());
        expect(callerKey(value).ok).toBe(!odd && value.trim().length <= 128);
      }),
    );
  });
});

describe('messageKey', () => {
  const print = fingerprint(BASE);

  it('is message:<source>:<identity>:<fingerprint> in the namespace', () => {
    expect(messageKey('ckafka', 'reports/3/1842', print)).toBe(`trtc-trouble:v1:message:ckafka:reports/3/1842:${print}`);
    expect(messageKey('eventbridge', 'trtc.reports/0b2b3c4d-1111-2222-3333-444455556666', print)).toBe(
      `trtc-trouble:v1:message:eventbridge:trtc.reports/0b2b3c4d-1111-2222-3333-444455556666:${print}`,
    );
    expect(messageKey('cmq', 'msg-1:2', print)).toBe(`trtc-trouble:v1:message:cmq:msg-1:2:${print}`);
  });

  it('gives a reused message identity carrying a different report a different key (reliability item 2)', () => {
    const other = fingerprint({ ...BASE, TroubleMsg: 'another report under the same offset' });
    expect(messageKey('ckafka', 'reports/3/1842', print)).not.toBe(messageKey('ckafka', 'reports/3/1842', other));
  });

  it('hashes a long or unusual identity', () => {
    const id = `topic with spaces/0/${'9'.repeat(80)}`;
    expect(messageKey('ckafka', id, print)).toBe(`trtc-trouble:v1:message:ckafka:sha256-${sha256(id)}:${print}`);
    expect(messageKey('cmq', 'a\nb', print)).toMatch(KEY_SHAPE);
  });

  it('does not confuse one source with another', () => {
    expect(messageKey('cmq', 'x', print)).not.toBe(messageKey('ckafka', 'x', print));
    expect(messageKey('a', 'b:c', print)).not.toBe(messageKey('a-b', 'c', print));
  });

  it('rejects a source outside [a-z0-9-], an empty identity or a missing fingerprint (programming errors)', () => {
    for (const bad of ['', 'CKafka', 'a:b', 'a b', '-x', 'x'.repeat(33)]) {
      expect(() => messageKey(bad, 'id', print), bad).toThrow(TypeError);
    }
    expect(() => messageKey('cmq', '', print)).toThrow(TypeError);
    expect(() => messageKey('cmq', 'id', 'not-a-fingerprint')).toThrow(TypeError);
  });

  it('always gives a bounded, safe key (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/), fc.string({ minLength: 1, maxLength: 500, unit: 'binary' }), (source, id) => {
        const key = messageKey(source, id, print);
        expect(key).toMatch(KEY_SHAPE);
        expect(key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
      }),
    );
  });
});

describe('safePart', () => {
  it('keeps safe parts and hashes the rest into a form no kept part can take', () => {
    expect(safePart('abc-1.2_3:4/5')).toBe('abc-1.2_3:4/5');
    const hashed = safePart('a b');
    expect(hashed).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(hashed.length).toBeGreaterThan(64); // so a caller cannot send a value equal to another's hashed form
    expect(safePart(hashed)).not.toBe(hashed);
  });
});
