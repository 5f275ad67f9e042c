/**
 * `${…}` in serverless.yml, resolved as the Serverless Framework (v3) does for the sources the deploy supports:
 * `${env:NAME}`, `${opt:stage}`, `${self:path.to.key}`, `${sls:stage}`, with fallbacks (`${env:X, 'default'}`); a
 * variable without a value is an error naming it and the key; every other source (ssm, file, s3, cf, …) is
 * refused with an error naming the key. Nothing is ever deployed with a literal `${…}` in it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseDeployConfig, type DeployConfig } from '../../../tools/deploy/serverless-yml';
import { resolveVariables } from '../../../tools/deploy/variables';
import { ROOT } from '../../support/bundle';

const SOURCE = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
const TOKEN = 'a-real-token-0123456789abcdef';

// YAML documents are untyped; `any` stays inside this test file.
type Doc = Record<string, any>;

function doc(): Doc {
  return parse(SOURCE) as Doc;
}

function vars(d: Doc): Doc {
  return d.provider.environment.variables as Doc;
}

type Options = Parameters<typeof parseDeployConfig>[1];

function ok(d: Doc, options: Options = {}): DeployConfig {
  const r = parseDeployConfig(stringify(d), options);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

function errors(d: Doc, options: Options = {}): string[] {
  const r = parseDeployConfig(stringify(d), options);
  if (r.ok) throw new Error('expected errors, got a valid configuration');
  return r.errors;
}

describe('${env:NAME}', () => {
  it('AUTH_TOKEN: ${env:AUTH_TOKEN} deploys the environment variable, never the text of the variable', () => {
    const d = doc();
    vars(d).AUTH_TOKEN = '${env:AUTH_TOKEN}';
    expect(ok(d, { env: { AUTH_TOKEN: TOKEN } }).fn.environment.AUTH_TOKEN).toBe(TOKEN);
  });

  it('an unset variable is an error naming it and the key; nothing is deployed', () => {
    const d = doc();
    vars(d).AUTH_TOKEN = '${env:AUTH_TOKEN}';
    expect(errors(d, { env: {} })).toEqual([
      'provider.environment.variables.AUTH_TOKEN: ${env:AUTH_TOKEN} has no value: the environment variable AUTH_TOKEN is not set',
    ]);
  });

  it('a fallback: ${env:X, \'default\'}, "double" quotes, a number, a chain of sources', () => {
    const d = doc();
    vars(d).LOG_LEVEL = "${env:LEVEL, 'warn'}";
    vars(d).UPSTREAM_TIMEOUT_MS = '${env:UPSTREAM, "4000"}';
    vars(d).DEADLINE_MARGIN_MS = '${env:MARGIN, 600}';
    d.provider.memorySize = '${env:MEM, self:custom.memory, 64}';
    d.custom = { memory: 256 };
    const c = ok(d, { env: {} });
    expect(c.fn.environment).toMatchObject({ LOG_LEVEL: 'warn', UPSTREAM_TIMEOUT_MS: '4000', DEADLINE_MARGIN_MS: '600' });
    expect(c.fn.memorySize).toBe(256);
    expect(ok(d, { env: { LEVEL: 'error' } }).fn.environment.LOG_LEVEL).toBe('error');
  });

  it('an empty environment variable is a value (as in the Framework), refused by the environment rule', () => {
    const d = doc();
    vars(d).LOG_LEVEL = "${env:LEVEL, 'warn'}";
    expect(errors(d, { env: { LEVEL: '' } }).join('\n')).toMatch(/LOG_LEVEL: must not be empty/);
  });
});

describe('${opt:stage}, ${sls:stage} and ${self:…}', () => {
  it('${opt:stage} is --stage; without it the fallback applies, else an error naming it', () => {
    const d = doc();
    d.provider.stage = "${opt:stage, 'dev'}";
    vars(d).STAGE_NAME = '${opt:stage}';
    expect(ok(d, { stage: 'qa', env: {} }).fn.environment.STAGE_NAME).toBe('qa');
    expect(errors(d, { env: {} })).toEqual(['provider.environment.variables.STAGE_NAME: ${opt:stage} has no value: --stage was not given']);
  });

  it('${opt:region} is an option npm run deploy does not take: its fallback, or an error saying where the region comes from', () => {
    const d = doc();
    d.provider.region = "${opt:region, 'ap-shanghai'}";
    expect(ok(d, { env: {} }).region).toBe('ap-shanghai');
    d.provider.region = '${opt:region}';
    expect(errors(d, { env: {} })[0]).toMatch(/^provider\.region: \$\{opt:region\} has no value: npm run deploy takes no --region/);
  });

  it('${sls:stage} is --stage, else provider.stage, else dev', () => {
    const d = doc();
    vars(d).STAGE_NAME = 'stage-${sls:stage}';
    d.provider.stage = 'prod';
    expect(ok(d, { env: {} }).fn.environment.STAGE_NAME).toBe('stage-prod');
    expect(ok(d, { env: {}, stage: 'qa' }).fn.environment.STAGE_NAME).toBe('stage-qa');
    delete d.provider.stage;
    expect(ok(d, { env: {} }).fn.environment.STAGE_NAME).toBe('stage-dev');
  });

  it('${self:path.to.key}: another value of the file, itself resolved, typed when it is the whole value', () => {
    const d = doc();
    d.custom = { timeouts: { prod: 20, dev: 10 }, level: '${env:LEVEL, "warn"}' };
    d.provider.stage = 'prod';
    d.provider.timeout = '${self:custom.timeouts.${self:provider.stage}}';
    vars(d).LOG_LEVEL = '${self:custom.level}';
    d.functions.createTroubleInfo.description = 'Reports for ${self:service} (${opt:stage, self:provider.stage})';
    const c = ok(d, { env: {} });
    expect(c.fn.timeout).toBe(20);
    expect(c.fn.environment.LOG_LEVEL).toBe('warn');
    expect(c.fn.description).toBe('Reports for trtc-trouble (prod)');
  });

  it('a missing self key, a circular reference and an object inside a string are errors naming the key', () => {
    const d = doc();
    vars(d).LOG_LEVEL = '${self:custom.nope}';
    d.custom = { a: '${self:custom.b}', b: '${self:custom.a}', obj: { x: 1 } };
    d.functions.createTroubleInfo.description = 'x ${self:custom.obj}';
    const list = errors(d, { env: {} });
    expect(list).toContain('provider.environment.variables.LOG_LEVEL: ${self:custom.nope} has no value: custom.nope is not in serverless.yml');
    expect(
      list.some((e) => /^custom\.a: .*circular reference/.test(e)),
      list.join('\n'),
    ).toBe(true);
    expect(list).toContain('functions.createTroubleInfo.description: ${self:custom.obj} is a mapping or a list, which cannot be part of a string');
  });

  it('an escaped \\${…} stays literal text', () => {
    const d = doc();
    d.functions.createTroubleInfo.description = 'costs \\${env:HOME}';
    expect(ok(d, { env: { HOME: '/root' } }).fn.description).toBe('costs ${env:HOME}');
  });

  it('${NAME} without a source is refused, not deployed literally (the Framework would leave it as text)', () => {
    const d = doc();
    vars(d).AUTH_TOKEN = '${AUTH_TOKEN}';
    expect(errors(d, { env: { AUTH_TOKEN: TOKEN } })).toEqual([
      'provider.environment.variables.AUTH_TOKEN: ${AUTH_TOKEN} names no source: write ${env:AUTH_TOKEN} for an environment variable, or \\${ for a literal ${',
    ]);
  });
});

describe('every other source is refused, naming the key', () => {
  it.each([
    ['${ssm:/trtc/token}', 'ssm'],
    ['${file(./secrets.json):token}', 'file'],
    ['${s3:my-bucket/token}', 's3'],
    ['${cf:stack.Output}', 'cf'],
    ['${param:token}', 'param'],
    ['${env:MISSING, ssm:/trtc/token}', 'ssm'],
  ])('%s', (text, source) => {
    const d = doc();
    vars(d).AUTH_TOKEN = text;
    expect(errors(d, { env: {} })).toEqual([
      `provider.environment.variables.AUTH_TOKEN: ${text} uses the "${source}" source, which npm run deploy does not resolve (it resolves env, opt, self and sls:stage): put the value in an environment variable and write \${env:NAME}`,
    ]);
  });

  it('a malformed variable is an error naming the key', () => {
    const d = doc();
    vars(d).AUTH_TOKEN = '${env:AUTH_TOKEN';
    expect(errors(d, { env: { AUTH_TOKEN: TOKEN } })[0]).toMatch(/^provider\.environment\.variables\.AUTH_TOKEN: \$\{env:AUTH_TOKEN has no closing \}/);
  });
});

describe('resolveVariables', () => {
  it('never puts a resolved value in an error message', () => {
    const r = resolveVariables({ a: '${env:SECRET}', b: '${self:a} ${self:nope}' }, { env: { SECRET: TOKEN } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('does not resolve variables inside resolved values (an environment value is taken literally)', () => {
    const r = resolveVariables({ a: '${env:X}' }, { env: { X: '${env:SECRET}', SECRET: TOKEN } });
    expect(r).toEqual({ ok: true, value: { a: '${env:SECRET}' } });
  });

  it('a document without variables is returned as it is', () => {
    const d = doc();
    expect(resolveVariables(d, { env: {} })).toEqual({ ok: true, value: d });
  });
});
