/**
 * The CreateTroubleInfo contract the emulator enforces, implemented independently of lib/ on purpose: the action and
 * version served, API 3.0's size limits, the request as received, and the parameters parsed (JSON body for POST,
 * query for GET) and validated.
 */
import { apiError, type ApiError } from './messages';

/** The action served by the emulator. */
export const EMULATED_ACTION = 'CreateTroubleInfo';
/** The API version served by the emulator. */
export const EMULATED_VERSION = '2019-07-22';
/** Maximum POST body size accepted by API 3.0 (10 MB). */
export const MAX_POST_BYTES = 10 * 1024 * 1024;
/** Maximum GET request size (request target incl. query) accepted by API 3.0 (32 KB). */
export const MAX_GET_BYTES = 32 * 1024;

/** A successfully created trouble record: the 8 parameters plus the RequestId answered. */
export interface TroubleRecord {
  SdkAppId: string;
  RoomId: string;
  TeacherUserId: string;
  StudentUserId: string;
  TroubleUserId: string;
  TroubleType: number;
  TroubleTime: number;
  TroubleMsg: string;
  RequestId: string;
}

const PARAMETER_NAMES = ['SdkAppId', 'RoomId', 'TeacherUserId', 'StudentUserId', 'TroubleUserId', 'TroubleType', 'TroubleTime', 'TroubleMsg'] as const;
type ParameterName = (typeof PARAMETER_NAMES)[number];
const STRING_PARAMETERS: ReadonlySet<ParameterName> = new Set<ParameterName>([
  'SdkAppId',
  'RoomId',
  'TeacherUserId',
  'StudentUserId',
  'TroubleUserId',
  'TroubleMsg',
]);

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A request as received: method, target split, headers and the (capped) raw body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  rawQuery: string;
  hasQuery: boolean;
  headers: Record<string, string>;
  body: Buffer;
  bodyTooLarge: boolean;
  bodyBytes: number;
}

/** Parses the params for recording/validation: JSON body (POST) or query (GET). */
type ParsedParams = { ok: true; params: Record<string, unknown>; fromQuery: boolean } | { ok: false; error: ApiError; raw?: unknown };

export function parseParams(r: ReceivedRequest): ParsedParams {
  if (r.method === 'GET') {
    const params: Record<string, unknown> = {};
    try {
      for (const [key, value] of new URLSearchParams(r.rawQuery)) {
        if (Object.prototype.hasOwnProperty.call(params, key)) {
          return {
            ok: false,
            error: apiError('InvalidParameter', `The parameter \`${key}\` is specified more than once.`),
          };
        }
        params[key] = value;
      }
    } catch {
      return { ok: false, error: apiError('InvalidParameter', 'The query string is malformed.') };
    }
    return { ok: true, params, fromQuery: true };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.body.toString('utf8'));
  } catch {
    return {
      ok: false,
      error: apiError('InvalidParameter', 'The request body is not valid JSON.', 'JSON.parse failed'),
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      ok: false,
      error: apiError('InvalidParameter', 'The request body must be a JSON object.'),
      raw: parsed,
    };
  }
  return { ok: true, params: parsed as Record<string, unknown>, fromQuery: false };
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 64 ? `${text.slice(0, 61)}...` : text;
  } catch {
    return String(value);
  }
}

/** Validates the CreateTroubleInfo parameter contract; independent of lib/ on purpose. */
export function validateParams(
  params: Record<string, unknown>,
  fromQuery: boolean,
): { ok: true; record: Omit<TroubleRecord, 'RequestId'> } | { ok: false; error: ApiError } {
  for (const name of PARAMETER_NAMES) {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      return { ok: false, error: apiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`) };
    }
  }
  for (const key of Object.keys(params)) {
    if (!(PARAMETER_NAMES as readonly string[]).includes(key)) {
      return { ok: false, error: apiError('UnknownParameter', `The parameter \`${key}\` is not recognized.`) };
    }
  }
  const strings = new Map<ParameterName, string>();
  const integers = new Map<ParameterName, number>();
  for (const name of PARAMETER_NAMES) {
    const value = params[name];
    if (STRING_PARAMETERS.has(name)) {
      if (typeof value !== 'string') {
        return {
          ok: false,
          error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected String, got ${describeValue(value)}.`),
        };
      }
      if (value === '') {
        return {
          ok: false,
          error: apiError('InvalidParameterValue', `The value of parameter \`${name}\` must not be empty.`),
        };
      }
      strings.set(name, value);
      continue;
    }
    let n: number;
    if (fromQuery && typeof value === 'string') {
      if (!/^-?\d+$/.test(value)) {
        return {
          ok: false,
          error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer, got ${describeValue(value)}.`),
        };
      }
      n = Number(value);
    } else if (typeof value === 'number' && Number.isInteger(value)) {
      n = value;
    } else {
      return {
        ok: false,
        error: apiError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer, got ${describeValue(value)}.`),
      };
    }
    const valid = name === 'TroubleType' ? n >= 1 && n <= 8 : n > 0 && Number.isSafeInteger(n);
    if (!valid) {
      const range = name === 'TroubleType' ? 'an integer from 1 to 8' : 'a positive integer (Unix seconds)';
      return {
        ok: false,
        error: apiError('InvalidParameterValue', `The value \`${describeValue(value)}\` of parameter \`${name}\` is invalid: it must be ${range}.`),
      };
    }
    integers.set(name, n);
  }
  const s = (name: ParameterName): string => strings.get(name) ?? '';
  const i = (name: ParameterName): number => integers.get(name) ?? 0;
  return {
    ok: true,
    record: {
      SdkAppId: s('SdkAppId'),
      RoomId: s('RoomId'),
      TeacherUserId: s('TeacherUserId'),
      StudentUserId: s('StudentUserId'),
      TroubleUserId: s('TroubleUserId'),
      TroubleType: i('TroubleType'),
      TroubleTime: i('TroubleTime'),
      TroubleMsg: s('TroubleMsg'),
    },
  };
}
