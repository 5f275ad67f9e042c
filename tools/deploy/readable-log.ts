/**
 * The function's JSON log lines (`{"level","time","msg",…fields}`, one per line) shown readably (pure):
 * `INFO  report recorded  requestId=… status=200`. Any other line is shown as it is, trimmed.
 */

function scalar(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

export function readableLine(line: string): string {
  const text = line.trim();
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return text;
  const { level, msg, time, ...fields } = parsed as Record<string, unknown>;
  if (typeof level !== 'string' || typeof msg !== 'string') return text;
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${scalar(v)}`)
    .join(' ');
  const at = typeof time === 'string' ? `${time.slice(11, 23)} ` : '';
  return `${at}${level.toUpperCase().padEnd(5)} ${msg}${rest ? `  ${rest}` : ''}`;
}

/** Invoke's Log: plain text, or base64 of it (the encoding of the real API's Log is not documented). */
export function decodeLog(log: string): string {
  if (log === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(log) || log.length % 4 !== 0) return log;
  const text = Buffer.from(log, 'base64').toString('utf8');
  return /RequestId|^[\x20-\x7e\s]*$/.test(text) && !text.includes('\uFFFD') ? text : log;
}
