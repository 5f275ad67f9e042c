/**
 * `npm run deploy [-- --dry-run] [--yes] [--stage S] [--json] [--config path] [--no-smoke] [--canary PERCENT
 * [--bake SECONDS]]`: deploys serverless.yml's function to SCF through its cloud API, publishes the change as a
 * version and points the alias the Function URL serves at it (directly, or as a canary that promotes or rolls
 * itself back). Exit 0 done, 1 failed (the message says what and what to do), 2 usage. SIGINT/SIGTERM during a
 * canary rolls it back before exiting.
 */
import { deploy } from './deploy';
import { describeAlias } from './release';
import { COMMON_HELP, commonOptions, ENV_HELP, runCommand, UsageError, wholeNumber, WRITE_HELP } from './command';

const HELP = `usage: npm run deploy -- [options]

Creates or updates the SCF function of serverless.yml (code, configuration, Function URL, CKafka and timer
triggers) through the SCF cloud API, waits until it is Active, publishes the change as a version, points the
alias the Function URL serves ($DEFAULT unless serverless.yml names another) at it, prints the Function URL and
smoke-checks it. A redeploy of the same build writes nothing.

options:
${WRITE_HELP} (deleting a trigger, or a function stuck in CreateFailed, needs it or a yes)
${COMMON_HELP}
  --no-smoke       skip the smoke check
  --canary PERCENT route PERCENT (1-99) of the alias's traffic to the new version, check it (health probe and
                   smoke request on that version) for --bake seconds, then promote it or roll back (exit 1)
  --bake SECONDS   how long the canary is checked (default 60; 0-3600)

--json's result line: {"function","namespace","region","writes","url","version","alias":{"name","version","weights"}}

${ENV_HELP}
`;

const DEFAULT_BAKE_SECONDS = 60;

runCommand('deploy', HELP, { ...commonOptions(true), 'no-smoke': { type: 'boolean' }, canary: { type: 'string' }, bake: { type: 'string' } }, async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const percent = wholeNumber(ctx.values, 'canary', 1, 99);
  const bake = wholeNumber(ctx.values, 'bake', 0, 3600);
  if (bake !== undefined && percent === undefined) throw new UsageError('--bake goes with --canary');
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`deploy: ${signal}: stopping (a canary rolls back first)\n`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await deploy({
      root: ctx.root,
      env: ctx.env,
      print: (line) => ctx.print(line),
      ...(typeof ctx.values.stage === 'string' ? { stage: ctx.values.stage } : {}),
      ...(typeof ctx.values.config === 'string' ? { config: ctx.values.config } : {}),
      dryRun: ctx.dryRun,
      yes: ctx.yes,
      smoke: ctx.values['no-smoke'] !== true,
      ...(ctx.confirm ? { confirm: ctx.confirm } : {}),
      ...(percent !== undefined ? { canary: { percent, bakeSeconds: bake ?? DEFAULT_BAKE_SECONDS } } : {}),
      signal: controller.signal,
    });
    if (!ctx.dryRun) {
      ctx.print(result.writes.length ? `done: ${result.writes.join(', ')}` : 'done: nothing to change');
      if (result.alias) ctx.print(`serving: ${describeAlias(result.alias)}`);
    }
    if (ctx.json) {
      const { function: fn, namespace, region, writes, url, version, alias } = result;
      const aliasOut = alias ? { name: alias.name, version: alias.version, weights: alias.weights } : null;
      ctx.result({ function: fn, namespace, region, writes, url, version, alias: aliasOut });
    }
    if (result.smoke !== undefined && !result.smoke.ok) {
      process.stderr.write("deploy: deployed, but the smoke check failed (see above): check the function's logs and configuration\n");
      return 1;
    }
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
});
