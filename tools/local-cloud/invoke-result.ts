/**
 * SCF's Invoke `Result` from an invocation outcome (pure): RetMsg = JSON of the return value, ErrMsg, Log (the
 * last 4 KB with LogType Tail, framed by SCF's START/END/Report lines), Duration, BillDuration, MemUsage,
 * FunctionRequestId, InvokeResult (0, or the function status code: 430 user code error, 433 timeout, 434 memory limit
 * exceeded, 500 an event the local SCF could not hand to the function).
 */
import { memoryMessage, type InvocationOutcome } from './instances';

export const LOG_TAIL_BYTES = 4096;
export const STATUS_USER_ERROR = 430;
export const STATUS_TIMEOUT = 433;
export const STATUS_MEMORY = 434;
export const STATUS_SYSTEM_ERROR = 500;

export interface ScfResult {
  Log: string;
  RetMsg: string;
  ErrMsg: string;
  MemUsage: number;
  Duration: number;
  BillDuration: number;
  FunctionRequestId: string;
  InvokeResult: number;
}

export function errorMessage(outcome: InvocationOutcome, timeoutSeconds: number): string {
  switch (outcome.kind) {
    case 'ok':
      return '';
    case 'error':
      return outcome.errorMessage;
    case 'timeout':
      return `Invoking task timed out after ${String(timeoutSeconds)} seconds`;
    case 'memory':
      return memoryMessage(outcome.memUsage, outcome.limitMb);
    case 'undeliverable':
    case 'crash':
    case 'init-error':
      return outcome.message;
  }
}

export function statusCode(outcome: InvocationOutcome): number {
  switch (outcome.kind) {
    case 'ok':
      return 0;
    case 'timeout':
      return STATUS_TIMEOUT;
    case 'memory':
      return STATUS_MEMORY;
    case 'undeliverable':
      return STATUS_SYSTEM_ERROR;
    default:
      return STATUS_USER_ERROR;
  }
}

/** The last `bytes` of `text`, cut at a character boundary. */
export function tail(text: string, bytes = LOG_TAIL_BYTES): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  return buffer
    .subarray(buffer.length - bytes)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
}

export function scfResult(outcome: InvocationOutcome, requestId: string, timeoutSeconds: number, logType: 'None' | 'Tail'): ScfResult {
  const code = statusCode(outcome);
  const message = errorMessage(outcome, timeoutSeconds);
  const duration = Math.round(outcome.durationMs * 1000) / 1000;
  const billDuration = Math.max(1, Math.ceil(outcome.durationMs));
  const log =
    `START RequestId: ${requestId}\n${outcome.log}${outcome.log === '' || outcome.log.endsWith('\n') ? '' : '\n'}` +
    (code === 0 ? '' : `${message}\n`) +
    `END RequestId: ${requestId}\n` +
    `Report RequestId: ${requestId} Duration:${String(duration)}ms Memory:${String(Math.ceil(outcome.memUsage / 1048576))}MB MemUsage:${String(outcome.memUsage)}\n`;
  return {
    Log: logType === 'Tail' ? tail(log) : '',
    RetMsg: outcome.kind === 'ok' ? outcome.retMsg : '',
    ErrMsg: code === 0 ? '' : JSON.stringify({ errorCode: code, errorMessage: message, statusCode: code }),
    MemUsage: outcome.memUsage,
    Duration: duration,
    BillDuration: billDuration,
    FunctionRequestId: requestId,
    InvokeResult: code,
  };
}
