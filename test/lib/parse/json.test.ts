import { describe, expect, it } from 'vitest';
import { parseJsonObject, repeatedTopLevelKeys } from '../../../lib/parse/json';
import { RepeatedValue } from '../../../lib/report';
import { BASE, readable, statusOf } from '../../support/fixtures';

const JSON_BODY = JSON.stringify(BASE);

function expectPollutionFree(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
}

describe('parseJsonObject', () => {
  it('parses an object into a record', () => {
    expect({ ...readable(parseJsonObject(JSON_BODY)) }).toEqual(BASE);
  });

  it.each(['[]', '[{"SdkAppId":"1"}]', '"SdkAppId"', '42', 'null', 'true'])('%s (not an object) → 400', (text) => {
    expect(statusOf(parseJsonObject(text))).toBe(400);
  });

  it.each(['{', '{"SdkAppId":', "{'SdkAppId':'1'}", '{"a":1,}', ''])('%j (malformed) → 400', (text) => {
    expect(statusOf(parseJsonObject(text))).toBe(400);
  });

  it('__proto__ and constructor keys are plain own keys; Object.prototype is untouched', () => {
    const params = readable(parseJsonObject('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'));
    expectPollutionFree();
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor']);
    expect(Object.prototype.hasOwnProperty.call(params, '__proto__')).toBe(true);
    expect((params as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('repeatedTopLevelKeys (reliability item 13)', () => {
  it('finds top-level keys given more than once, with every value, ignoring nested objects and strings', () => {
    const text = '{"a":1,"b":{"a":2,"a":3},"a":"x\\"y","c":[1,{"a":1}],"s":"\\"a\\":9", "a" : null}';
    expect([...repeatedTopLevelKeys(text)]).toEqual([['a', [1, 'x"y', null]]]);
    expect(repeatedTopLevelKeys('{"a":1,"b":2}').size).toBe(0);
    expect(repeatedTopLevelKeys('{"\\u0061":1,"a":2}').get('a')).toEqual([1, 2]);
  });

  it('a JSON body with a repeated parameter keeps every value, so validation names it', () => {
    const parsed = parseJsonObject('{"RoomId":"1","RoomId":"2"}');
    expect(parsed.ok && parsed.value['RoomId']).toBeInstanceOf(RepeatedValue);
  });
});
