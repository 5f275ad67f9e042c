/**
 * The adapter matrix: every sample event is offered to every adapter, and exactly its own adapter claims it
 * (CKafka, CMQ and COS all use Records[]; SCF and AWS gateways all have httpMethod). Events no adapter claims
 * are named `unrecognised-*`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectSource, SOURCES } from '../../../lib/sources';
import { SOURCE_TABLE, sourceOfSampleFile, type SourceName } from '../../../lib/sources/names';
import { ROOT } from '../../support/bundle';

const EVENTS = path.join(ROOT, 'events');
/** Samples no adapter may claim. */
const UNRECOGNISED = 'unrecognised-';

/** The source a sample is named after (the table of source names), or null for an unrecognised one. */
function ownerOf(file: string): SourceName | null {
  if (file.startsWith(UNRECOGNISED)) return null;
  const owner = sourceOfSampleFile(file);
  if (!owner) throw new Error(`${file}: name it after its source (one of ${[...SOURCE_TABLE.map((r) => `${r.event}-`), UNRECOGNISED].join(', ')})`);
  return owner;
}

const samples = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.expect.json'))
  .sort();

describe('adapter matrix', () => {
  it('registers exactly the sources of the table of source names', () => {
    expect(SOURCES.map((s) => s.name).sort()).toEqual(SOURCE_TABLE.map((r) => r.name).sort());
  });

  it('covers every source with at least one sample', () => {
    const owners = new Set(samples.map(ownerOf));
    for (const source of SOURCES) expect(owners, source.name).toContain(source.name);
  });

  it.each(samples)('%s is claimed by exactly its own adapter', (file) => {
    const event: unknown = JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8'));
    const claimants = SOURCES.filter((s) => s.canHandle(event)).map((s) => s.name);
    const owner = ownerOf(file);
    expect(claimants).toEqual(owner === null ? [] : [owner]);
    expect(detectSource(event)?.source ?? null).toBe(owner);
  });

  it.each([null, undefined, 42, 'text', [], {}, { Records: [] }, { EventList: [] }, { httpMethod: 'GET' }])('nobody claims %j', (event) => {
    expect(SOURCES.filter((s) => s.canHandle(event)).map((s) => s.name)).toEqual([]);
  });
});
