/** The one table of source names: the names of logs and the registry, the generator's and the sample files' short names. */
import { describe, expect, it } from 'vitest';
import { EVENT_SOURCES } from '../../../tools/cli/generate-event';
import { GENERATED_SOURCES, SOURCE_TABLE, sourceOfSampleFile } from '../../../lib/sources/names';

describe('table of source names', () => {
  it('names every source and every short name once', () => {
    expect(new Set(SOURCE_TABLE.map((r) => r.name)).size).toBe(SOURCE_TABLE.length);
    expect(new Set(SOURCE_TABLE.map((r) => r.event)).size).toBe(SOURCE_TABLE.length);
  });

  it('gives the generator its sources in --help order, without the ones it does not make', () => {
    expect(EVENT_SOURCES).toBe(GENERATED_SOURCES);
    expect(GENERATED_SOURCES).toEqual([
      'function-url',
      'api-gateway',
      'direct',
      'ckafka',
      'cmq',
      'eventbridge',
      'eventbridge-list',
      'timer',
      'aws-apigw-v1',
      'aws-http-v2',
    ]);
  });

  it.each([
    ['eventbridge-list.json', 'eventbridge-list'],
    ['eventbridge-list-with-poison.json', 'eventbridge-list'],
    ['eventbridge-data-report.json', 'eventbridge'],
    ['direct-invoke.json', 'direct'],
    ['function-url-post-json.json', 'scf-function-url'],
    ['aws-apigw-v1-post-json.json', 'aws-api-gateway-v1'],
    ['aws-alb-post-json.json', 'aws-alb'],
    ['timer.json', 'timer'],
    ['ckafkabatch.json', undefined],
    ['unrecognised-cos-upload.json', undefined],
  ])('sample %s belongs to %s', (file, source) => {
    expect(sourceOfSampleFile(file)).toBe(source);
  });
});
