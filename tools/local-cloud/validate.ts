/**
 * Pure validation of SCF API parameters (2018-04-16) as the local SCF enforces them: each rule names the
 * parameter and the reason, with the error code the real API documents. Throws ScfApiError.
 */
import { scfError } from './api-error';

export type Params = Readonly<Record<string, unknown>>;

/** Node.js runtimes documented for CreateFunction (tencentcloud-sdk-nodejs 4.1.313). */
export const NODE_RUNTIMES: readonly string[] = ['Nodejs6.10', 'Nodejs8.9', 'Nodejs10.15', 'Nodejs12.16', 'Nodejs14.18', 'Nodejs16.13', 'Nodejs18.15'];
const OTHER_RUNTIMES = [
  'Python2.7',
  'Python3.6',
  'Python3.7',
  'Python3.9',
  'Python3.10',
  'Go1',
  'Java8',
  'Java11',
  'Php5.6',
  'Php7.2',
  'Php7.4',
  'Php8.0',
  'CustomRuntime',
];

export const RESERVED_ENV_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'];
export const MAX_ENVIRONMENT_BYTES = 4096;
export const MAX_CREATE_ZIP_BYTES = 50 * 1024 * 1024;
export const MAX_UPDATE_ZIP_BYTES = 20 * 1024 * 1024;

/** Refuses parameters the action does not document (API 3.0 answers UnknownParameter). */
export function onlyKnown(params: Params, known: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw scfError('UnknownParameter', `The parameter \`${key}\` is not recognized.`);
  }
}

export function requiredString(params: Params, name: string, code = 'MissingParameter'): string {
  const value = params[name];
  if (value === undefined || value === null || value === '') {
    throw scfError(code, `The request is missing a required parameter \`${name}\`.`);
  }
  if (typeof value !== 'string') throw scfError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected String.`);
  return value;
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw scfError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected String.`);
  return value;
}

export function optionalInteger(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw scfError('InvalidParameter', `The type of parameter \`${name}\` is invalid: expected Integer.`);
  }
  return value;
}

export function oneOf(name: string, value: string | undefined, allowed: readonly string[], fallback: string, code = 'InvalidParameterValue'): string {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw scfError(code, `The value \`${value}\` of \`${name}\` is invalid: expected one of ${allowed.join(', ')}.`);
  return value;
}

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
export function functionName(params: Params): string {
  const name = requiredString(params, 'FunctionName');
  if (!FUNCTION_NAME.test(name)) {
    throw scfError(
      'InvalidParameterValue.FunctionName',
      `FunctionName \`${name}\` is invalid: 2-60 letters, digits, - and _, starting with a letter and not ending with - or _.`,
    );
  }
  return name;
}

export function namespace(params: Params): string {
  const value = optionalString(params, 'Namespace') ?? 'default';
  if (value !== 'default') throw scfError('ResourceNotFound.Namespace', `The namespace \`${value}\` does not exist (the local SCF has only \`default\`).`);
  return value;
}

