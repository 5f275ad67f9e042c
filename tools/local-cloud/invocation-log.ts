/**
 * One finished invocation of the local SCF, as the console shows it and as CLS stores it (pure): the function's own
 * lines (SCF_Type Custom) framed by SCF's platform lines (START, END, Report; SCF_Type Platform), in the documented
 * key:value format of SCF's CLS delivery.
 */
import type { InvocationOutcome } from './instances';
import { errorMessage, statusCode } from './invoke-result';

export type InvocationTrigger = 'invoke' | 'url' | 'timer' | 'ckafka';

export interface InvocationRecord {
  readonly function: string;
  readonly namespace: string;
  readonly region: string;
  readonly trigger: InvocationTrigger;
  /** The qualifier asked for ($LATEST, $DEFAULT, an alias, a version). */
  readonly qualifier: string;
  /** The version that ran ($LATEST or a number). */
  readonly version: string;
  readonly alias?: string;
  readonly requestId: string;
  readonly startedAt: number;
  readonly durationMs: number;
  /** 0, or SCF's function status code (430 user error, 433 timeout). */
  readonly statusCode: number;
  /** What the caller got: an HTTP status for a Function URL, else "ok" or the error message. */
  readonly status: string;
  /** The function's own output during the invocation, line by line. */
  readonly lines: readonly string[];
  readonly memUsage: number;
}

export function invocationRecord(
  base: Omit<InvocationRecord, 'durationMs' | 'statusCode' | 'status' | 'lines' | 'memUsage'>,
  outcome: InvocationOutcome,
  timeoutSeconds: number,
  status?: string,
): InvocationRecord {
  const code = statusCode(outcome);
  return {
    ...base,
    durationMs: Math.round(outcome.durationMs * 1000) / 1000,
    statusCode: code,
    status: status ?? (code === 0 ? 'ok' : `${String(code)} ${errorMessage(outcome, timeoutSeconds)}`),
    lines: outcome.log.split('\n').filter((l) => l.trim() !== ''),
    memUsage: outcome.memUsage,
  };
}

/** The CLS lines of an invocation, oldest first. */
export function clsLines(r: InvocationRecord): { time: number; fields: Record<string, string> }[] {
  const common = {
    SCF_FunctionName: r.function,
    SCF_Namespace: r.namespace,
    SCF_RequestId: r.requestId,
    SCF_Qualifier: r.version,
    SCF_Alias: r.alias ?? '',
    SCF_RetryNum: '0',
    SCF_StartTime: String(r.startedAt),
  };
  const end = r.startedAt + Math.ceil(r.durationMs);
  const platform = (time: number, message: string, extra: Record<string, string> = {}) => ({
    time,
    fields: { ...common, SCF_LogTime: String(time), SCF_Type: 'Platform', SCF_Level: 'INFO', SCF_Message: message, ...extra },
  });
  return [
    platform(r.startedAt, `START RequestId: ${r.requestId}`),
    ...r.lines.map((message) => ({
      time: r.startedAt,
      fields: { ...common, SCF_LogTime: String(r.startedAt), SCF_Type: 'Custom', SCF_Level: 'INFO', SCF_Message: message },
    })),
    platform(end, `END RequestId: ${r.requestId}`),
    platform(
      end,
      `Report RequestId: ${r.requestId} Duration:${String(r.durationMs)}ms Memory:${String(Math.ceil(r.memUsage / 1048576))}MB MemUsage:${String(r.memUsage)}`,
      { SCF_Duration: String(Math.ceil(r.durationMs)), SCF_MemUsage: String(r.memUsage), SCF_StatusCode: String(r.statusCode === 0 ? 200 : r.statusCode) },
    ),
  ];
}

/** The console's view of an invocation: one summary line, then the function's own lines shown readably. */
export function describeInvocation(r: InvocationRecord, readable: (line: string) => string): string[] {
  const at = new Date(r.startedAt).toISOString().slice(11, 23);
  const served = r.qualifier === r.version ? r.version : `${r.qualifier} → ${r.version === '$LATEST' ? r.version : `version ${r.version}`}`;
  return [
    `${at} ${r.trigger.padEnd(6)} ${r.function} ${served}: ${r.status} in ${r.durationMs.toFixed(1)} ms (RequestId ${r.requestId})`,
    ...r.lines.map((line) => `    ${readable(line)}`),
  ];
}
