/**
 * The local cloud: a loopback SCF API (scf.tencentcloudapi.com 2018-04-16), a loopback CLS API
 * (cls.tencentcloudapi.com 2020-10-16, SearchLog over the functions' log lines) and the TRTC emulator, wired so that
 * functions deployed to the local SCF run with temporary keys the local TRTC accepts. Both APIs accept the fixed
 * throwaway keys `test`/`test` (LocalStack's convention), so the lifecycle commands work against it with
 * SCF_ENDPOINT/CLS_ENDPOINT set. Dev-time only, never bundled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { TrtcEmulator } from '../trtc-emulator';
import { ScfApiServer, type ScfCall } from './api-server';
import type { CkafkaDelivery } from './ckafka';
import { CLS_VERSION, LocalCls } from './cls';
import type { InvocationRecord } from './invocation-log';
import { LocalScf } from './local-scf';

/** The keys the local APIs accept unless others are given: throwaway, printed at start, as LocalStack's test/test. */
export const LOCAL_KEYS = { secretId: 'test', secretKey: 'test' } as const;

export interface LocalCloudOptions {
  /** How long Creating/Updating last before Active (default 200 ms). */
  activationDelayMs?: number;
  /** The account's APPID (default 1250000000). */
  appId?: string;
  /** Wait before a failed CKafka batch is redelivered (default 1000 ms). */
  ckafkaRetryDelayMs?: number;
  /** Port of the SCF API (default: any free port). */
  port?: number;
  /** Port of the CLS API (default: any free port). */
  clsPort?: number;
  /** Where background failures of the local cloud itself are reported (default: stderr). */
  onError?: (error: Error) => void;
  /** Each finished invocation, as it happens. */
  onInvocation?: (record: InvocationRecord) => void;
  /** The deploying identity's keys the APIs accept (default {@link LOCAL_KEYS}). */
  deployer?: { secretId: string; secretKey: string };
}

export interface LocalCloud {
  /** Base URL of the local SCF API, e.g. `http://127.0.0.1:41234` (give it as SCF_ENDPOINT). */
  scfEndpoint: string;
  /** Base URL of the local CLS API (give it as CLS_ENDPOINT). */
  clsEndpoint: string;
  trtc: TrtcEmulator;
  /** Long-term keys of the deploying identity, known to the local SCF. */
  deployer: { secretId: string; secretKey: string };
  /** Every SCF API call in arrival order with its verdict (`error` = the error code answered). */
  calls(): readonly ScfCall[];
  /** Every finished invocation so far, oldest first. */
  invocations(): readonly InvocationRecord[];
  /** Appends messages to a CKafka trigger's local topic (delivered asynchronously); rejects for an unknown trigger. */
  produce(triggerName: string, messages: readonly string[]): Promise<void>;
  /** Every CKafka batch invocation of a trigger so far. */
  deliveries(triggerName: string): readonly CkafkaDelivery[];
  /** Resolves once every topic is drained and every background invocation ended. */
  idle(): Promise<void>;
  /** PIDs of the function instances alive now. */
  instancePids(): number[];
  /** A test fault: the next `times` (default 1) CreateFunction of the function `name` end CreateFailed. */
  failNextCreate(name: string, times?: number): void;
  close(): Promise<void>;
}

/** This module's folder, whether it is loaded as CommonJS (tsx, the CLI) or as ESM (vitest, .mts scripts). */
function here(): string {
  const url: unknown = (import.meta as { url?: unknown }).url;
  if (typeof url === 'string' && url.startsWith('file:')) return path.dirname(fileURLToPath(url));
  return __dirname;
}
const RUNNER_SOURCE = path.join(here(), 'runner.ts');

/** Compiles runner.ts to plain CommonJS, so instances run on bare node. */
async function compileRunner(dir: string): Promise<string> {
  const outfile = path.join(dir, 'runner.cjs');
  await build({ entryPoints: [RUNNER_SOURCE], outfile, bundle: true, platform: 'node', target: 'node18', format: 'cjs', logLevel: 'silent' });
  return outfile;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const root = mkdtempSync(path.join(tmpdir(), 'local-scf-'));
  const trtc = new TrtcEmulator({ credentials: [] });
  const deployer = options.deployer ?? { ...LOCAL_KEYS };
  const keys = (secretId: string) => (secretId === deployer.secretId ? { secretKey: deployer.secretKey } : undefined);
  const invocations: InvocationRecord[] = [];
  const cls = new LocalCls();
  const onError = options.onError ?? ((error: Error) => process.stderr.write(`local SCF: ${error.message}\n`));
  let scf: LocalScf | undefined;
  let api: ScfApiServer | undefined;
  let clsApi: ScfApiServer | undefined;
  try {
    const runnerPath = await compileRunner(root);
    await trtc.start();
    const local = new LocalScf({
      trtc,
      cls,
      workDir: path.join(root, 'functions'),
      runnerPath,
      appId: options.appId ?? '1250000000',
      uin: '100000000001',
      activationDelayMs: options.activationDelayMs ?? 200,
      ckafkaRetryDelayMs: options.ckafkaRetryDelayMs ?? 1000,
      onError,
      onInvocation: (record) => {
        invocations.push(record);
        if (invocations.length > 10_000) invocations.shift();
        options.onInvocation?.(record);
      },
    });
    scf = local;
    const server = new ScfApiServer({
      keys,
      call: (action, params, region) => local.call(action, params, region),
      produce: (name, messages) => {
        const topic = local.topic(name);
        return topic === undefined ? undefined : { offsets: topic.produce(messages) };
      },
    });
    api = server;
    const scfEndpoint = await server.start(options.port ?? 0);
    const clsServer = new ScfApiServer({ keys, call: async (action, params) => cls.call(action, params), version: CLS_VERSION, service: 'cls' });
    clsApi = clsServer;
    const clsEndpoint = await clsServer.start(options.clsPort ?? 0);
    let closing: Promise<void> | undefined;
    return {
      scfEndpoint,
      clsEndpoint,
      trtc,
      deployer,
      calls: () => server.calls,
      invocations: () => invocations,
      produce: async (name, messages) => {
        const topic = local.topic(name);
        if (topic === undefined) throw new Error(`no ckafka trigger named ${name}`);
        topic.produce(messages);
      },
      deliveries: (name) => local.topic(name)?.deliveries ?? [],
      idle: () => local.idle(),
      instancePids: () => local.instancePids(),
      failNextCreate: (name, times) => local.failNextCreate(name, times),
      close: () => {
        closing ??= (async () => {
          await server.stop();
          await clsServer.stop();
          await local.close();
          await trtc.stop();
          rmSync(root, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    await api?.stop();
    await clsApi?.stop();
    await scf?.close();
    await trtc.stop();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
