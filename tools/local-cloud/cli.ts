/**
 * `npm run local [-- --port N] [--activation-delay MS] [--config PATH]`: starts the local cloud (SCF + TRTC emulators on
 * loopback), deploys this checkout to it with the deploy tool (tools/deploy), prints `local Function URL: …` on
 * stdout once ready and serves until SIGINT/SIGTERM, then stops everything it started (function instances
 * included). Progress and the control port go to stderr.
 *
 * `npm run local -- produce <triggerName> <message>... [--port N]`: posts messages to a running local cloud's
 * CKafka trigger (the port of the last `npm run local` started from this directory, unless --port).
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, DeployError } from '../deploy/deploy';
import { readableLine } from '../deploy/readable-log';
import { startLocalCloud } from './index';
import { describeInvocation } from './invocation-log';
import { stopOnSignals } from './signals';

const ROOT = path.resolve(__dirname, '..', '..');

const HELP = `usage: npm run local [-- --port N] [--activation-delay MS] [--config PATH]
       npm run local -- produce <triggerName> <message>... [--port N]

Starts a local cloud on 127.0.0.1 (an SCF API emulator, a CLS API emulator and the TRTC emulator), deploys this
checkout to it with npm run deploy's code, prints "local Function URL: http://127.0.0.1:PORT/" and serves until
Ctrl-C, printing each invocation as it happens. Its APIs accept the throwaway keys test/test: with the SCF_ENDPOINT
and CLS_ENDPOINT it prints, npm run deploy, info, invoke -- --remote, logs, rollback and remove work against it.

options:
  --port N               the local SCF API's port (default: a free port; printed on stderr)
  --activation-delay MS  how long Creating/Updating last before Active (default 200)
  --config PATH          the configuration to deploy (default serverless.yml)
  -h, --help             this help

produce: feeds a CKafka trigger of the running local cloud; each argument is one message.
`;

/** Where `npm run local` notes its port for `produce` (one per checkout). */
export function stateFile(root: string): string {
  return path.join(tmpdir(), `trtc-local-cloud-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.json`);
}

function usage(message: string): number {
  process.stderr.write(`npm run local: ${message} (npm run local -- --help)\n`);
  return 2;
}

function port(text: string | undefined): number | undefined | 'bad' {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return 'bad';
  return Number(text);
}

async function produce(trigger: string, messages: string[], portNumber: number | undefined): Promise<number> {
  let target = portNumber;
  if (target === undefined) {
    try {
      target = (JSON.parse(readFileSync(stateFile(ROOT), 'utf8')) as { port: number }).port;
    } catch {
      process.stderr.write('no running local cloud found for this checkout: start npm run local, or give --port\n');
      return 1;
    }
  }
  const body = JSON.stringify({ messages });
  const answer = await new Promise<{ status: number; text: string } | Error>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target,
        method: 'POST',
        path: `/_local/ckafka/${encodeURIComponent(trigger)}`,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', resolve);
    req.end(body);
  });
  if (answer instanceof Error) {
    process.stderr.write(`cannot reach the local cloud on 127.0.0.1:${String(target)}: ${answer.message}\n`);
    return 1;
  }
  if (answer.status !== 202) {
    process.stderr.write(`the local cloud refused: ${answer.text}\n`);
    return 1;
  }
  process.stdout.write(`${answer.text}\n`);
  return 0;
}

async function serve(portNumber: number | undefined, activationDelayMs: number, config: string | undefined): Promise<number> {
  const cloud = await startLocalCloud({
    activationDelayMs,
    ...(portNumber !== undefined ? { port: portNumber } : {}),
    onInvocation: (record) => process.stderr.write(`${describeInvocation(record, readableLine).join('\n')}\n`),
  });
  const state = stateFile(ROOT);
  let stopping: Promise<number> | undefined;
  const stop = (code: number): Promise<number> => {
    stopping ??= (async () => {
      rmSync(state, { force: true });
      await cloud.close();
      return code;
    })();
    return stopping;
  };
  const signalled = stopOnSignals(
    () => stop(0),
    (line) => process.stderr.write(line),
  );
  const scfPort = new URL(cloud.scfEndpoint).port;
  writeFileSync(state, JSON.stringify({ port: Number(scfPort), pid: process.pid }));
  process.stderr.write(
    `local SCF API: ${cloud.scfEndpoint} (control port ${scfPort}: npm run local -- produce <trigger> <message>... --port ${scfPort})\n` +
      `local CLS API: ${cloud.clsEndpoint}\n` +
      `local TRTC:    ${cloud.trtc.url}\n` +
      `talk to it with the throwaway keys it accepts:\n` +
      `  export SCF_ENDPOINT=${cloud.scfEndpoint} CLS_ENDPOINT=${cloud.clsEndpoint} ` +
      `TENCENTCLOUD_SECRET_ID=${cloud.deployer.secretId} TENCENTCLOUD_SECRET_KEY=${cloud.deployer.secretKey}\n` +
      `  then npm run deploy, info, invoke -- --remote, logs, rollback, remove\n`,
  );
  try {
    const result = await deploy({
      root: ROOT,
      yes: true,
      pollIntervalMs: 100,
      ...(config !== undefined ? { config } : {}),
      print: (line) => process.stderr.write(`deploy: ${line}\n`),
      env: {
        SCF_ENDPOINT: cloud.scfEndpoint,
        TENCENTCLOUD_SECRET_ID: cloud.deployer.secretId,
        TENCENTCLOUD_SECRET_KEY: cloud.deployer.secretKey,
        ...(process.env.TENCENTCLOUD_REGION !== undefined ? { TENCENTCLOUD_REGION: process.env.TENCENTCLOUD_REGION } : {}),
      },
    });
    if (result.url === null) {
      process.stderr.write('the deployed function has no Function URL (serverless.yml declares no http event)\n');
    } else {
      process.stdout.write(`local Function URL: ${result.url}\n`);
    }
    process.stderr.write('serving; Ctrl-C stops the local cloud\n');
  } catch (error) {
    const message = error instanceof DeployError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`deploying to the local cloud failed: ${message}\n`);
    return stop(1);
  }
  return signalled;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { port: { type: 'string' }, 'activation-delay': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const portNumber = port(values.port);
  if (portNumber === 'bad') return usage(`--port must be a whole number from 0 to 65535, got "${String(values.port).slice(0, 16)}"`);
  const [command, trigger, ...messages] = positionals;
  if (command === 'produce') {
    if (values['activation-delay'] !== undefined || values.config !== undefined) return usage('produce takes --port only');
    if (trigger === undefined || messages.length === 0) return usage('produce needs a trigger name and at least one message');
    return produce(trigger, messages, portNumber);
  }
  if (command !== undefined) return usage(`unknown command "${command}" (the only command is produce)`);
  const delayText = values['activation-delay'] ?? '200';
  if (!/^\d{1,6}$/.test(delayText)) return usage(`--activation-delay must be a whole number of milliseconds, got "${delayText.slice(0, 16)}"`);
  return serve(portNumber, Number(delayText), values.config);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm run local failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
