/**
 * Command-line parsing for the dev tools (`npm run invoke`, `npm start`, `npm run event`): `node:util` parseArgs,
 * strict, with its errors turned into one-line {@link UsageError}s the tools print before exiting 2. Dev-time only.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line that cannot be understood; the message says why, in one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values and positionals of a command line, as parseArgs gives them. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true; tokens: false }>>;

/** parseArgs's message without its advice about `--`, which does not fit a one-line error. */
function firstSentence(message: string): string {
  const end = message.search(/\.\s/);
  return end > 0 ? message.slice(0, end) : message.replace(/\.$/, '');
}

/** Parses `argv` strictly (unknown options, missing values and wrong types are errors). Throws {@link UsageError}. */
export function parseCommandLine<O extends Options>(argv: readonly string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: false });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(firstSentence(error.message));
    }
    throw error;
  }
}

/** A whole number from `min` to `max` given to `--flag`, or a UsageError naming the flag. Pure. */
export function wholeNumberOption(flag: string, text: string, min: number, max: number): number {
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be a whole number from ${String(min)} to ${String(max)}, got "${text.slice(0, 16)}"`);
  }
  return Number(text);
}
