/**
 * serverless.yml → deploy configuration: the checked-in file is deployable as documented, and every bad key or
 * value gets an error naming its key path (typos with a suggestion; apigw and cmq retired with their replacement).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { editDistance, parseDeployConfig, suggest, type DeployConfig } from '../../../tools/deploy/serverless-yml';
import { ROOT } from '../../support/bundle';

const SOURCE = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');

// YAML documents are untyped; `any` stays inside this test file.
type Doc = Record<string, any>;

function doc(): Doc {
  return parse(SOURCE) as Doc;
}

function fn(d: Doc): Doc {
  return d.functions.createTroubleInfo as Doc;
}

function ok(d: Doc, options: Parameters<typeof parseDeployConfig>[1] = {}): DeployConfig {
  const r = parseDeployConfig(stringify(d), options);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

function errors(d: Doc | string, options: Parameters<typeof parseDeployConfig>[1] = {}): string[] {
  const r = parseDeployConfig(typeof d === 'string' ? d : stringify(d), options);
  if (r.ok) throw new Error('expected errors, got a valid configuration');
  return r.errors;
}

function one(d: Doc | string, key: string, pattern: RegExp): void {
  const list = errors(d);
  expect(
    list.some((e) => e.startsWith(`${key}:`) && pattern.test(e)),
    list.join('\n'),
  ).toBe(true);
}

describe('the checked-in serverless.yml', () => {
  const config = ok(doc());

  it('names the function <service>-<stage>-<function> and zips dist/ with index.js at the root', () => {
    expect(config).toMatchObject({ service: 'trtc-trouble', stage: 'dev', region: 'ap-guangzhou', namespace: 'default' });
    expect(config.fn).toMatchObject({
      name: 'trtc-trouble-dev-createTroubleInfo',
      runtime: 'Nodejs18.15',
      handler: 'index.main_handler',
      codeDir: 'dist',
      memorySize: 128,
      timeout: 10,
      role: 'SCF_TRTC_TroubleReporter',
    });
  });

  it('has a Function URL with AuthType NONE on $DEFAULT, extranet only', () => {
    expect(config.fn.triggers).toEqual([
      { type: 'http', name: 'url-trigger', authType: 'NONE', netConfig: { enableIntranet: false, enableExtranet: true }, qualifier: '$DEFAULT', enable: true },
    ]);
  });

  it('leaves room for one TRTC call and the margin inside the timeout', () => {
    const vars = config.fn.environment;
    expect(config.fn.timeout * 1000).toBeGreaterThan(Number(vars.UPSTREAM_TIMEOUT_MS ?? 5000) + Number(vars.DEADLINE_MARGIN_MS ?? 500));
  });

  it('packages for serverless the same dist/*.js files, without the standalone server', () => {
    expect(doc().package.patterns).toEqual(['!**', 'dist/*.js', '!dist/server.js']);
    expect(fn(doc()).handler).toBe('dist/index.main_handler');
  });
});

describe('names, stage and region', () => {
  it('--stage and TENCENTCLOUD_REGION override provider.stage and provider.region', () => {
    const c = ok(doc(), { stage: 'prod', env: { TENCENTCLOUD_REGION: 'ap-shanghai' } });
    expect(c.fn.name).toBe('trtc-trouble-prod-createTroubleInfo');
    expect(c.region).toBe('ap-shanghai');
  });

  it('defaults: stage dev, namespace default, region ap-guangzhou', () => {
    const d = doc();
    delete d.provider.stage;
    delete d.provider.namespace;
    delete d.provider.region;
    expect(ok(d)).toMatchObject({ stage: 'dev', namespace: 'default', region: 'ap-guangzhou' });
  });

  it('a function name over 60 characters or with a bad character is refused', () => {
    const list = errors(doc(), { stage: 'x'.repeat(40) });
    expect(list.join('\n')).toMatch(/2–60 characters/);
    expect(errors(doc(), { stage: 'a.b' }).join('\n')).toMatch(/--stage: must hold only letters/);
  });

  it('a bad region is named where it came from', () => {
    expect(errors(doc(), { env: { TENCENTCLOUD_REGION: 'Mars' } })).toEqual(['TENCENTCLOUD_REGION: must be a region such as ap-guangzhou, got "Mars"']);
    const d = doc();
    d.provider.region = 'guangzhou';
    one(d, 'provider.region', /must be a region/);
  });
});

describe('function settings', () => {
  it.each([
    [63, false],
    [64, true],
    [100, false],
    [128, true],
    [256, true],
    [3072, true],
    [3200, false],
    ['128', false],
  ])('memorySize %s → valid %s', (mb, valid) => {
    const d = doc();
    d.provider.memorySize = mb;
    if (valid) expect(ok(d).fn.memorySize).toBe(mb);
    else one(d, 'provider.memorySize', /64 or 128–3072 in steps of 128/);
  });

  it.each([0, 901, 2.5])('timeout %s is outside 1–900', (t) => {
    const d = doc();
    d.provider.timeout = t;
    one(d, 'provider.timeout', /integer from 1 to 900/);
  });

  it('a timeout that leaves no room for UPSTREAM_TIMEOUT_MS + DEADLINE_MARGIN_MS is refused', () => {
    const d = doc();
    d.provider.timeout = 5;
    one(d, 'provider.timeout', /must exceed UPSTREAM_TIMEOUT_MS \+ DEADLINE_MARGIN_MS = 5500 ms/);
    d.provider.timeout = 6;
    expect(ok(d).fn.timeout).toBe(6);
  });

  it('the function-level value wins and is the key named', () => {
    const d = doc();
    fn(d).memorySize = 100;
    one(d, 'functions.createTroubleInfo.memorySize', /steps of 128/);
  });

  it('only runtimes that run the Node 18 bundle are allowed', () => {
    const d = doc();
    d.provider.runtime = 'Nodejs16.13';
    one(d, 'provider.runtime', /must be one of Nodejs18\.15/);
    d.provider.runtime = undefined;
    one(d, 'provider.runtime', /is required/);
  });

  it('the run role is required', () => {
    const d = doc();
    delete d.provider.role;
    one(d, 'provider.role', /is required/);
  });

  it('the handler needs file.function with SCF characters', () => {
    const d = doc();
    fn(d).handler = 'dist/index';
    one(d, 'functions.createTroubleInfo.handler', /\[folder\/\]file\.function/);
    fn(d).handler = 'index.main_handler';
    expect(ok(d).fn).toMatchObject({ handler: 'index.main_handler', codeDir: '.' });
  });

  it('exactly one function', () => {
    const d = doc();
    d.functions.second = { handler: 'dist/index.main_handler' };
    one(d, 'functions', /exactly one function, found 2/);
  });
});

describe('environment', () => {
  it('empty values and bad names are refused, naming the variable', () => {
    const d = doc();
    d.provider.environment.variables.EMPTY = '';
    d.provider.environment.variables['1BAD'] = 'x';
    const list = errors(d);
    expect(list).toContain('provider.environment.variables.EMPTY: must not be empty (SCF refuses empty values; remove the variable instead)');
    expect(list.some((e) => e.startsWith('provider.environment.variables.1BAD: names must start with a letter'))).toBe(true);
  });

  it('more than 4 KB in all is refused', () => {
    const d = doc();
    d.provider.environment.variables.BIG = 'x'.repeat(4100);
    one(d, 'provider.environment.variables', /hold \d+ bytes; SCF keeps them within 4096/);
  });

  it("the function's own configuration rules are checked at deploy time", () => {
    const d = doc();
    d.provider.environment.variables.LOG_LEVEL = 'loud';
    one(d, 'provider.environment.variables', /LOG_LEVEL must be one of/);
  });

  it('function variables override the provider ones; numbers become strings', () => {
    const d = doc();
    fn(d).environment = { variables: { LOG_LEVEL: 'debug', BATCH_CONCURRENCY: 2 } };
    expect(ok(d).fn.environment).toMatchObject({ LOG_LEVEL: 'debug', BATCH_CONCURRENCY: '2', UPSTREAM_TIMEOUT_MS: '5000' });
    expect(doc().provider.environment.variables.LOG_LEVEL).toBe('info');
  });
});

describe('unknown keys get a suggestion', () => {
  it.each([
    ['provider', 'memorysize', 'provider.memorysize', 'memorySize'],
    ['provider', 'runtim', 'provider.runtim', 'runtime'],
    ['provider', 'regoin', 'provider.regoin', 'region'],
    ['fn', 'handlr', 'functions.createTroubleInfo.handler'.replace('handler', 'handlr'), 'handler'],
    ['top', 'servce', 'serverless.yml.servce', 'service'],
  ])('%s.%s', (where, key, pathName, near) => {
    const d = doc();
    const target = where === 'provider' ? d.provider : where === 'fn' ? fn(d) : d;
    target[key] = target[near] ?? 1;
    expect(errors(d)).toContain(`${pathName}: unknown key; did you mean "${near}"?`);
  });

  it('a key far from every known one lists the known keys', () => {
    const d = doc();
    d.provider.zzzzzzzz = 1;
    expect(errors(d).join('\n')).toMatch(/provider\.zzzzzzzz: unknown key \(known: name, runtime, region/);
  });

  it('trigger parameters too', () => {
    const d = doc();
    fn(d).events[0].http.parameters.authtype = 'CAM';
    expect(errors(d)).toContain('functions.createTroubleInfo.events[0].http.parameters.authtype: unknown key; did you mean "authType"?');
  });

  it('edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('memorysize', 'memorySize')).toBe(0);
    expect(suggest('qualifer', ['qualifier', 'enable'])).toBe('qualifier');
    expect(suggest('xyz', ['qualifier', 'enable'])).toBeUndefined();
  });
});

describe('events', () => {
  function withEvents(events: unknown[]): Doc {
    const d = doc();
    fn(d).events = events;
    return d;
  }

  it('apigw is retired: use an http event (Function URL)', () => {
    one(
      withEvents([{ apigw: { name: 'a', parameters: {} } }]),
      'functions.createTroubleInfo.events[0].apigw',
      /retired.*use an `http` event \(a Function URL\)/,
    );
  });

  it('cmq is retired: use ckafka', () => {
    one(withEvents([{ cmq: { name: 'q', parameters: {} } }]), 'functions.createTroubleInfo.events[0].cmq', /retired.*`ckafka` event/);
  });

  it('an unknown event type gets a suggestion', () => {
    one(withEvents([{ timr: {} }]), 'functions.createTroubleInfo.events[0].timr', /did you mean "timer"/);
  });

  it('http: defaults, CAM, netConfig, cors', () => {
    const c = ok(
      withEvents([
        {
          http: {
            parameters: {
              authType: 'CAM',
              netConfig: { enableIntranet: true, enableExtranet: false },
              cors: { origins: ['https://a.example'], methods: ['POST'], maxAge: 600 },
            },
          },
        },
      ]),
    );
    expect(c.fn.triggers[0]).toEqual({
      type: 'http',
      name: 'url-trigger',
      authType: 'CAM',
      netConfig: { enableIntranet: true, enableExtranet: false },
      cors: { origins: ['https://a.example'], methods: ['POST'], headers: [], exposeHeaders: [], maxAge: 600, credentials: false },
      qualifier: '$DEFAULT',
      enable: true,
    });
  });

  it('http: bad authType, unreachable netConfig, two URLs on one qualifier', () => {
    const at = 'functions.createTroubleInfo.events';
    one(withEvents([{ http: { parameters: { authType: 'OPEN' } } }]), `${at}[0].http.parameters.authType`, /NONE or CAM/);
    one(
      withEvents([{ http: { parameters: { netConfig: { enableIntranet: false, enableExtranet: false } } } }]),
      `${at}[0].http.parameters.netConfig`,
      /unreachable/,
    );
    one(withEvents([{ http: {} }, { http: { name: 'second' } }]), `${at}[1].http`, /one Function URL per version or alias/);
    one(withEvents([{ http: { parameters: { cors: { methods: ['GET'] } } } }]), `${at}[0].http.parameters.cors.origins`, /at least one origin/);
  });

  it('ckafka: TriggerName <instanceId>-<topic>, all four settings required', () => {
    const c = ok(withEvents([{ ckafka: { parameters: { instanceId: 'ckafka-abc123', topic: 'trouble', maxMsgNum: 50, retry: 3, timeOut: 60 } } }]));
    expect(c.fn.triggers[0]).toMatchObject({ type: 'ckafka', name: 'ckafka-abc123-trouble', maxMsgNum: 50, offset: 'latest', retry: 3, timeOut: 60 });
    const list = errors(withEvents([{ ckafka: { parameters: { instanceId: 'ckafka-abc123', topic: 't' } } }]));
    for (const key of ['maxMsgNum', 'retry', 'timeOut']) {
      expect(list).toContain(`functions.createTroubleInfo.events[0].ckafka.parameters.${key}: is required (SCF needs maxMsgNum, offset, retry and timeOut)`);
    }
    one(
      withEvents([{ ckafka: { parameters: { instanceId: 'ckafka-abc123', topic: 't', maxMsgNum: 5, retry: 1, timeOut: 61 } } }]),
      'functions.createTroubleInfo.events[0].ckafka.parameters.timeOut',
      /1 to 60/,
    );
    one(
      withEvents([{ ckafka: { name: 'other', parameters: { instanceId: 'ckafka-abc123', topic: 't', maxMsgNum: 5, retry: 1, timeOut: 6 } } }]),
      'functions.createTroubleInfo.events[0].ckafka.name',
      /"ckafka-abc123-t"/,
    );
    one(
      withEvents([{ ckafka: { parameters: { instanceId: 'kafka1', topic: 't', maxMsgNum: 5, retry: 1, timeOut: 6, offset: 'middle' } } }]),
      'functions.createTroubleInfo.events[0].ckafka.parameters.offset',
      /latest, earliest or a timestamp/,
    );
  });

  it('timer: a valid 7-field cron; bad ones named', () => {
    const c = ok(withEvents([{ timer: { name: 'probe', parameters: { cronExpression: '0 */10 * * * * *' } } }]));
    expect(c.fn.triggers[0]).toEqual({ type: 'timer', name: 'probe', cron: '0 */10 * * * * *', qualifier: '$DEFAULT', enable: true });
    const at = 'functions.createTroubleInfo.events[0].timer.parameters.cronExpression';
    one(withEvents([{ timer: { name: 'p', parameters: { cronExpression: '*/10 * * * *' } } }]), at, /must have 7 fields.*got 5/);
    one(withEvents([{ timer: { name: 'p', parameters: { cronExpression: '0 61 * * * * *' } } }]), at, /minute/);
    one(withEvents([{ timer: { name: 'p', parameters: { cronExpression: '0 0 25 * * * *' } } }]), at, /hour/);
    one(withEvents([{ timer: { name: 'p', parameters: {} } }]), at, /is required/);
    one(withEvents([{ timer: { parameters: { cronExpression: '0 0 1 * * * *' } } }]), 'functions.createTroubleInfo.events[0].timer.name', /is required/);
  });

  it('every problem is reported at once', () => {
    const d = withEvents([{ apigw: {} }, { cmq: {} }]);
    d.provider.memorySize = 1;
    d.provider.timeout = 1000;
    expect(errors(d).length).toBeGreaterThanOrEqual(4);
  });

  it('not YAML, or not a mapping', () => {
    expect(errors('a: [')[0]).toMatch(/not valid YAML/);
    expect(errors('- 1\n')[0]).toMatch(/must be a mapping/);
  });
});
