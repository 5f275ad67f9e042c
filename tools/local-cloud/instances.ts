/**
 * Function instances: child Node processes running runner.ts, one invocation at a time, reused warm. An
 * instance past its timeout is killed (SIGKILL) and never reused; so is one whose process died. A pool belongs
 * to one code+configuration generation of a function and is retired when either changes.
 */
import { fork, type ChildProcess } from 'node:child_process';

export interface InstanceSpec {
  /** The compiled runner (plain CommonJS). */
  runnerPath: string;
  /** The extracted code package. */
  codeDir: string;
  file: string;
  method: string;
  /** The process environment of a new instance (called once per instance: fresh role keys each time). */
  environment: () => Record<string, string>;
  /** How long loading the code may take (SCF InitTimeout). */
  initTimeoutMs: number;
  /** At most this many instances at once; further invocations wait for one (SCF's concurrency quota). */
  maxInstances: number;
}

export interface InvocationRequest {
  event: unknown;
  context: Record<string, unknown>;
  timeoutMs: number;
  /** Per-invocation variables (e.g. TRIGGER_SRC=Timer); undefined removes one. */
  env: Record<string, string | undefined>;
}

interface Measured {
  log: string;
  durationMs: number;
  memUsage: number;
}
export type InvocationOutcome =
  | ({ kind: 'ok'; retMsg: string } & Measured)
  | ({ kind: 'error'; errorMessage: string; errorType: string } & Measured)
  | ({ kind: 'timeout' } & Measured)
  | ({ kind: 'crash'; message: string } & Measured)
  | ({ kind: 'init-error'; message: string } & Measured);

type ChildMessage =
  | { type: 'loaded'; log: string }
  | { type: 'load-error'; reason: 'export' | 'load'; message: string; log: string }
  | { type: 'done'; id: string; ok: true; value: string; log: string; memUsage: number }
  | { type: 'done'; id: string; ok: false; error: { message: string; type: string }; log: string; memUsage: number };

const OUTPUT_TAIL = 8192;

class Instance {
  readonly child: ChildProcess;
  busy = false;
  dead = false;
  private output = '';
  private readonly exited: Promise<void>;
  private listener: ((message: ChildMessage) => void) | undefined;
  private onExit: (() => void) | undefined;

  constructor(spec: InstanceSpec) {
    this.child = fork(spec.runnerPath, [], {
      execPath: process.execPath,
      execArgv: [],
      cwd: spec.codeDir,
      env: spec.environment(),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (message: ChildMessage) => this.listener?.(message));
    this.child.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.dead = true;
        this.onExit?.();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Loads the code; resolves undefined when ready, or the reason it cannot run. */
  load(spec: InstanceSpec): Promise<{ message: string; log: string } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ message: `initialisation timed out after ${String(spec.initTimeoutMs)} ms`, log: this.output });
      }, spec.initTimeoutMs);
      const settle = (value: { message: string; log: string } | undefined): void => {
        clearTimeout(timer);
        this.listener = undefined;
        this.onExit = undefined;
        resolve(value);
      };
      this.onExit = () => settle({ message: 'the instance exited while loading the code', log: this.output });
      this.listener = (message) => {
        if (message.type === 'loaded') settle(undefined);
        else if (message.type === 'load-error') settle({ message: message.message, log: message.log + this.output });
      };
      this.child.send({ type: 'load', dir: spec.codeDir, file: spec.file, method: spec.method });
    });
  }

  invoke(id: string, request: InvocationRequest): Promise<InvocationOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    return new Promise((resolve) => {
      const settle = (outcome: InvocationOutcome): void => {
        clearTimeout(timer);
        this.listener = undefined;
        this.onExit = undefined;
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.kill();
        settle({ kind: 'timeout', log: this.output, durationMs: request.timeoutMs, memUsage: 0 });
      }, request.timeoutMs);
      this.onExit = () =>
        settle({ kind: 'crash', message: 'the function instance exited during the invocation', log: this.output, durationMs: elapsed(), memUsage: 0 });
      this.listener = (message) => {
        if (message.type !== 'done' || message.id !== id) return;
        const measured = { log: message.log, durationMs: elapsed(), memUsage: message.memUsage };
        if (message.ok) settle({ kind: 'ok', retMsg: message.value, ...measured });
        else settle({ kind: 'error', errorMessage: message.error.message, errorType: message.error.type, ...measured });
      };
      this.child.send({ type: 'invoke', id, event: request.event, context: request.context, deadline: Date.now() + request.timeoutMs, env: request.env });
    });
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }
}

/** The warm instances of one function generation. */
export class InstancePool {
  private readonly idle: Instance[] = [];
  private readonly all = new Set<Instance>();
  private readonly waiting: (() => void)[] = [];
  private retired = false;

  constructor(private readonly spec: InstanceSpec) {}

  /** PIDs of the live instances (tests check none outlives the local cloud). */
  pids(): number[] {
    return [...this.all].flatMap((instance) => (instance.pid === undefined || instance.dead ? [] : [instance.pid]));
  }

  /** Starts one instance and loads the code, to check the package can run; the instance stays warm. */
  async check(): Promise<{ message: string; log: string } | undefined> {
    const instance = new Instance(this.spec);
    this.all.add(instance);
    const failure = await instance.load(this.spec);
    if (failure !== undefined) {
      await this.drop(instance);
      return failure;
    }
    this.release(instance);
    return undefined;
  }

  async invoke(id: string, request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.retired) throw new Error('the instance pool is retired');
    const started = performance.now();
    let instance = this.idle.pop();
    while (instance === undefined && this.all.size >= this.spec.maxInstances && !this.retired) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      instance = this.idle.pop();
    }
    if (this.retired) throw new Error('the instance pool is retired');
    while (instance !== undefined && instance.dead) {
      this.all.delete(instance);
      instance = this.idle.pop();
    }
    if (instance === undefined) {
      instance = new Instance(this.spec);
      this.all.add(instance);
      const failure = await instance.load(this.spec);
      if (failure !== undefined) {
        await this.drop(instance);
        return { kind: 'init-error', message: failure.message, log: failure.log, durationMs: performance.now() - started, memUsage: 0 };
      }
    }
    instance.busy = true;
    const outcome = await instance.invoke(id, request);
    instance.busy = false;
    if (outcome.kind === 'timeout' || outcome.kind === 'crash' || instance.dead || this.retired) await this.drop(instance);
    else this.release(instance);
    return outcome;
  }

  /** No new invocations; idle instances stop now, busy ones when their invocation ends. */
  async retire(): Promise<void> {
    this.retired = true;
    for (const wake of this.waiting.splice(0)) wake();
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((instance) => this.drop(instance)));
  }

  /** Stops every instance at once, busy ones included. */
  async stop(): Promise<void> {
    this.retired = true;
    for (const wake of this.waiting.splice(0)) wake();
    this.idle.length = 0;
    await Promise.all([...this.all].map((instance) => this.drop(instance)));
  }

  private release(instance: Instance): void {
    if (this.retired) {
      void this.drop(instance);
      return;
    }
    this.idle.push(instance);
    this.waiting.shift()?.();
  }

  private async drop(instance: Instance): Promise<void> {
    await instance.stop();
    this.all.delete(instance);
    this.waiting.shift()?.();
  }
}
