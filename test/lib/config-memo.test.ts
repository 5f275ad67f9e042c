/**
 * loadConfig reuses the last parse while no variable changed, and parses again as soon as any one does; the list
 * of compared variables is exactly what the parser reads.
 */
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig, parseConfig } from '../../lib/config';

describe('loadConfig memo', () => {
  it('compares exactly the variables the parser reads', () => {
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>({}, { get: (_t, name) => (typeof name === 'string' && read.add(name), undefined) });
    parseConfig(env);
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('reuses the parse while nothing changed and reparses when any variable changes', () => {
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' };
    const first = loadConfig(env);
    expect(loadConfig({ ...env })).toBe(first);
    for (const name of CONFIG_VARIABLES) {
      const changed = loadConfig({ ...env, [name]: '7' });
      expect(changed).not.toBe(first);
      expect(loadConfig(env)).toEqual(first);
    }
    const bad = loadConfig({ ...env, BATCH_CONCURRENCY: '99' });
    expect(bad.ok).toBe(false);
  });
});
