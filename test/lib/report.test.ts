import { describe, expect, it } from 'vitest';
import { describeProblems, LIMITS, PARAMETER_NAMES, RepeatedValue, validateReport, type ParameterProblem } from '../../lib/report';
import { BASE, bytes, expectRejected, onlyProblem, problemsOf, reportOf, withField, without } from '../support/fixtures';

const STRING_FIELDS = ['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId', 'TroubleMsg'] as const;
const ID_FIELDS = ['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId'] as const;
const USER_ID_FIELDS = ['TeacherUserId', 'StudentUserId', 'TroubleUserId'] as const;

describe('validateReport: the base report', () => {
  it('accepts the API example and returns exactly the eight keys, in order, with the API JSON types', () => {
    const report = reportOf(BASE);
    expect(report).toEqual(BASE);
    expect(Object.keys(report)).toEqual([...PARAMETER_NAMES]);
    expect(JSON.stringify(report)).toBe(
      '{"SdkAppId":"1400188366","RoomId":"1587879309","TeacherUserId":"teacher","StudentUserId":"student",' +
        '"TroubleUserId":"student","TroubleType":1,"TroubleTime":87654321,"TroubleMsg":"VoiceException"}',
    );
  });

  it('puts the keys in API order whatever order they arrived in', () => {
    const shuffled = Object.fromEntries([...Object.entries(BASE)].reverse());
    expect(Object.keys(reportOf(shuffled))).toEqual([...PARAMETER_NAMES]);
  });

  it('normalises string integers and integer IDs to the API types', () => {
    const report = reportOf({ ...BASE, SdkAppId: 1400188366, RoomId: 1587879309, TroubleType: '3', TroubleTime: '87654321' });
    expect(report.SdkAppId).toBe('1400188366');
    expect(report.RoomId).toBe('1587879309');
    expect(report.TroubleType).toBe(3);
    expect(report.TroubleTime).toBe(87654321);
    for (const name of PARAMETER_NAMES) {
      expect(typeof report[name]).toBe(name === 'TroubleType' || name === 'TroubleTime' ? 'number' : 'string');
    }
  });

  it('does not return the caller object or mutate it', () => {
    const input = { ...BASE, TroubleType: '2' };
    const report = reportOf(input);
    expect(report).not.toBe(input);
    expect(input.TroubleType).toBe('2');
  });
});

describe('validateReport: required parameters', () => {
  it.each(PARAMETER_NAMES)('%s missing → MissingParameter', (name) => {
    expect(onlyProblem(without(name), name).code).toBe('MissingParameter');
  });

  it.each(PARAMETER_NAMES)('%s undefined → MissingParameter', (name) => {
    expect(onlyProblem(withField(name, undefined), name).code).toBe('MissingParameter');
  });

  it.each(PARAMETER_NAMES)('%s null → rejected', (name) => {
    onlyProblem(withField(name, null), name);
  });

  it('an empty object → all eight MissingParameter, in API order', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => p.field)).toEqual([...PARAMETER_NAMES]);
    expect(new Set(problems.map((p) => p.code))).toEqual(new Set(['MissingParameter']));
  });
});

describe('validateReport: string parameters', () => {
  it.each(STRING_FIELDS)('%s "" → InvalidParameterValue', (name) => {
    expect(expectRejected(name, '').code).toBe('InvalidParameterValue');
  });

  it.each(STRING_FIELDS)('%s white space only → InvalidParameterValue', (name) => {
    expect(expectRejected(name, '   ').code).toBe('InvalidParameterValue');
  });

  it.each(
    STRING_FIELDS.flatMap(
      (name) =>
        [
          [name, true],
          [name, false],
          [name, {}],
          [name, ['x']],
        ] as const,
    ),
  )('%s %j (wrong type) → InvalidParameter', (name, value) => {
    expect(expectRejected(name, value).code).toBe('InvalidParameter');
  });

  it('TroubleMsg as a number → InvalidParameter (only IDs accept integers)', () => {
    expect(expectRejected('TroubleMsg', 5).code).toBe('InvalidParameter');
  });

  it('accepts a TroubleMsg with tabs and line breaks', () => {
    expect(reportOf(withField('TroubleMsg', 'no audio\r\n\tthen video froze')).TroubleMsg).toBe('no audio\r\n\tthen video froze');
  });
});

