/**
 * The published log schema (docs/log-schema.json), compiled once with ajv: every line the function and the server
 * write must validate against it (the sample suite checks each line it produces).
 */
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './bundle';

export const LOG_SCHEMA_FILE = path.join(ROOT, 'docs', 'log-schema.json');

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(JSON.parse(readFileSync(LOG_SCHEMA_FILE, 'utf8')) as object);

/** Undefined when the line validates, else what is wrong with it (ajv's messages, with the line). */
export function logLineProblems(line: string): string | undefined {
  const record: unknown = JSON.parse(line);
  if (validate(record)) return undefined;
  return `${ajv.errorsText(validate.errors, { separator: '; ' })} in ${line}`;
}
