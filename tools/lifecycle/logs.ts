/**
 * `npm run logs [-- --since 15m] [--request-id ID] [--follow] [--stage S] [--json] [--config PATH]`: the function's
 * log lines from CLS (SearchLog on the topic GetFunction names in ClsTopicId), newest last, the function's JSON
 * lines shown readably. --follow keeps polling until Ctrl-C. --json prints one JSON object per line instead.
 */
import { SdkClsApi, type LogEntry } from '../deploy/cls-api';
import { COMMON_HELP, commonOptions, parseSince, runCommand, UsageError } from '../deploy/command';
import { DeployError } from '../deploy/deploy';
import { readableLine } from '../deploy/readable-log';

const HELP = `usage: npm run logs -- [--since 15m] [--request-id ID] [--follow] [options]

Prints the function's log lines from CLS, oldest first (each line: time, request id, the line).

options:
  --since D        how far back: a number and s, m, h or d (default 15m; at most 30d)
  --request-id ID  one invocation's lines only
  --follow         keep printing new lines until Ctrl-C
${COMMON_HELP}

environment: as npm run deploy, plus CLS_ENDPOINT (default https://cls.tencentcloudapi.com)
`;

const FOLLOW_MS = 2000;

function show(e: LogEntry): string {
  const f = e.fields;
  const at = new Date(e.time).toISOString().replace('T', ' ').slice(0, 23);
  return `${at} ${(f.SCF_RequestId ?? '').slice(0, 8).padEnd(8)} ${readableLine(f.SCF_Message ?? '')}`;
}

runCommand('logs', HELP, { ...commonOptions(false), since: { type: 'string' }, 'request-id': { type: 'string' }, follow: { type: 'boolean' } }, async (ctx) => {
  if (ctx.positionals.length > 0) throw new UsageError(`unexpected argument "${ctx.positionals[0] ?? ''}"`);
  const sinceMs = parseSince(typeof ctx.values.since === 'string' ? ctx.values.since : '15m');
  const requestId = ctx.values['request-id'];
  if (requestId !== undefined && (typeof requestId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(requestId))) {
    throw new UsageError('--request-id must be a request id (letters, digits and -)');
  }
  const { config, api } = ctx.connect();
  const fn = config.fn.name;
  const state = await api.getFunction(fn);
  if (state === null) throw new DeployError(`${fn} does not exist: no logs`);
  if (!state.clsTopicId) throw new DeployError(`${fn} delivers no logs to CLS (GetFunction reports no ClsTopicId): set its log delivery in the SCF console`);
  let cls: SdkClsApi;
  try {
    cls = new SdkClsApi(config.region, ctx.env);
  } catch (error) {
    throw new DeployError(error instanceof Error ? error.message : String(error));
  }
  const query = `SCF_FunctionName:"${fn}"${typeof requestId === 'string' ? ` AND SCF_RequestId:"${requestId}"` : ''}`;
  const seen = new Set<string>();
  const emit = (entries: readonly LogEntry[]): void => {
    for (const e of entries) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      if (ctx.json) ctx.result({ time: new Date(e.time).toISOString(), ...e.fields });
      else process.stdout.write(`${show(e)}\n`);
    }
  };
  let from = Date.now() - sinceMs;
  const first = await cls.search({ topicId: state.clsTopicId, from, to: Date.now() + 1, query });
  emit(first);
  if (first.length === 0 && ctx.values.follow !== true) ctx.print(`no log lines for ${fn} in the last ${String(ctx.values.since ?? '15m')}`);
  if (ctx.values.follow !== true) return 0;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
    if (stopped) break;
    const to = Date.now() + 1;
    const lines = await cls.search({ topicId: state.clsTopicId, from: from - 10_000, to, query });
    emit(lines);
    from = to;
  }
  return 0;
});