const HANDLER_PART = /^[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$/;
/** `file.method`: both parts letters, digits, _ and -, starting with a letter; 2-60 characters in all. */
export function handler(value: string): { file: string; method: string } {
  const dot = value.lastIndexOf('.');
  const file = value.slice(0, dot);
  const method = value.slice(dot + 1);
  if (value.length < 2 || value.length > 60 || dot <= 0 || !HANDLER_PART.test(file) || !HANDLER_PART.test(method)) {
    throw scfError(
      'InvalidParameterValue.Handler',
      `Handler \`${value}\` is invalid: expected "file.method" (e.g. index.main_handler), letters, digits, _ and - only, no "/".`,
    );
  }
  return { file, method };
}

export function runtime(value: string): string {
  if (NODE_RUNTIMES.includes(value)) return value;
  if (OTHER_RUNTIMES.includes(value)) {
    throw scfError('InvalidParameterValue.Runtime', `Runtime \`${value}\` is valid on SCF but the local SCF runs Node.js functions only.`);
  }
  throw scfError('InvalidParameterValue.Runtime', `Runtime \`${value}\` is not supported: Node.js runtimes are ${NODE_RUNTIMES.join(', ')}.`);
}

export function memorySize(value: number | undefined): number {
  if (value === undefined) return 128;
  if (value === 64 || (value >= 128 && value <= 3072 && value % 128 === 0)) return value;
  throw scfError('InvalidParameterValue.MemorySize', `MemorySize ${String(value)} is invalid: 64, or 128-3072 in steps of 128 (MB).`);
}

export function timeout(value: number | undefined): number {
  if (value === undefined) return 3;
  if (value >= 1 && value <= 900) return value;
  throw scfError('InvalidParameterValue.Timeout', `Timeout ${String(value)} is invalid: 1-900 seconds.`);
}

export interface Variable {
  Key: string;
  Value: string;
}

const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
/**
 * `Environment: {Variables: [{Key, Value}]}`. `clearable` (UpdateFunctionConfiguration): the single sentinel
 * `[{Key:"",Value:""}]` means "no variables".
 */
export function environment(value: unknown, clearable: boolean): Variable[] | undefined {
  if (value === undefined || value === null) return undefined;
  const bad = (reason: string): never => {
    throw scfError('InvalidParameterValue.Environment', `Environment is invalid: ${reason}.`);
  };
  if (typeof value !== 'object' || Array.isArray(value)) return bad('expected {"Variables":[{"Key","Value"}]}');
  for (const key of Object.keys(value)) if (key !== 'Variables') bad(`unknown field \`${key}\``);
  const list = (value as { Variables?: unknown }).Variables;
  if (list === undefined) return [];
  if (!Array.isArray(list)) return bad('Variables must be an array');
  const first: unknown = list[0];
  if (clearable && list.length === 1 && typeof first === 'object' && first !== null) {
    const only = first as Record<string, unknown>;
    if (only.Key === '' && (only.Value === '' || only.Value === undefined)) return [];
  }
  const out: Variable[] = [];
  let bytes = 0;
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'object' || item === null) bad(`Variables[${String(index)}] must be {"Key","Value"}`);
    const { Key, Value } = item as Record<string, unknown>;
    if (typeof Key !== 'string' || Key === '') bad(`Variables[${String(index)}].Key must be a non-empty string`);
    if (typeof Value !== 'string' || Value === '') bad(`Variables[${String(index)}] (${String(Key)}): Value must be a non-empty string`);
    const key = Key as string;
    if (!ENV_KEY.test(key)) bad(`Variables[${String(index)}].Key \`${key}\` must be letters, digits and _, starting with a letter`);
    if (RESERVED_ENV_PREFIXES.some((prefix) => key.toUpperCase().startsWith(prefix))) {
      throw scfError(
        'InvalidParameterValue.EnvironmentSystemProtect',
        `Environment key \`${key}\` uses a reserved prefix (${RESERVED_ENV_PREFIXES.join(', ')}).`,
      );
    }
    if (out.some((v) => v.Key === key)) bad(`the key \`${key}\` is given twice`);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(Value as string);
    out.push({ Key: key, Value: Value as string });
  }
  if (bytes > MAX_ENVIRONMENT_BYTES) {
    throw scfError('InvalidParameterValue.EnvironmentExceededLimit', `Environment is ${String(bytes)} bytes; keep it within 4 KB.`);
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** `Code: {ZipFile}` (base64). COS, demo and image code are deliberate differences: refused. */
export function zipFile(code: unknown, limit: number): Buffer {
  if (code === undefined || code === null) throw scfError('MissingParameter.Code', 'The request is missing a required parameter `Code`.');
  if (typeof code !== 'object' || Array.isArray(code)) throw scfError('InvalidParameter', 'The type of parameter `Code` is invalid: expected an object.');
  const fields = code as Record<string, unknown>;
  const other = Object.keys(fields).filter((key) => key !== 'ZipFile' && fields[key] !== undefined && fields[key] !== '');
  if (other.length > 0) {
    throw scfError('InvalidParameterValue.Code', `Code.${other[0] ?? ''} is not supported by the local SCF: upload the package inline as Code.ZipFile.`);
  }
  return zipBytes(fields.ZipFile, 'Code.ZipFile', limit);
}

export function zipBytes(value: unknown, name: string, limit: number): Buffer {
  if (typeof value !== 'string' || value === '') throw scfError('MissingParameter.Code', `The request is missing \`${name}\` (a base64 zip).`);
  if (!BASE64.test(value)) throw scfError('InvalidParameterValue.ZipFileBase64BinasciiError', `${name} is not valid base64.`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length > limit) {
    throw scfError('InvalidParameterValue.ZipFile', `${name} is ${String(bytes.length)} bytes; the limit is ${String(limit / 1024 / 1024)} MB.`);
  }
  return bytes;
}

export function role(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9_+=,.@-]{1,128}$/.test(value)) throw scfError('InvalidParameterValue.Role', `Role \`${value}\` is not a valid CAM role name.`);
  return value;
}
