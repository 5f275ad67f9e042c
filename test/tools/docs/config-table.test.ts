/** docs/configuration.md's table of the function's variables is exactly what the schema in lib/config.ts renders. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA } from '../../../lib/config';
import { documentedTable, END, PAGE, renderConfigTable, START } from '../../../tools/docs/config-table';

describe('the configuration table', () => {
  it('in docs/configuration.md equals the schema (npm run docs:config rewrites it)', () => {
    expect(documentedTable(readFileSync(PAGE, 'utf8'))).toBe(renderConfigTable());
  });

  it('has one row per schema variable, and a changed row shows as a difference', () => {
    const table = renderConfigTable();
    for (const v of CONFIG_SCHEMA) expect(table).toContain(`| \`${v.name}\` | ${v.shown} | ${v.doc} |`);
    const stale = `${START}\n${table.replace('`5000`', '`4000`')}\n${END}`;
    expect(documentedTable(stale)).not.toBe(table);
    expect(documentedTable('no markers')).toBeUndefined();
  });
});
