/**
 * `npm run dead-letters -- list | replay [--key K] [--from FILE] | drop --key K [--json]`: the operator's view of
 * the dead-letter store (docs/reliability.md, "Parked reports"). `list` shows the two kinds apart (waiting for the
 * Timer trigger's drain, given up); `replay` sends parked reports through the same idempotent path as the function
 * (a report whose key is recorded is answered from the idempotency store, not written again) and removes each one
 * recorded; `--from FILE` replays the `report parked` lines of an exported log instead (no Redis). Reads the
 * function's variables (REDIS_URL, the credentials, TRTC_ENDPOINT, …) from the environment.
 */
import { readFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from './args';
import { sharedDeadLetterStore } from '../../lib/dead-letter/create';
import { fromLogged, PARKED_LOG_MESSAGE } from '../../lib/dead-letter/log-store';
import type { DeadLetterStore, ParkedEntry } from '../../lib/dead-letter/store';
import { prepareInvocation } from '../../lib/invocation';
import { deliverOnce } from '../../lib/pipeline';
import { validateReport } from '../../lib/report';
import type { Env } from '../../lib/config';

export const DEAD_LETTERS_USAGE = 'usage: npm run dead-letters -- list | replay [--key K] [--from FILE] | drop --key K [--json]';

/** What one replayed entry came to. */
export interface ReplayResult {
  readonly key: string;
  readonly outcome: 'recorded' | 'already-recorded' | 'invalid' | 'not-recorded';
  readonly requestId?: string;
  readonly code?: string;
  readonly message?: string;
}

/** The `report parked` entries of exported log lines (one JSON object a line), the latest per key. */
export function entriesFromLog(text: string): ParkedEntry[] {
  const byKey = new Map<string, ParkedEntry>();
  for (const line of text.split('\n')) {
    if (!line.includes(PARKED_LOG_MESSAGE)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const record = parsed as { msg?: unknown; parked?: unknown };
    if (record.msg !== PARKED_LOG_MESSAGE) continue;
    const entry = fromLogged(record.parked);
    if (entry) byKey.set(entry.key, entry);
  }
  return [...byKey.values()];
}

/** Sends one parked report again through the idempotent path; `drop` removes it once TRTC holds it. */
export async function replayEntry(entry: ParkedEntry, env: Env, write: (line: string) => void): Promise<ReplayResult> {
  const validated = validateReport(entry.report as unknown as Record<string, unknown>);
  if (!validated.ok) return { key: entry.key, outcome: 'invalid', message: validated.problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  const prepared = prepareInvocation(undefined, { env, write, source: 'replay' });
  if (!prepared.ok) throw new UsageError(`invalid configuration: ${prepared.errors.join('; ')}`);
  const outcome = await deliverOnce(validated.report, prepared.inv, entry.key, `${prepared.inv.id}:replay`, true);
  if (outcome.ok) return { key: entry.key, outcome: outcome.replayed ? 'already-recorded' : 'recorded', requestId: outcome.requestId };
  return { key: entry.key, outcome: 'not-recorded', code: outcome.failure.code, message: outcome.failure.message };
}

function describe(entry: ParkedEntry): string {
  const at = new Date(entry.parkedAt).toISOString();
  return `  ${entry.key}\n    parked ${at} from ${entry.source}, ${entry.deliveries} deliveries, ${entry.attempts} unanswered sends\n    ${entry.reason}`;
}

/** Runs the command; returns the exit code. */
export async function deadLetters(argv: readonly string[], env: Env, out: (text: string) => void, logLine: (line: string) => void = () => {}): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    key: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    out(`${DEAD_LETTERS_USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]!.slice(0, 40)}`);
  const redisUrl = env['REDIS_URL']?.trim();
  const needsRedis = !(command === 'replay' && values.from !== undefined);
  if (needsRedis && !redisUrl) throw new UsageError(`${command} needs REDIS_URL (without Redis, parked reports are log lines: replay --from FILE)`);
  const store: DeadLetterStore = sharedDeadLetterStore(redisUrl ? { redisUrl } : {});
  try {
    switch (command) {
      case 'list': {
        const entries = await store.list();
        const waiting = entries.filter((e) => e.kind === 'waiting');
        const givenUp = entries.filter((e) => e.kind === 'given-up');
        if (values.json) out(`${JSON.stringify({ waiting, givenUp })}\n`);
        else {
          out(`waiting to drain (${waiting.length}):\n${waiting.map(describe).join('\n')}${waiting.length ? '\n' : ''}`);
          out(`given up (${givenUp.length}):\n${givenUp.map(describe).join('\n')}${givenUp.length ? '\n' : ''}`);
        }
        return 0;
      }
      case 'drop': {
        if (values.key === undefined) throw new UsageError('drop needs --key K');
        const dropped = await store.drop(values.key);
        out(values.json ? `${JSON.stringify({ key: values.key, dropped })}\n` : `${dropped ? 'dropped' : 'no such entry'}: ${values.key}\n`);
        return dropped ? 0 : 1;
      }
      case 'replay': {
        let entries = values.from !== undefined ? entriesFromLog(readFileSync(values.from, 'utf8')) : await store.list();
        if (values.key !== undefined) entries = entries.filter((e) => e.key === values.key);
        if (values.key !== undefined && entries.length === 0) throw new UsageError(`no parked report with key ${values.key.slice(0, 200)}`);
        const results: ReplayResult[] = [];
        for (const entry of entries) {
          const result = await replayEntry(entry, env, logLine);
          results.push(result);
          if (values.from === undefined && (result.outcome === 'recorded' || result.outcome === 'already-recorded')) await store.drop(entry.key);
        }
        if (values.json) out(`${JSON.stringify({ results })}\n`);
        else
          for (const r of results)
            out(`${r.outcome}: ${r.key}${r.requestId ? ` (RequestId ${r.requestId})` : ''}${r.code ? ` (${r.code}: ${r.message ?? ''})` : ''}\n`);
        return results.every((r) => r.outcome === 'recorded' || r.outcome === 'already-recorded') ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command ${command.slice(0, 40)}: list, replay or drop`);
    }
  } finally {
    await store.close();
  }
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  deadLetters(
    process.argv.slice(2),
    process.env,
    (text) => process.stdout.write(text),
    (line) => process.stderr.write(`${line}\n`),
  ).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n${DEAD_LETTERS_USAGE}\n`);
        process.exit(2);
      }
      process.stderr.write(`dead-letters failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
