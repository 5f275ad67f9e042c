/**
 * SCF timer cron expressions (pure): 7 fields `second minute hour day-of-month month day-of-week year`, or the
 * 5-field form `minute hour day-of-month month day-of-week` (second 0, any year). Each field: `*`, `?` (day
 * fields), a value, `a-b`, a list `a,b`, and steps `* /n` or `a-b/n`; months JAN-DEC, weekdays SUN-SAT (0 = Sunday,
 * 7 too). When both day fields are restricted a time matches either (as cron does). Evaluated in UTC.
 */
export interface Cron {
  readonly fields: readonly ReadonlySet<number>[];
  /** Day-of-month / day-of-week were written as `*` or `?`. */
  readonly anyDayOfMonth: boolean;
  readonly anyDayOfWeek: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const SPECS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
  { name: 'year', min: 1970, max: 2099 },
];

export type CronParse = { ok: true; cron: Cron } | { ok: false; reason: string };

function value(text: string, spec: FieldSpec): number | undefined {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named !== -1) return spec.name === 'month' ? named + 1 : named;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

function field(text: string, spec: FieldSpec): Set<number> | string {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) return `${spec.name}: "${part}" has two steps`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,4}$/.test(stepText) || Number(stepText) === 0) return `${spec.name}: step "${stepText}" must be a positive integer`;
      step = Number(stepText);
    }
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*' || (range === '?' && (spec.name === 'day-of-month' || spec.name === 'day-of-week'))) {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = value(a, spec);
      to = value(b, spec);
      if (from === undefined || to === undefined || from > to) return `${spec.name}: "${range}" is not a range within ${String(spec.min)}-${String(spec.max)}`;
    } else {
      from = value(range, spec);
      if (from === undefined) return `${spec.name}: "${range}" is not a value within ${String(spec.min)}-${String(spec.max)}`;
      to = stepText === undefined ? from : spec.max;
    }
    for (let n = from; n <= to; n += step) out.add(spec.name === 'day-of-week' && n === 7 ? 0 : n);
  }
  return out;
}

export function parseCron(expression: string): CronParse {
  let parts = expression.trim().split(/\s+/);
  if (parts.length === 5) parts = ['0', ...parts, '*'];
  if (parts.length !== 7) return { ok: false, reason: `expected 7 fields (second minute hour day month weekday year), got ${String(parts.length)}` };
  const fields: Set<number>[] = [];
  for (const [index, spec] of SPECS.entries()) {
    const parsed = field(parts[index] ?? '', spec);
    if (typeof parsed === 'string') return { ok: false, reason: parsed };
    fields.push(parsed);
  }
  const anyDay = (text: string | undefined): boolean => text === '*' || text === '?';
  return { ok: true, cron: { fields, anyDayOfMonth: anyDay(parts[3]), anyDayOfWeek: anyDay(parts[5]) } };
}

/** Does the cron fire at this second (UTC)? */
export function cronMatches(cron: Cron, at: Date): boolean {
  const [second, minute, hour, dayOfMonth, month, dayOfWeek, year] = cron.fields;
  const has = (set: ReadonlySet<number> | undefined, n: number): boolean => set?.has(n) ?? false;
  if (!has(second, at.getUTCSeconds()) || !has(minute, at.getUTCMinutes()) || !has(hour, at.getUTCHours())) return false;
  if (!has(month, at.getUTCMonth() + 1) || !has(year, at.getUTCFullYear())) return false;
  const domOk = has(dayOfMonth, at.getUTCDate());
  const dowOk = has(dayOfWeek, at.getUTCDay());
  if (cron.anyDayOfMonth && cron.anyDayOfWeek) return true;
  if (cron.anyDayOfMonth) return dowOk;
  if (cron.anyDayOfWeek) return domOk;
  return domOk || dowOk;
}
