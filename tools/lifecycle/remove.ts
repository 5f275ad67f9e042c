/**
 * `npm run remove [-- --yes] [--dry-run] [--stage S] [--json] [--config PATH]`: deletes the function's triggers,
 * then the function (its versions and aliases go with it), waiting until SCF no longer reports it. Asks on a
 * terminal; refused without --yes otherwise. Run twice, the second run says there is nothing to remove (exit 0).
 */
import { COMMON_HELP, commonOptions, ENV_HELP, runCommand, UsageError, WRITE_HELP } from '../deploy/command';
import { DeployError } from '../deploy/deploy';

const HELP = `usage: npm run remove -- [--yes] [options]

Deletes the function of serverless.yml (for the stage) from SCF: its triggers first (the Function URL stops
working), then the function with its versions and aliases.

options:
${WRITE_HELP} (without it, a terminal is asked and anything else is refused)
${COMMON_HELP}

--json's result line: {"function","removed":[…]}

${ENV_HELP}
`;

const POLL_MS = 500;
const WAIT_MS = 5 * 60_000;

runCommand('remove', HELP, commonOptions(true), async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const { config, api } = ctx.connect();
  const fn = config.fn.name;
  const state = await api.getFunction(fn);
  if (state === null) {
    ctx.print(`nothing to remove: ${fn} does not exist (namespace ${config.namespace}, region ${config.region})`);
    if (ctx.json) ctx.result({ function: fn, removed: [] });
    return 0;
  }
  const triggers = await api.listTriggers(fn);
  const plan = [...triggers.map((t) => `DeleteTrigger ${t.type} ${t.name}`), `DeleteFunction ${fn}`];
  for (const p of plan) ctx.print(`plan: ${p}`);
  if (ctx.dryRun) {
    ctx.print('dry run: nothing written');
    if (ctx.json) ctx.result({ function: fn, removed: [] });
    return 0;
  }
  if (!ctx.yes) {
    const question = `delete ${fn} and its ${String(triggers.length)} trigger(s) (the Function URL stops working)?`;
    const ok = ctx.confirm ? await ctx.confirm(question) : false;
    if (!ok) throw new DeployError(`removing ${fn} deletes it and its triggers: nothing was written; run again with --yes to allow it`);
  }
  const removed: string[] = [];
  for (const t of triggers) {
    ctx.print(`DeleteTrigger ${t.type} ${t.name}`);
    await api.deleteTrigger(fn, t);
    removed.push(`trigger ${t.type} ${t.name}`);
  }
  ctx.print(`DeleteFunction ${fn}`);
  await api.deleteFunction(fn);
  const start = Date.now();
  while ((await api.getFunction(fn)) !== null) {
    if (Date.now() - start > WAIT_MS) throw new DeployError(`${fn} is still reported after ${String(WAIT_MS / 1000)} s; check it in the SCF console`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  removed.push(`function ${fn}`);
  ctx.print(`  deleted after ${((Date.now() - start) / 1000).toFixed(1)} s`);
  ctx.print(`done: removed ${removed.join(', ')}`);
  if (ctx.json) ctx.result({ function: fn, removed });
  return 0;
});
