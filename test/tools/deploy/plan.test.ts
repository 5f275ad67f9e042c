/**
 * The plan's decisions, from what SCF reports: nothing differs → no write; each kind of difference → exactly
 * its write, with a reason; runtime change refused; CreateFailed → delete and re-create; the Function URL updated
 * in place; CKafka settings SCF cannot change in place → delete and re-create; removed triggers deleted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig, type FunctionConfig, type Trigger } from '../../../tools/deploy/serverless-yml';
import { PlanError, extranetUrl, planDeploy, sameCode, triggerSpec, type Step } from '../../../tools/deploy/plan';
import type { FunctionState, TriggerState } from '../../../tools/deploy/scf-api';
import { ROOT } from '../../support/bundle';

const parsed = parseDeployConfig(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'));
if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
const WANTED: FunctionConfig = parsed.config.fn;
const SHA = 'ab'.repeat(32);
const URL_DESC = JSON.stringify({
  AuthType: 'NONE',
  NetConfig: { EnableIntranet: false, EnableExtranet: true, ExtranetUrl: 'https://1250000000-abc.ap-guangzhou.tencentscf.com' },
});

function state(over: Partial<FunctionState> = {}): FunctionState {
  return {
    status: 'Active',
    statusReasons: [],
    runtime: WANTED.runtime,
    handler: WANTED.handler,
    memorySize: WANTED.memorySize,
    timeout: WANTED.timeout,
    role: WANTED.role,
    description: WANTED.description,
    environment: { ...WANTED.environment },
    publicNet: true,
    ...over,
  };
}

const URL_TRIGGER: TriggerState = { type: 'http', name: 'url-trigger', desc: URL_DESC, qualifier: '$DEFAULT', enable: true, customArgument: '' };

function actions(steps: Step[]): string[] {
  return steps.map((s) => s.action);
}

function plan(over: { fn?: FunctionState | null; sha?: string | null; triggers?: TriggerState[]; wanted?: Partial<FunctionConfig> } = {}): Step[] {
  return planDeploy({ ...WANTED, ...over.wanted }, SHA, {
    fn: over.fn === undefined ? state() : over.fn,
    codeSha256: over.sha === undefined ? SHA : over.sha,
    triggers: over.triggers ?? [URL_TRIGGER],
  });
}

describe('planDeploy', () => {
  it('everything as wanted: no write, and it says why', () => {
    const steps = plan();
    expect(actions(steps)).toEqual(['nothing']);
    expect(steps[0]!.reason).toMatch(/already match serverless\.yml and this build/);
  });

  it('an absent function: CreateFunction, then every trigger', () => {
    const steps = plan({ fn: null, sha: null, triggers: [] });
    expect(actions(steps)).toEqual(['CreateFunction', 'CreateTrigger']);
    expect(steps[0]!.reason).toBe('trtc-trouble-dev-createTroubleInfo does not exist');
  });

  it('new code only: UpdateFunctionCode only', () => {
    const steps = plan({ sha: 'cd'.repeat(32) });
    expect(actions(steps)).toEqual(['UpdateFunctionCode']);
    expect(steps[0]!.reason).toMatch(/code sha256 cdcdcdcdcdcd… → abababababab…/);
  });

  it('no hash reported: the code is uploaded, saying so', () => {
    const steps = plan({ sha: null });
    expect(actions(steps)).toEqual(['UpdateFunctionCode']);
    expect(steps[0]!.reason).toMatch(/reports no code hash/);
  });

  it('the hash may be reported in base64', () => {
    expect(sameCode(Buffer.from(SHA, 'hex').toString('base64'), SHA)).toBe(true);
    expect(sameCode(SHA.toUpperCase(), SHA)).toBe(true);
    expect(sameCode('ab', SHA)).toBe(false);
  });

  it('a changed variable: UpdateFunctionConfiguration only, naming the variable but not its value', () => {
    const steps = plan({ fn: state({ environment: { ...WANTED.environment, LOG_LEVEL: 'secret-old-value' } }) });
    expect(actions(steps)).toEqual(['UpdateFunctionConfiguration']);
    expect(steps[0]!.reason).toBe('environment: LOG_LEVEL changed');
    expect(JSON.stringify(steps)).not.toContain('secret-old-value');
  });

  it('added and removed variables, memory, timeout, role, public network', () => {
    const env: Record<string, string> = { ...WANTED.environment, EXTRA: '1' };
    delete env.LOG_LEVEL;
    const steps = plan({ fn: state({ environment: env, memorySize: 256, timeout: 3, role: 'Other', publicNet: false }) });
    expect(actions(steps)).toEqual(['UpdateFunctionConfiguration']);
    expect(steps[0]!.reason).toBe(
      'MemorySize 256 → 128; Timeout 3 → 10; Role Other → SCF_TRTC_TroubleReporter; public network DISABLE → ENABLE (the function must reach trtc.tencentcloudapi.com); environment: LOG_LEVEL added; environment: EXTRA removed',
    );
  });

  it('a handler change goes with the code', () => {
    expect(plan({ fn: state({ handler: 'dist/index.main_handler' }) }).map((s) => s.reason)).toEqual(['Handler dist/index.main_handler → index.main_handler']);
  });

  it('a runtime change is refused, explaining why', () => {
    expect(() => plan({ fn: state({ runtime: 'Nodejs16.13' }) })).toThrow(PlanError);
    expect(() => plan({ fn: state({ runtime: 'Nodejs16.13' }) })).toThrow(/SCF cannot change a function's runtime/);
  });

  it('CreateFailed: delete and re-create, with the reasons SCF gave', () => {
    const steps = plan({ fn: state({ status: 'CreateFailed', statusReasons: ['InvalidParameterValue.Handler no index.js'] }) });
    expect(actions(steps)).toEqual(['DeleteFunction', 'CreateFunction', 'CreateTrigger']);
    expect(steps[0]!.reason).toMatch(/CreateFailed \(InvalidParameterValue\.Handler no index\.js\); SCF cannot update a function that failed to create/);
    expect('destructive' in steps[0]!).toBe(true);
  });

  it('the Function URL is updated in place, never deleted', () => {
    const cam = JSON.stringify({ AuthType: 'CAM', NetConfig: { EnableIntranet: false, EnableExtranet: true, ExtranetUrl: 'https://x' } });
    const steps = plan({ triggers: [{ ...URL_TRIGGER, desc: cam }] });
    expect(actions(steps)).toEqual(['UpdateTrigger']);
    expect(steps[0]!.reason).toBe('http trigger url-trigger: AuthType CAM → NONE');
    expect(actions(plan({ triggers: [{ ...URL_TRIGGER, enable: false, qualifier: '$LATEST' }] }))).toEqual(['UpdateTrigger']);
  });

  it('a trigger not in serverless.yml is deleted, saying what stops working', () => {
    const steps = plan({ triggers: [URL_TRIGGER, { ...URL_TRIGGER, name: 'old-url' }] });
    expect(actions(steps)).toEqual(['DeleteTrigger']);
    expect(steps[0]!.reason).toBe(
      'http trigger old-url is not in serverless.yml; its Function URL https://1250000000-abc.ap-guangzhou.tencentscf.com stops working',
    );
  });

  it('a trigger of a type serverless.yml does not describe (legacy API Gateway) is left alone, saying so', () => {
    const apigw: TriggerState = { type: 'apigw', name: 'SCF_API_SERVICE', desc: '{}', qualifier: '$LATEST', enable: true, customArgument: '' };
    const steps = plan({ triggers: [URL_TRIGGER, apigw] });
    expect(actions(steps)).toEqual(['nothing', 'keep']);
    expect(steps[0]!.reason).toMatch(/its 1 trigger\(s\) already match/);
    expect(steps[1]!.reason).toBe('apigw trigger SCF_API_SERVICE is left as it is (npm run deploy manages http, timer and ckafka triggers only)');
  });

  describe('timer and ckafka', () => {
    const timer: Trigger = { type: 'timer', name: 'probe', cron: '0 */10 * * * * *', qualifier: '$DEFAULT', enable: true };
    const kafka: Trigger = {
      type: 'ckafka',
      name: 'ckafka-abc-t',
      instanceId: 'ckafka-abc',
      topic: 't',
      maxMsgNum: 100,
      offset: 'latest',
      retry: 3,
      timeOut: 60,
      qualifier: '$DEFAULT',
      enable: true,
    };
    const wanted = { triggers: [...WANTED.triggers, timer, kafka] };

    it('a timer argument removed from serverless.yml: UpdateTrigger sends an empty CustomArgument to clear it', () => {
      const have: TriggerState = { type: 'timer', name: 'probe', desc: timer.cron, qualifier: '$DEFAULT', enable: true, customArgument: 'nightly' };
      const steps = plan({ wanted: { triggers: [...WANTED.triggers, timer] }, triggers: [URL_TRIGGER, have] });
      expect(actions(steps)).toEqual(['UpdateTrigger']);
      expect(steps[0]).toMatchObject({ reason: 'timer trigger probe: CustomArgument changed', trigger: { customArgument: '' } });
      expect(actions(plan({ wanted: { triggers: [...WANTED.triggers, timer] }, triggers: [URL_TRIGGER, { ...have, customArgument: '' }] }))).toEqual([
        'nothing',
      ]);
    });

    it('a new timer: CreateTrigger only', () => {
      expect(actions(plan({ wanted: { triggers: [...WANTED.triggers, timer] } }))).toEqual(['CreateTrigger']);
    });

    it('the timer read back as {"cron"} with other spacing is unchanged; a new cron is an update', () => {
      const have: TriggerState = {
        type: 'timer',
        name: 'probe',
        desc: '{"cron":"0  */10 * * * * *"}',
        qualifier: '$DEFAULT',
        enable: true,
        customArgument: '',
      };
      const ck: TriggerState = {
        type: 'ckafka',
        name: 'ckafka-abc-t',
        desc: '{"maxMsgNum":"100","offset":"latest","retry":3,"timeOut":60}',
        qualifier: '$DEFAULT',
        enable: true,
        customArgument: '',
      };
      expect(actions(plan({ wanted, triggers: [URL_TRIGGER, have, ck] }))).toEqual(['nothing']);
      const steps = plan({ wanted, triggers: [URL_TRIGGER, { ...have, desc: '0 0 * * * * *' }, ck] });
      expect(actions(steps)).toEqual(['UpdateTrigger']);
      expect(steps[0]!.reason).toBe('timer trigger probe: cron 0 0 * * * * * → 0 */10 * * * * *');
    });

    it('ckafka: retry/maxMsgNum/timeOut in place; a new offset re-creates it', () => {
      const ck: TriggerState = {
        type: 'ckafka',
        name: 'ckafka-abc-t',
        desc: '{"maxMsgNum":10,"offset":"latest","retry":3,"timeOut":60}',
        qualifier: '$DEFAULT',
        enable: true,
        customArgument: '',
      };
      const timerHave: TriggerState = { type: 'timer', name: 'probe', desc: timer.cron, qualifier: '$DEFAULT', enable: true, customArgument: '' };
      expect(actions(plan({ wanted, triggers: [URL_TRIGGER, timerHave, ck] }))).toEqual(['UpdateTrigger']);
      const moved = { ...ck, desc: '{"maxMsgNum":100,"offset":"earliest","retry":3,"timeOut":60}' };
      const steps = plan({ wanted, triggers: [URL_TRIGGER, timerHave, moved] });
      expect(actions(steps)).toEqual(['DeleteTrigger', 'CreateTrigger']);
      expect(steps[0]!.reason).toMatch(/offset earliest → latest; SCF can change only maxMsgNum, retry and timeOut/);
    });
  });
});

describe('TriggerDesc', () => {
  it('http: AuthType and NetConfig (and CorsConfig when set), as the Function URL API takes them', () => {
    expect(JSON.parse(triggerSpec(WANTED.triggers[0]!).desc)).toEqual({ AuthType: 'NONE', NetConfig: { EnableIntranet: false, EnableExtranet: true } });
  });

  it('the URL is read from NetConfig.ExtranetUrl', () => {
    expect(extranetUrl(URL_DESC)).toBe('https://1250000000-abc.ap-guangzhou.tencentscf.com');
    expect(extranetUrl('{"AuthType":"NONE"}')).toBeNull();
    expect(extranetUrl('not json')).toBeNull();
  });
});