describe('validateReport: IDs given as JSON numbers', () => {
  it.each(ID_FIELDS)('%s 12345 → "12345"', (name) => {
    expect(reportOf(withField(name, 12345))[name]).toBe('12345');
  });

  it.each(ID_FIELDS)('%s MAX_SAFE_INTEGER → its decimal string', (name) => {
    expect(reportOf(withField(name, Number.MAX_SAFE_INTEGER))[name]).toBe('9007199254740991');
  });

  it.each(
    ID_FIELDS.flatMap(
      (name) =>
        [
          [name, 1.5],
          [name, -1],
          [name, 2 ** 53],
          [name, 1e21],
          [name, Number.NaN],
          [name, Number.POSITIVE_INFINITY],
        ] as const,
    ),
  )('%s %s → rejected', (name, value) => {
    expectRejected(name, value);
  });
});

describe('validateReport: SdkAppId', () => {
  it.each(['abc', '1400a', '-1400188366', '14001.88366', ' 1400188366', '1400188366 ', '0x5373', '１４００'])(
    '"%s" (not decimal digits) → InvalidParameterValue',
    (value) => {
      expect(expectRejected('SdkAppId', value).code).toBe('InvalidParameterValue');
    },
  );

  it(`accepts ${LIMITS.SdkAppIdDigits} digits and rejects one more`, () => {
    expect(reportOf(withField('SdkAppId', '9'.repeat(LIMITS.SdkAppIdDigits))).SdkAppId).toHaveLength(LIMITS.SdkAppIdDigits);
    expectRejected('SdkAppId', '9'.repeat(LIMITS.SdkAppIdDigits + 1));
  });
});

describe('validateReport: size caps (UTF-8 bytes)', () => {
  it('has the documented limits', () => {
    expect(LIMITS.RoomIdBytes).toBe(64);
    expect(LIMITS.UserIdBytes).toBe(32);
    expect(LIMITS.TroubleMsgBytes).toBe(2000);
  });

  // [at the limit, one byte over], ASCII, 3-byte and 4-byte characters.
  const cases = (limit: number): ReadonlyArray<readonly [string, string, string]> => {
    const cjk = Math.floor(limit / 3);
    const emoji = Math.floor(limit / 4);
    const cjkAt = '中'.repeat(cjk) + 'a'.repeat(limit - 3 * cjk);
    const emojiAt = '😀'.repeat(emoji) + 'a'.repeat(limit - 4 * emoji);
    return [
      ['ASCII', 'a'.repeat(limit), 'a'.repeat(limit + 1)],
      ['3-byte', cjkAt, `${cjkAt}a`],
      ['3-byte ending in a character that crosses the limit', cjkAt, 'a'.repeat(limit - 2) + '中'],
      ['4-byte', emojiAt, `${emojiAt}a`],
      ['2-byte', 'é'.repeat(Math.floor(limit / 2)) + 'a'.repeat(limit % 2), `${'é'.repeat(Math.floor(limit / 2)) + 'a'.repeat(limit % 2)}a`],
    ];
  };

  const fields: ReadonlyArray<readonly [string, number]> = [['RoomId', 64], ...USER_ID_FIELDS.map((name) => [name, 32] as const), ['TroubleMsg', 2000]];

  it.each(fields.flatMap(([field, limit]) => cases(limit).map(([label, at, over]) => [field, limit, label, at, over] as const)))(
    '%s ≤ %i bytes: %s',
    (field, limit, _label, at, over) => {
      expect(bytes(at)).toBe(limit);
      expect(bytes(over)).toBeGreaterThan(limit);
      expect(reportOf(withField(field, at))[field as 'RoomId']).toBe(at);
      const p = expectRejected(field, over);
      expect(p.code).toBe('InvalidParameterValue');
      expect(p.message).toContain(String(limit));
    },
  );

  it('counts bytes, not UTF-16 code units (500 emoji = 1000 code units = 2000 bytes is the cap)', () => {
    const msg = '😀'.repeat(500);
    expect(msg.length).toBe(1000);
    expect(reportOf(withField('TroubleMsg', msg)).TroubleMsg).toBe(msg);
    expectRejected('TroubleMsg', `${msg}a`);
  });
});

