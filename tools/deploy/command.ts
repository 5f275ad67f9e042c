/**
 * What every lifecycle command shares (deploy, rollback, remove, info, invoke --remote, package, logs): the options
 * --stage, --json, --config, --dry-run, --yes and --help parsed in one place, a bad command line answered with one
 * line and exit 2, progress on stdout (stderr with --json, whose one result line goes last on stdout), a question on
 * a terminal, the configuration and the SCF client built once, and failures as one line with exit 1. Nothing here
 * prints a key: the deploying identity's keys are read in scf-api.ts and never leave it.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DeployError, explain, loadConfig } from './deploy';
import { ReleaseError } from './release';
import type { DeployConfig } from './serverless-yml';
import { ConfigurationError, SdkScfApi, type ScfApi } from './scf-api';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** The options every command takes; `writes` adds --dry-run and --yes. */
export function commonOptions(writes: boolean): Options {
  return {
    stage: { type: 'string' },
    json: { type: 'boolean' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...(writes ? { 'dry-run': { type: 'boolean' }, yes: { type: 'boolean' } } : {}),
  };
}

export const COMMON_HELP = `  --stage S        the stage: the function is named <service>-<S>-<function> (default provider.stage, else dev)
  --json           progress on stderr; one JSON result line last on stdout
  --config PATH    the configuration file (default serverless.yml)
  -h, --help       this help`;

export const WRITE_HELP = `  --dry-run        print what would be written; write nothing
  --yes            never ask`;

export const ENV_HELP = `environment:
  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY [, TENCENTCLOUD_SESSION_TOKEN]   the deploying identity's keys
  TENCENTCLOUD_REGION   the region (default provider.region)
  SCF_ENDPOINT          the SCF API endpoint as a full URL (default https://scf.tencentcloudapi.com)`;

/** A bad command line: one line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandContext {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly json: boolean;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A progress line: stdout, or stderr with --json. */
  print(line: string): void;
  /** The --json result line (stdout). */
  result(value: unknown): void;
  /** Asks on a terminal (never with --json); undefined when there is none to ask. */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
  /** serverless.yml (with --stage/--config) and the SCF client. */
  connect(): { config: DeployConfig; api: ScfApi };
  config(): DeployConfig;
}

export function errorMessage(error: unknown, config?: DeployConfig): string {
  if (error instanceof DeployError || error instanceof ReleaseError || error instanceof ConfigurationError) return error.message;
  if (config !== undefined) return explain('the call', error, config).message;
  return `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Runs one command: parses argv (strict), prints --help, calls `body` and sets the exit code (0 done, 1 failed,
 * 2 usage). `body` returns its exit code.
 */
export function runCommand(name: string, help: string, options: Options, body: (ctx: CommandContext) => Promise<number>, argv = process.argv.slice(2)): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  const run = async (): Promise<number> => {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    } catch (error) {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)} (see --help)\n`);
      return 2;
    }
    const values = parsed.values as Values;
    if (values.help === true) {
      process.stdout.write(help);
      return 0;
    }
    const json = values.json === true;
    const root = process.cwd();
    const env = process.env;
    let config: DeployConfig | undefined;
    const loadOnce = (): DeployConfig => {
      config ??= loadConfig({
        root,
        env,
        ...(typeof values.stage === 'string' ? { stage: values.stage } : {}),
        ...(typeof values.config === 'string' ? { config: values.config } : {}),
      });
      return config;
    };
    const ctx: CommandContext = {
      values,
      positionals: parsed.positionals,
      json,
      dryRun: values['dry-run'] === true,
      yes: values.yes === true,
      root,
      env,
      print: (line) => (json ? process.stderr : process.stdout).write(`${line}\n`),
      result: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
      confirm:
        process.stdin.isTTY && !json
          ? async (question) => {
              const rl = createInterface({ input: process.stdin, output: process.stdout });
              try {
                return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
              } finally {
                rl.close();
              }
            }
          : undefined,
      config: loadOnce,
      connect: () => {
        const c = loadOnce();
        try {
          return { config: c, api: new SdkScfApi(c.namespace, c.region, env) };
        } catch (error) {
          throw new DeployError(error instanceof Error ? error.message : String(error));
        }
      },
    };
    try {
      return await body(ctx);
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`${name}: ${error.message} (see --help)\n`);
        return 2;
      }
      process.stderr.write(`${name}: ${errorMessage(error, config)}\n`);
      return 1;
    }
  };
  void run().then((code) => {
    process.exitCode = code;
  });
}

/** A whole number option within bounds, or a UsageError naming it. */
export function wholeNumber(values: Values, key: string, min: number, max: number): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${key} must be a whole number from ${String(min)} to ${String(max)}, got "${String(raw).slice(0, 20)}"`);
  }
  return Number(raw);
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a number and s, m, h or d, at most 30 days, in milliseconds; or a UsageError. */
export function parseSince(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!(ms > 0 && ms <= 30 * UNIT_MS.d!)) throw new UsageError(`--since must be like 30s, 15m, 2h or 1d (at most 30d), got "${text.slice(0, 20)}"`);
  return ms;
}
