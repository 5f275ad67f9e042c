/**
 * The CreateTroubleInfo (TRTC 2019-07-22) parameter contract in one place: the eight parameters, their types,
 * the limits we enforce, and a pure validator that reports every problem at once.
 */

/** The eight request parameters of CreateTroubleInfo, in the API's documented order. */
export const PARAMETER_NAMES = ['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId', 'TroubleType', 'TroubleTime', 'TroubleMsg'] as const;

export type ParameterName = (typeof PARAMETER_NAMES)[number];

/** A validated trouble report: exactly what goes upstream, with the JSON types the API expects. */
export interface TroubleReport {
  SdkAppId: string;
  RoomId: string;
  TeacherUserId: string;
  StudentUserId: string;
  TroubleUserId: string;
  /** 1 video, 2 audio, 3 both, 4 class switch, 5 room entry, 6 help, 7 feedback, 8 complaint. */
  TroubleType: number;
  /** UNIX time in seconds. */
  TroubleTime: number;
  TroubleMsg: string;
}

/** Cloud API parameter error codes, as the API itself names them. */
export type ParameterErrorCode = 'MissingParameter' | 'InvalidParameter' | 'InvalidParameterValue' | 'UnknownParameter';

export interface ParameterProblem {
  code: ParameterErrorCode;
  field: string;
  message: string;
}

export type ValidationResult = { ok: true; report: TroubleReport } | { ok: false; problems: ParameterProblem[] };

/**
 * Limits we enforce (bytes of UTF-8). TRTC documents a UserId of at most 32 bytes and a string RoomId of at most
 * 64 bytes; an SdkAppId is a decimal application number. TRTC documents no limit for TroubleMsg: 2,000 bytes is
 * our choice, ample for a description and small enough to keep a report a report.
 */
export const LIMITS = {
  SdkAppIdDigits: 20,
  RoomIdBytes: 64,
  UserIdBytes: 32,
  TroubleMsgBytes: 2000,
  /** Largest accepted TroubleTime: 9,999,999,999 s is the year 2286; anything longer is milliseconds. */
  maxTroubleTime: 9_999_999_999,
} as const;

const ID_FIELDS = ['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId'] as const;
type IdField = (typeof ID_FIELDS)[number];

const ID_LIMIT_BYTES: Readonly<Record<IdField, number>> = {
  SdkAppId: LIMITS.SdkAppIdDigits,
  RoomId: LIMITS.RoomIdBytes,
  TeacherUserId: LIMITS.UserIdBytes,
  StudentUserId: LIMITS.UserIdBytes,
  TroubleUserId: LIMITS.UserIdBytes,
};

// C0 controls and DEL; TroubleMsg may carry tab, line feed and carriage return.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARS_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const DIGITS = /^[0-9]+$/;
// A UTF-16 surrogate without its partner (JSON's "\ud800"): not Unicode text, cannot be sent as UTF-8. Without the
// `u` flag, so it runs on Node 18 (String.prototype.isWellFormed is Node 20).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
const NOT_UNICODE = 'must be Unicode text: it contains a lone UTF-16 surrogate (an escape such as \\ud800 without its pair)';

type Checked<T> = { value: T } | { problem: ParameterProblem };

function problem(code: ParameterErrorCode, field: string, message: string): { problem: ParameterProblem } {
  return { problem: { code, field, message: `${field} ${message}` } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 24 ? `${value.slice(0, 24)}…` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function checkId(field: IdField, value: unknown): Checked<string> {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      return problem(
        'InvalidParameter',
        field,
        `must be a string (a number is accepted only as a non-negative whole number up to 2^53), got ${describe(value)}`,
      );
    }
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return problem('InvalidParameter', field, `must be a string, got ${describe(value)}`);
  }
  if (text.trim() === '') return problem('InvalidParameterValue', field, 'must not be empty');
  if (LONE_SURROGATE.test(text)) return problem('InvalidParameterValue', field, NOT_UNICODE);
  if (CONTROL_CHARS.test(text)) return problem('InvalidParameterValue', field, 'must not contain control characters');
  if (text !== text.trim()) return problem('InvalidParameterValue', field, 'must not start or end with white space');
  if (field === 'SdkAppId') {
    if (!DIGITS.test(text)) return problem('InvalidParameterValue', field, `must be a decimal application ID, got ${describe(text)}`);
    if (text.length > LIMITS.SdkAppIdDigits) {
      return problem('InvalidParameterValue', field, `must have at most ${LIMITS.SdkAppIdDigits} digits`);
    }
    return { value: text };
  }
  const limit = ID_LIMIT_BYTES[field];
  if (byteLength(text) > limit) return problem('InvalidParameterValue', field, `must be at most ${limit} bytes (UTF-8)`);
  return { value: text };
}

function checkMessage(value: unknown): Checked<string> {
  const field = 'TroubleMsg';
  if (typeof value !== 'string') return problem('InvalidParameter', field, `must be a string, got ${describe(value)}`);
  if (value.trim() === '') return problem('InvalidParameterValue', field, 'must not be empty');
  if (LONE_SURROGATE.test(value)) return problem('InvalidParameterValue', field, NOT_UNICODE);
  if (CONTROL_CHARS_EXCEPT_WHITESPACE.test(value)) {
    return problem('InvalidParameterValue', field, 'must not contain control characters other than tab and line breaks');
  }
  if (byteLength(value) > LIMITS.TroubleMsgBytes) {
    return problem('InvalidParameterValue', field, `must be at most ${LIMITS.TroubleMsgBytes} bytes (UTF-8)`);
  }
  return { value };
}

