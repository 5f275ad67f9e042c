/**
 * `npm run info [-- --stage S] [--json] [--config PATH]`: what is deployed: status, runtime, memory, timeout, the
 * Function URL, the triggers, the alias the URL serves and its weights, the last versions, and whether the served
 * code is this checkout's build (GetFunctionAddress's CodeSha256 against the SHA-256 of the zip deploy would upload).
 */
import { buildArtifact } from '../deploy/artifact';
import { COMMON_HELP, commonOptions, ENV_HELP, runCommand, UsageError } from '../deploy/command';
import { DeployError } from '../deploy/deploy';
import { extranetUrl, sameCode } from '../deploy/plan';
import { describeAlias, servedAlias } from '../deploy/release';

const HELP = `usage: npm run info -- [options]

Shows the deployed function: status, runtime, memory, timeout, Function URL, triggers, the alias and its weights,
the last versions, and whether the served code is this checkout's build.

options:
${COMMON_HELP}

${ENV_HELP}
`;

const LAST_VERSIONS = 5;

runCommand('info', HELP, commonOptions(false), async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const { config, api } = ctx.connect();
  const fn = config.fn.name;
  const state = await api.getFunction(fn);
  if (state === null) throw new DeployError(`${fn} does not exist (namespace ${config.namespace}, region ${config.region}): npm run deploy creates it`);
  const triggers = await api.listTriggers(fn);
  const aliasName = servedAlias(config);
  const alias = aliasName === null ? null : await api.getAlias(fn, aliasName);
  const versions = (await api.listVersions(fn)).slice(-LAST_VERSIONS);
  const servedQualifier = alias?.version ?? '$LATEST';
  const deployed = await api.codeSha256(fn, servedQualifier);
  let build: string | null = null;
  try {
    build = buildArtifact(ctx.root, config.fn.codeDir, config.fn.handler).sha256;
  } catch {
    build = null; // no build in this checkout: reported as unknown below
  }
  const url = triggers.map((t) => (t.type === 'http' ? extranetUrl(t.desc) : null)).find((u) => u !== null) ?? null;
  const matches = build === null || deployed === null ? null : sameCode(deployed, build);
  const out = {
    function: fn,
    namespace: config.namespace,
    region: config.region,
    status: state.status,
    runtime: state.runtime,
    memorySize: state.memorySize,
    timeout: state.timeout,
    url,
    triggers: triggers.map((t) => ({ type: t.type, name: t.name, qualifier: t.qualifier, enabled: t.enable })),
    alias: alias === null ? null : { name: alias.name, version: alias.version, weights: alias.weights },
    versions: versions.map((v) => ({ version: v.version, description: v.description, addTime: v.addTime, status: v.status })),
    code: { served: servedQualifier, sha256: deployed, build, matches },
  };
  ctx.print(`${fn} (namespace ${config.namespace}, region ${config.region}): ${state.status}`);
  ctx.print(`  runtime ${state.runtime}, memory ${String(state.memorySize)} MB, timeout ${String(state.timeout)} s`);
  ctx.print(`  Function URL: ${url ?? '(none reported)'}`);
  for (const t of triggers) ctx.print(`  trigger ${t.type} ${t.name} (${t.qualifier}, ${t.enable ? 'enabled' : 'disabled'})`);
  ctx.print(`  alias: ${alias === null ? (aliasName === null ? 'none (the URL serves $LATEST)' : `${aliasName} does not exist`) : describeAlias(alias)}`);
  ctx.print(`  versions: ${versions.map((v) => `${v.version}${v.description ? ` (${v.description})` : ''}`).join(', ') || 'none published'}`);
  const verdict = matches === null ? 'unknown (no build here, or no hash reported)' : matches ? "this checkout's build" : "NOT this checkout's build";
  ctx.print(`  code served (${servedQualifier}): ${deployed === null ? 'no hash reported' : `${deployed.slice(0, 12)}…`}: ${verdict}`);
  if (ctx.json) ctx.result(out);
  return 0;
});
