/**
 * The adapter matrix: every sample event is offered to every adapter, and exactly its own adapter claims it
 * (CKafka, CMQ and COS all use Records[]; SCF and AWS gateways all have httpMethod). Events no adapter claims
 * are named `unrecognised-*`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectSource, SOURCES } from '../../lib/sources';
import type { SourceName } from '../../lib/sources/types';
import { ROOT } from '../support/bundle';

const EVENTS = path.join(ROOT, 'events');
const PREFIXES: readonly [string, SourceName | null][] = [
  ['function-url-', 'scf-function-url'],
  ['api-gateway-', 'scf-api-gateway'],
  ['aws-apigw-v1-', 'aws-api-gateway-v1'],
  ['aws-http-v2-', 'aws-http-api-v2'],
  ['aws-alb-', 'aws-alb'],
  ['ckafka-', 'ckafka'],
  ['cmq-', 'cmq'],
  ['eventbridge-list', 'eventbridge-list'],
  ['eventbridge-', 'eventbridge'],
  ['timer-', 'timer'],
  ['direct-invoke', 'direct'],
  ['unrecognised-', null],
];

function ownerOf(file: string): SourceName | null {
  const match = PREFIXES.find(([prefix]) => file.startsWith(prefix));
  if (!match) throw new Error(`${file}: name it after its source (one of ${PREFIXES.map(([p]) => p).join(', ')})`);
  return match[1];
}

const samples = readdirSync(EVENTS).filter((f) => f.endsWith('.json') && !f.endsWith('.expect.json')).sort();

describe('adapter matrix', () => {
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

  it.each([null, undefined, 42, 'text', [], {}, { Records: [] }, { EventList: [] }, { httpMethod: 'GET' }])(
    'nobody claims %j',
    (event) => {
      expect(SOURCES.filter((s) => s.canHandle(event)).map((s) => s.name)).toEqual([]);
    },
  );
});