/** An integer given as a JSON integer or as a string of decimal digits; anything else is a type problem. */
function toInteger(field: string, value: unknown, what: string): Checked<number> {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { value };
    return problem('InvalidParameter', field, `must be ${what}, got ${describe(value)}`);
  }
  if (typeof value === 'string') {
    if (DIGITS.test(value)) return { value: Number(value) };
    return problem('InvalidParameter', field, `must be ${what} (decimal digits only), got ${describe(value)}`);
  }
  return problem('InvalidParameter', field, `must be ${what}, got ${describe(value)}`);
}

function checkTroubleType(value: unknown): Checked<number> {
  const field = 'TroubleType';
  const n = toInteger(field, value, 'an integer from 1 to 8');
  if ('problem' in n) return n;
  if (n.value < 1 || n.value > 8) {
    return problem('InvalidParameterValue', field, `must be an integer from 1 to 8, got ${n.value}`);
  }
  return n;
}

function checkTroubleTime(value: unknown): Checked<number> {
  const field = 'TroubleTime';
  const n = toInteger(field, value, 'a positive integer of UNIX seconds');
  if ('problem' in n) return n;
  if (n.value <= 0) return problem('InvalidParameterValue', field, `must be a positive integer of UNIX seconds, got ${n.value}`);
  if (n.value > LIMITS.maxTroubleTime) {
    return problem('InvalidParameterValue', field, `must be UNIX time in seconds; ${n.value} looks like milliseconds (divide by 1000)`);
  }
  return n;
}

const CHECKERS: { readonly [K in ParameterName]: (value: unknown) => Checked<TroubleReport[K]> } = {
  SdkAppId: (v) => checkId('SdkAppId', v),
  RoomId: (v) => checkId('RoomId', v),
  TeacherUserId: (v) => checkId('TeacherUserId', v),
  StudentUserId: (v) => checkId('StudentUserId', v),
  TroubleUserId: (v) => checkId('TroubleUserId', v),
  TroubleType: checkTroubleType,
  TroubleTime: checkTroubleTime,
  TroubleMsg: checkMessage,
};

const KNOWN = new Set<string>(PARAMETER_NAMES);

/**
 * Common parameters a caller may copy from the cloud API's own request format. They are accepted when they name
 * this API, and dropped; any other value is an error.
 */
export const ACCEPTED_SELECTORS: Readonly<Record<string, string>> = { Action: 'CreateTroubleInfo', Version: '2019-07-22' };

/**
 * A value that arrived more than once (a repeated query or form key). It is an error for that field, never a
 * silent pick of the first or last value.
 */
export class RepeatedValue {
  constructor(readonly values: readonly string[]) {}
}

/**
 * Validates raw parameters (from a JSON body, a form, a query string or a bare event object).
 * Every problem is reported, in parameter order, then unknown parameters in the order given.
 *
 * @example
 * validateReport({ SdkAppId: 1400188366, RoomId: '1587879309', ... , TroubleType: '1', TroubleTime: 87654321 })
 */
export function validateReport(params: Readonly<Record<string, unknown>>): ValidationResult {
  const problems: ParameterProblem[] = [];
  const report: Partial<Record<ParameterName, string | number>> = {};
  for (const name of PARAMETER_NAMES) {
    if (!Object.prototype.hasOwnProperty.call(params, name) || params[name] === undefined) {
      problems.push({ code: 'MissingParameter', field: name, message: `${name} is required` });
      continue;
    }
    const value = params[name];
    if (value instanceof RepeatedValue) {
      problems.push({ code: 'InvalidParameter', field: name, message: `${name} was given ${value.values.length} times; give it once` });
      continue;
    }
    if (value === null) {
      problems.push({ code: 'MissingParameter', field: name, message: `${name} is required (got null)` });
      continue;
    }
    const checked = CHECKERS[name](value);
    if ('problem' in checked) problems.push(checked.problem);
    else report[name] = checked.value;
  }
  for (const key of Object.keys(params)) {
    const accepted = Object.prototype.hasOwnProperty.call(ACCEPTED_SELECTORS, key) ? ACCEPTED_SELECTORS[key] : undefined;
    if (accepted !== undefined) {
      if (params[key] !== accepted) {
        problems.push({ code: 'InvalidParameterValue', field: key, message: `${key} must be ${accepted} (or be left out), got ${describe(params[key])}` });
      }
    } else if (!KNOWN.has(key)) {
      problems.push({ code: 'UnknownParameter', field: key, message: `${printable(key)} is not a parameter of CreateTroubleInfo` });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  // Every field passed its checker, so the record is complete; rebuild it with the exact 8 keys in order.
  return {
    ok: true,
    report: {
      SdkAppId: report.SdkAppId as string,
      RoomId: report.RoomId as string,
      TeacherUserId: report.TeacherUserId as string,
      StudentUserId: report.StudentUserId as string,
      TroubleUserId: report.TroubleUserId as string,
      TroubleType: report.TroubleType as number,
      TroubleTime: report.TroubleTime as number,
      TroubleMsg: report.TroubleMsg as string,
    },
  };
}

/** A parameter name as it may be shown in a message: bounded, without control characters. */
function printable(key: string): string {
  const clean = key.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}

/** One line that names every problem, for the envelope's Error.Message. */
export function describeProblems(problems: readonly ParameterProblem[]): string {
  if (problems.length === 1) return problems[0]!.message;
  return `${problems.length} problems: ${problems.map((p) => p.message).join('; ')}`;
}
