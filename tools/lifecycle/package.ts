/**
 * `npm run package [-- --out PATH] [--stage S] [--json] [--config PATH]`: writes the exact zip `npm run deploy`
 * uploads (same files, same bytes) and prints its path and SHA-256, for Terraform's `zip_file` or a pipeline's own
 * upload. Needs no cloud keys. Default path: .serverless/<function>.zip.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildArtifact } from '../deploy/artifact';
import { COMMON_HELP, commonOptions, runCommand, UsageError } from '../deploy/command';
import { DeployError } from '../deploy/deploy';

const HELP = `usage: npm run package -- [--out PATH] [options]

Writes the code package npm run deploy uploads (the build's files at the zip's root, byte-for-byte deterministic)
and prints its path and SHA-256.

options:
  --out PATH       where to write it (default .serverless/<function>.zip)
${COMMON_HELP}

--json's result line: {"path","sha256","bytes"}
`;

runCommand('package', HELP, { ...commonOptions(false), out: { type: 'string' } }, async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const config = ctx.config();
  const fn = config.fn;
  let artifact;
  try {
    artifact = buildArtifact(ctx.root, fn.codeDir, fn.handler);
  } catch (error) {
    throw new DeployError(error instanceof Error ? error.message : String(error));
  }
  const out = path.resolve(ctx.root, typeof ctx.values.out === 'string' ? ctx.values.out : path.join('.serverless', `${fn.name}.zip`));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, artifact.zip);
  ctx.print(`${path.relative(ctx.root, out) || out}: ${String(artifact.zip.length)} bytes (${artifact.files.map((f) => f.entry).join(', ')})`);
  ctx.print(`sha256 ${artifact.sha256}`);
  if (ctx.json) ctx.result({ path: out, sha256: artifact.sha256, bytes: artifact.zip.length });
  return 0;
});