describe('validateReport: TroubleType', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('%i is accepted as a number and as a digit string', (n) => {
    expect(reportOf(withField('TroubleType', n)).TroubleType).toBe(n);
    expect(reportOf(withField('TroubleType', String(n))).TroubleType).toBe(n);
  });

  it.each([0, 9, 10, -1, '0', '9', '-1', '-3'])('%j (out of 1..8) → rejected', (value) => {
    expectRejected('TroubleType', value);
  });

  it.each([0, 9])('%i (an integer, out of range) → InvalidParameterValue', (value) => {
    expect(expectRejected('TroubleType', value).code).toBe('InvalidParameterValue');
  });

  it.each([1.5, '1.5', '3.0', ' 3', '3 ', '3a', '', '+3', '0x3', '1e0', '٣', Number.NaN, Number.POSITIVE_INFINITY])(
    '%j (not an integer) → rejected',
    (value) => {
      expectRejected('TroubleType', value);
    },
  );

  it.each([true, {}, [3], ['3']])('%j (wrong type) → InvalidParameter', (value) => {
    expect(expectRejected('TroubleType', value).code).toBe('InvalidParameter');
  });
});

describe('validateReport: TroubleTime', () => {
  it.each([1, 87654321, 1_700_000_000, 9_999_999_999])('%i seconds is accepted as a number and as a digit string', (n) => {
    expect(reportOf(withField('TroubleTime', n)).TroubleTime).toBe(n);
    expect(reportOf(withField('TroubleTime', String(n))).TroubleTime).toBe(n);
  });

  it.each([0, '0', -5, '-5', -1_700_000_000])('%j (not positive) → rejected', (value) => {
    expectRejected('TroubleTime', value);
  });

  it('0 as an integer → InvalidParameterValue', () => {
    expect(expectRejected('TroubleTime', 0).code).toBe('InvalidParameterValue');
  });

  it.each([1.5, '1.5', '1700000000.5', ' 3', '3a', '', '1e9', Number.NaN])('%j (not an integer) → rejected', (value) => {
    expectRejected('TroubleTime', value);
  });

  it.each([true, {}, [1700000000]])('%j (wrong type) → InvalidParameter', (value) => {
    expect(expectRejected('TroubleTime', value).code).toBe('InvalidParameter');
  });

  it.each([10_000_000_000, '10000000000', 1_700_000_000_000, '1700000000000', '99999999999999999999999'])(
    '%j looks like milliseconds → rejected with a message about seconds',
    (value) => {
      const p = expectRejected('TroubleTime', value);
      expect(p.code).toBe('InvalidParameterValue');
      expect(p.message).toContain('seconds');
    },
  );

  it('the milliseconds cut-off is 9,999,999,999', () => {
    expect(LIMITS.maxTroubleTime).toBe(9_999_999_999);
  });
});

