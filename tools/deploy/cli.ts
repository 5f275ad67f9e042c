/**
 * `npm run deploy [-- --dry-run] [--yes] [--stage S] [--json] [--config path]`: deploys serverless.yml's function
 * to SCF through its cloud API. Exit 0 done, 1 failed (the message says what and what to do), 2 usage.
 * Without --json each step is printed on stdout as it happens; with --json the steps go to stderr and the last
 * line on stdout is {"function","namespace","region","writes","url"}.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { deploy, DeployError } from './deploy';

const HELP = `usage: npm run deploy -- [options]

Creates or updates the SCF function of serverless.yml (code, configuration, Function URL, CKafka and timer
triggers) through the SCF cloud API, waits until it is Active, prints the Function URL and smoke-checks it.

options:
  --dry-run        print the plan (what would be created or changed, and why); write nothing
  --yes            never ask (deleting a trigger, or a function stuck in CreateFailed, needs it or a yes)
  --stage S        the stage: the function is named <service>-<S>-<function> (default provider.stage, else dev)
  --json           print the steps on stderr and, last on stdout, {"function","namespace","region","writes","url"}
  --config PATH    the configuration file (default serverless.yml)
  --no-smoke       skip the smoke check
  -h, --help       this help

environment:
  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY [, TENCENTCLOUD_SESSION_TOKEN]   the deploying identity's keys
  TENCENTCLOUD_REGION   the region (default provider.region)
  SCF_ENDPOINT          the SCF API endpoint as a full URL (default https://scf.tencentcloudapi.com)
`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean' },
        stage: { type: 'string' },
        json: { type: 'boolean' },
        config: { type: 'string' },
        'no-smoke': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`deploy: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = values.json === true;
  const print = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const confirm =
    process.stdin.isTTY && !json
      ? async (question: string) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
          } finally {
            rl.close();
          }
        }
      : undefined;
  try {
    const result = await deploy({
      root: process.cwd(),
      env: process.env,
      print,
      ...(values.stage !== undefined ? { stage: values.stage } : {}),
      ...(values.config !== undefined ? { config: values.config } : {}),
      dryRun: values['dry-run'] === true,
      yes: values.yes === true,
      smoke: values['no-smoke'] !== true,
      ...(confirm ? { confirm } : {}),
    });
    const smokeFailed = result.smoke !== undefined && !result.smoke.ok;
    if (!values['dry-run']) print(result.writes.length ? `done: ${result.writes.join(', ')}` : 'done: nothing to change');
    if (json) {
      const { function: fn, namespace, region, writes, url } = result;
      process.stdout.write(`${JSON.stringify({ function: fn, namespace, region, writes, url })}\n`);
    }
    if (smokeFailed) {
      process.stderr.write("deploy: deployed, but the smoke check failed (see above): check the function's logs and configuration\n");
      return 1;
    }
    return 0;
  } catch (error) {
    const message = error instanceof DeployError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`deploy: ${message}\n`);
    return 1;
  }
}

// A reader that goes away (`npm run deploy -- --help | head -3`) ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
