/**
 * `npm run invoke`: without --remote, the local invoke (tools/cli/invoke.ts, run as it always was); with
 * `--remote <event.json | -> [--qualifier Q]`, invokes the deployed function synchronously with the log tail
 * (Invoke, LogType Tail) and prints its result on stdout, its log lines (readably) and a REPORT line on stderr, as
 * the local invoke does. The qualifier defaults to the alias the Function URL serves. Exit 0, 1 when the function
 * failed or the call did, 2 usage.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { presentResult } from '../cli/invoke';
import { COMMON_HELP, commonOptions, ENV_HELP, runCommand, UsageError } from '../deploy/command';
import { DeployError } from '../deploy/deploy';
import { decodeLog, readableLine } from '../deploy/readable-log';
import { LATEST, servedAlias } from '../deploy/release';

const HELP = `usage: npm run invoke -- --remote <event.json | -> [--qualifier Q] [options]

Invokes the deployed function on the event (synchronously, with the log tail) and prints its result on stdout,
its log lines and a REPORT line on stderr. Without --remote, npm run invoke runs the function locally (--help
without --remote explains that).

options:
  --remote FILE    the event (a JSON file; - reads stdin)
  --qualifier Q    the version or alias to invoke (default: the alias the Function URL serves)
${COMMON_HELP}

--json's result line: {"requestId","result","errMsg","durationMs","billDurationMs","memUsage","log"}

${ENV_HELP}
`;

const argv = process.argv.slice(2);
if (!argv.some((a) => a === '--remote' || a.startsWith('--remote='))) {
  const local = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'cli', 'invoke.ts'), ...argv], { stdio: 'inherit' });
  process.exitCode = local.status ?? 1;
} else {
  runCommand('invoke', HELP, { ...commonOptions(false), remote: { type: 'string' }, qualifier: { type: 'string' } }, async (ctx) => {
    if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
    const file = ctx.values.remote;
    if (typeof file !== 'string' || file === '') throw new UsageError('--remote needs an event file (or - for stdin)');
    const qualifier = ctx.values.qualifier;
    if (qualifier !== undefined && (typeof qualifier !== 'string' || !/^(\$LATEST|\$DEFAULT|[A-Za-z0-9_-]{1,64})$/.test(qualifier))) {
      throw new UsageError('--qualifier must be $LATEST, a version number or an alias name');
    }
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(file === '-' ? 0 : path.resolve(ctx.root, file), 'utf8'));
    } catch (error) {
      throw new UsageError(
        `the event ${file === '-' ? 'on stdin' : file} is not readable JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
    const { config, api } = ctx.connect();
    const q = typeof qualifier === 'string' ? qualifier : (servedAlias(config) ?? LATEST);
    const r = await api.invoke(config.fn.name, event, { qualifier: q, logTail: true });
    if (r.functionRequestId === '' && r.errMsg === '' && r.retMsg === '') throw new DeployError('SCF answered no result');
    const log = decodeLog(r.log);
    for (const line of log.split('\n').filter((l) => l.trim() !== '')) process.stderr.write(`${readableLine(line)}\n`);
    const mem = ((r.memUsage ?? 0) / 1048576).toFixed(1);
    process.stderr.write(
      `REPORT RequestId: ${r.functionRequestId} Duration: ${r.durationMs.toFixed(2)} ms Billed Duration: ${String(r.billDurationMs ?? 0)} ms ` +
        `Memory: ${String(config.fn.memorySize)} MB MaxMemoryUsed: ${mem} MB (${config.fn.name}, ${q})\n`,
    );
    let result: unknown = r.retMsg;
    try {
      result = r.retMsg === '' ? null : presentResult(JSON.parse(r.retMsg));
    } catch {
      result = r.retMsg;
    }
    if (ctx.json) {
      const { functionRequestId: requestId, errMsg, durationMs, billDurationMs, memUsage } = r;
      ctx.result({ requestId, result, errMsg, durationMs, billDurationMs, memUsage, log });
    } else if (r.errMsg === '') {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    }
    if (r.errMsg !== '') {
      process.stderr.write(`invoke: the function failed: ${r.errMsg.slice(0, 500)}\n`);
      return 1;
    }
    return 0;
  });
}