describe('validateReport: unknown parameters', () => {
  it('an extra key → UnknownParameter naming it', () => {
    const p = onlyProblem(withField('Foo', 'bar'), 'Foo');
    expect(p.code).toBe('UnknownParameter');
  });

  it('a mis-cased parameter name is unknown', () => {
    const params = without('SdkAppId');
    params['sdkappid'] = BASE.SdkAppId;
    const problems = problemsOf(params);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'MissingParameter', field: 'SdkAppId' }),
      expect.objectContaining({ code: 'UnknownParameter', field: 'sdkappid' }),
    ]);
  });

  it('every unknown key is reported, in the order given', () => {
    const problems = problemsOf({ ...BASE, Zeta: 1, Alpha: 2, 'Trouble Msg': 'x' });
    expect(problems.map((p) => [p.code, p.field])).toEqual([
      ['UnknownParameter', 'Zeta'],
      ['UnknownParameter', 'Alpha'],
      ['UnknownParameter', 'Trouble Msg'],
    ]);
  });

  it('__proto__ and constructor from parsed JSON are unknown parameters and pollute nothing', () => {
    const params = JSON.parse(`{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},${JSON.stringify(BASE).slice(1)}`) as Record<
      string,
      unknown
    >;
    const problems = problemsOf(params);
    expect(problems.map((p) => [p.code, p.field])).toEqual([
      ['UnknownParameter', '__proto__'],
      ['UnknownParameter', 'constructor'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateReport: repeated values', () => {
  it.each(PARAMETER_NAMES)('%s given twice → InvalidParameter naming it', (name) => {
    const p = onlyProblem(withField(name, new RepeatedValue(['1', '2'])), name);
    expect(p.code).toBe('InvalidParameter');
  });
});

describe('validateReport: every problem at once', () => {
  it('reports one problem per bad field, in API order, then unknown keys', () => {
    const problems = problemsOf({
      SdkAppId: 'app',
      RoomId: '',
      TeacherUserId: 1.5,
      TroubleType: 9,
      TroubleTime: '1.5',
      TroubleMsg: 'a'.repeat(2001),
      Extra: true,
    });
    expect(problems.map((p) => p.field)).toEqual([
      'SdkAppId',
      'RoomId',
      'TeacherUserId',
      'StudentUserId',
      'TroubleUserId',
      'TroubleType',
      'TroubleTime',
      'TroubleMsg',
      'Extra',
    ]);
    const byField = new Map(problems.map((p) => [p.field, p] as const));
    expect(byField.get('StudentUserId')?.code).toBe('MissingParameter');
    expect(byField.get('TroubleUserId')?.code).toBe('MissingParameter');
    expect(byField.get('RoomId')?.code).toBe('InvalidParameterValue');
    expect(byField.get('TroubleType')?.code).toBe('InvalidParameterValue');
    expect(byField.get('TroubleMsg')?.code).toBe('InvalidParameterValue');
    expect(byField.get('Extra')?.code).toBe('UnknownParameter');
    for (const p of problems) expect(p.message).toContain(p.field);
  });

  it('only uses the four cloud API parameter codes', () => {
    const codes = new Set(problemsOf({ SdkAppId: {}, RoomId: '', TroubleType: 0, Extra: 1 }).map((p) => p.code));
    expect([...codes].every((c) => ['MissingParameter', 'InvalidParameter', 'InvalidParameterValue', 'UnknownParameter'].includes(c))).toBe(true);
    expect(codes).toEqual(new Set(['InvalidParameter', 'InvalidParameterValue', 'MissingParameter', 'UnknownParameter']));
  });

  it('never returns a partial report', () => {
    const result = validateReport(withField('TroubleType', 0));
    expect(result.ok).toBe(false);
    expect('report' in result).toBe(false);
  });
});

describe('describeProblems', () => {
  const a: ParameterProblem = { code: 'MissingParameter', field: 'RoomId', message: 'RoomId is required' };
  const b: ParameterProblem = { code: 'InvalidParameterValue', field: 'TroubleType', message: 'TroubleType must be an integer from 1 to 8, got 9' };

  it('one problem → its message', () => {
    expect(describeProblems([a])).toBe(a.message);
  });

  it('several → one line naming the count and every message', () => {
    const line = describeProblems([a, b]);
    expect(line).toContain('2 problems');
    expect(line).toContain(a.message);
    expect(line).toContain(b.message);
    expect(line).not.toContain('\n');
  });
});
