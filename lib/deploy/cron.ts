/**
 * Validation of SCF timer cron expressions (pure): seven fields, second minute hour day-of-month month
 * day-of-week year, each `*`, a value, a range `a-b`, a step `x/n` or a comma list of those (`?` for a day field).
 */
const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, question: true, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
  { name: 'year', min: 1970, max: 2099 },
] as const;

type Field = (typeof FIELDS)[number];

function value(field: Field, text: string): number | undefined {
  const names: readonly string[] | undefined = 'names' in field ? field.names : undefined;
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}

function partError(field: Field, part: string): string | undefined {
  const [range, step, extra] = part.split('/');
  if (extra !== undefined || range === undefined || range === '') return `"${part}" is not a value, range or step`;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= field.max - field.min + 1)) {
    return `step "${step}" must be 1–${field.max - field.min + 1}`;
  }
  if (range === '*') return undefined;
  const [from, to, more] = range.split('-');
  if (more !== undefined) return `"${range}" is not a range`;
  const a = value(field, from ?? '');
  if (a === undefined) return `"${from}" is outside ${field.min}–${field.max}`;
  if (to === undefined) return undefined;
  const b = value(field, to);
  if (b === undefined) return `"${to}" is outside ${field.min}–${field.max}`;
  return a <= b ? undefined : `range "${range}" runs backwards`;
}

/** Why `cron` is not a valid 7-field SCF cron expression, or undefined when it is. */
export function cronError(cron: string): string | undefined {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 7) {
    return `must have 7 fields (second minute hour day month weekday year), e.g. "0 */10 * * * * *"; got ${parts.length}`;
  }
  for (let i = 0; i < 7; i++) {
    const field = FIELDS[i]!;
    const text = parts[i]!;
    if (text === '?' && 'question' in field) continue;
    for (const part of text.split(',')) {
      const problem = partError(field, part);
      if (problem) return `${field.name} field: ${problem}`;
    }
  }
  return undefined;
}
