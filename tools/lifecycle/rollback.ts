/**
 * `npm run rollback [-- --to VERSION] [--dry-run] [--stage S] [--json] [--config PATH]`: points the alias the
 * Function URL serves back at the version it served before (one UpdateAlias), or at --to VERSION. The version
 * served before is the one recorded in the alias's Description by deploy and rollback; when none is recorded, the
 * newest published version below the current one. A split alias (an interrupted canary) goes back to its main
 * version. Exit 0 done (or nothing to do), 1 failed, 2 usage.
 */
import { COMMON_HELP, commonOptions, ENV_HELP, runCommand, UsageError, WRITE_HELP } from '../deploy/command';
import { DeployError } from '../deploy/deploy';
import { aliasDescription, describeAlias, previousVersion, servedAlias } from '../deploy/release';

const HELP = `usage: npm run rollback -- [--to VERSION] [options]

Points the alias the Function URL serves back at the version it served before (one UpdateAlias), or at VERSION.

options:
  --to VERSION     the version to serve (a published version number)
${WRITE_HELP}
${COMMON_HELP}

--json's result line: {"function","alias":{"name","version","weights"},"from","writes"}

${ENV_HELP}
`;

runCommand('rollback', HELP, { ...commonOptions(true), to: { type: 'string' } }, async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const to = ctx.values.to;
  if (to !== undefined && (typeof to !== 'string' || !/^\d+$/.test(to)))
    throw new UsageError(`--to must be a version number, got "${String(to).slice(0, 20)}"`);
  const { config, api } = ctx.connect();
  const fn = config.fn.name;
  const name = servedAlias(config);
  if (name === null) throw new DeployError('the Function URL serves $LATEST (serverless.yml), so there is no alias to roll back');
  if ((await api.getFunction(fn)) === null) throw new DeployError(`${fn} does not exist: nothing to roll back`);
  const alias = await api.getAlias(fn, name);
  if (alias === null) throw new DeployError(`${fn} has no alias ${name}: deploy first`);
  const versions = (await api.listVersions(fn)).map((v) => v.version);
  let target: string | null;
  if (typeof to === 'string') {
    if (!versions.includes(to)) throw new DeployError(`${fn} has no version ${to} (published: ${versions.join(', ') || 'none'})`);
    target = to;
  } else if (alias.weights.length > 0) {
    target = alias.version;
  } else {
    const recorded = previousVersion(alias);
    const below = versions.filter((v) => Number(v) < Number(alias.version)).at(-1) ?? null;
    target = recorded !== null && versions.includes(recorded) ? recorded : below;
  }
  ctx.print(`${fn}: ${describeAlias(alias)}`);
  const report = (version: string, writes: string[]) =>
    ctx.json && ctx.result({ function: fn, alias: { name, version, weights: [] }, from: alias.version, writes });
  if (target === null)
    throw new DeployError(`no version to roll back to: ${name} serves version ${alias.version} and none was served before it; give --to VERSION`);
  if (target === alias.version && alias.weights.length === 0) {
    ctx.print(`nothing to roll back: ${name} already serves version ${target} alone`);
    report(target, []);
    return 0;
  }
  const next = { name, version: target, weights: [], description: aliasDescription(alias.version) };
  ctx.print(`plan: UpdateAlias ${describeAlias(next)}`);
  if (ctx.dryRun) {
    ctx.print('dry run: nothing written');
    report(alias.version, []);
    return 0;
  }
  await api.updateAlias(fn, next);
  ctx.print(`UpdateAlias ${describeAlias(next)}`);
  ctx.print(`done: ${name} serves version ${target} (was ${alias.version}); npm run rollback again returns to ${alias.version}`);
  report(target, ['UpdateAlias']);
  return 0;
});
