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

/** The `--name` (or `-n`) a parseArgs message is about, e.g. from "Option '-h, --help' does not take an argument". */
function optionIn(message: string): string | undefined {
  return /'(?:-[A-Za-z], )?(--?[^' ]+)(?: <value>)?'/.exec(message)?.[1];
}

/**
 * A one-line {@link UsageError} for a parseArgs error: `unknown option --x` (with a hint when only the case is
 * wrong), `--x needs a value`, `--x takes no value`. `known` are the long option names. Anything else is returned.
 */
export function usageErrorOf(error: unknown, argv: readonly string[], known: readonly string[]): unknown {
  if (!(error instanceof TypeError) || !('code' in error)) return error;
  const option = optionIn(error.message) ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = option.replace(/^--?/, '');
      const near = known.find((flag) => flag.toLowerCase() === name.toLowerCase());
      return new UsageError(`unknown option ${option}${near ? ` (names are case-sensitive: did you mean --${near}?)` : ''}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(error.message)) return new UsageError(`${option} takes no value`);
      const next = argv[argv.indexOf(option) + 1];
      const hint = next !== undefined && next.startsWith('-') ? ` (to pass one starting with -, write ${option}=${next.slice(0, 40)})` : '';
      return new UsageError(`${option} needs a value${hint}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(error.message.split(/\.\s/)[0] ?? error.message);
    default:
      return error;
  }
}

/** Parses `argv` strictly (unknown options, missing values and wrong types are errors). Throws {@link UsageError}. */
export function parseCommandLine<O extends Options>(argv: readonly string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: false });
  } catch (error) {
    throw usageErrorOf(error, argv, Object.keys(options));
  }
}
/**
 * The hint for a stray positional when npm ate the options: `npm start --host X` (no `--`) hands `--host` to npm
 * itself, sets npm_config_host and passes only `X` on. Empty when not run by npm. Pure.
 */
export function npmOptionsHint(env: Readonly<Record<string, string | undefined>>, example: string): string {
  return env['npm_lifecycle_event'] === undefined ? '' : ` (npm keeps the options written before "--" for itself: ${example})`;
}

/** A whole number from `min` to `max` given to `--flag`, or a UsageError naming the flag. Pure. */
export function wholeNumberOption(flag: string, text: string, min: number, max: number): number {
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be a whole number from ${String(min)} to ${String(max)}, got "${text.slice(0, 16)}"`);
  }
  return Number(text);
}
