/**
 * One table of trigger types (tools/shared/triggers.ts), and both readers agree with it: serverless.yml's events
 * (the deploy tool) and CreateTrigger's TriggerDesc (the local cloud) accept exactly the table's CKafka bounds,
 * and refuse the retired types with the table's one message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseDeployConfig } from '../../../tools/deploy/serverless-yml';
import { parseTriggerDesc, triggerType } from '../../../tools/local-cloud/trigger-desc';
import { CKAFKA_TRIGGER, RETIRED_TRIGGERS, TIMER_TRIGGER, TRIGGER_TYPES } from '../../../tools/shared/triggers';
import { ROOT } from '../../support/bundle';

// YAML documents are untyped; `any` stays inside this test file.
type Doc = Record<string, any>;

const SOURCE = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
const KAFKA = { maxMsgNum: 10, offset: 'latest', retry: 3, timeOut: 30 };

function deployAccepts(event: Doc): string[] {
  const d = parse(SOURCE) as Doc;
  d.functions.createTroubleInfo.events = [event];
  const r = parseDeployConfig(stringify(d));
  return r.ok ? [] : r.errors;
}

function localAccepts(desc: Doc): boolean {
  try {
    parseTriggerDesc('ckafka', JSON.stringify(desc));
    return true;
  } catch {
    return false;
  }
}

describe('the trigger table, read alike by the deploy tool and the local cloud', () => {
  it('types: http, timer, ckafka', () => {
    expect(TRIGGER_TYPES).toEqual(['http', 'timer', 'ckafka']);
    for (const type of TRIGGER_TYPES) expect(triggerType(type)).toBe(type);
  });

  it.each(['maxMsgNum', 'retry', 'timeOut'] as const)('ckafka %s: both accept the bounds and refuse one past them', (key) => {
    const { min, max } = CKAFKA_TRIGGER[key];
    for (const [value, ok] of [
      [min, true],
      [max, true],
      [min - 1, false],
      [max + 1, false],
    ] as const) {
      const params = { ...KAFKA, [key]: value };
      const deployErrors = deployAccepts({ ckafka: { parameters: { instanceId: 'ckafka-abc12345', topic: 't', ...params } } });
      expect(deployErrors.length === 0, `deploy ${key}=${value}: ${deployErrors.join('; ')}`).toBe(ok);
      expect(localAccepts(params), `local ${key}=${value}`).toBe(ok);
    }
  });

  it("a timer's argument: at most the table's CustomArgument limit", () => {
    const timer = (argument: string) => ({ timer: { name: 'probe', parameters: { cronExpression: '0 0 3 * * * *', argument } } });
    expect(deployAccepts(timer('a'.repeat(TIMER_TRIGGER.argumentMaxBytes)))).toEqual([]);
    expect(deployAccepts(timer('a'.repeat(TIMER_TRIGGER.argumentMaxBytes + 1)))).toEqual([
      "functions.createTroubleInfo.events[0].timer.parameters.argument: must be at most 4096 bytes (SCF's CustomArgument limit)",
    ]);
  });

  it('ckafka retry 0 (no retry) is accepted by both: Tencent states no lower bound', () => {
    expect(CKAFKA_TRIGGER.retry).toEqual({ min: 0, max: 10_000 });
  });

  it.each(Object.keys(RETIRED_TRIGGERS))('%s is refused by both with the one message', (type) => {
    const message = RETIRED_TRIGGERS[type]!;
    expect(deployAccepts({ [type]: { name: 'x' } })).toEqual([`functions.createTroubleInfo.events[0].${type}: ${message}`]);
    expect(() => triggerType(type)).toThrow(`Trigger type \`${type}\` cannot be created: ${message}.`);
  });
});
