/**
 * Function instances: child Node processes running runner.ts, one invocation at a time, reused warm. An instance is
 * stopped (SIGKILL) and never reused when it outlives its timeout, when its processes together hold more resident
 * memory than the function's MemorySize (checked every MEMORY_POLL_MS; the V8 heap is capped at MemorySize too),
 * when an event cannot be handed to it, or when its process died. Stopping an instance ends every process it started:
 * its process group, every descendant seen, and every process that still carries its marker in the environment (a
 * detached grandchild re-parented away). A pool belongs to one code+configuration generation of a function; when a
 * newer generation takes over, the invocations already waiting for an instance still run on the old one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { descendants, killSeen, marked, residentBytes, stillRunning, type Seen } from './process-tree';

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
  /** The function's MemorySize: the most resident memory an instance and its processes may hold. */
  memoryMb: number;
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
  | ({ kind: 'memory'; limitMb: number } & Measured)
  | ({ kind: 'undeliverable'; message: string } & Measured)
  | ({ kind: 'crash'; message: string } & Measured)
  | ({ kind: 'init-error'; message: string } & Measured);

type ChildMessage =
  | { type: 'loaded'; log: string }
  | { type: 'load-error'; reason: 'export' | 'load'; message: string; log: string }
  | { type: 'done'; id: string; ok: true; value: string; log: string; memUsage: number }
  | { type: 'done'; id: string; ok: false; error: { message: string; type: string }; log: string; memUsage: number };

/** What the instance's process wrote outside an invocation's capture (V8's fatal errors, say): the last 8 KB. */
const OUTPUT_TAIL = 8192;
/** How often a working instance's resident memory is read. */
export const MEMORY_POLL_MS = 25;
/** Every this many memory readings, the instance's descendants are looked up again. */
const TREE_EVERY = 4;
/** The variable that marks every process of an instance (inherited by whatever the function starts). */
export const INSTANCE_MARKER = 'LOCAL_SCF_INSTANCE';
const HEAP_EXHAUSTED = /JavaScript heap out of memory/;

/** SCF documents the memory overrun's status code (434) only; the text is the local SCF's. */
export function memoryMessage(usedBytes: number, limitMb: number): string {
  const limit = `its memory limit of ${String(limitMb)} MB`;
  return usedBytes > limitMb * 1048576
    ? `Memory limit exceeded: the function's processes used ${String(Math.ceil(usedBytes / 1048576))} MB, more than ${limit}; the instance was stopped`
    : `Memory limit exceeded: the function's JavaScript heap reached ${limit}; the instance was stopped`;
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /call stack/i.test(text) ? `is nested too deeply to be passed to the function (${text})` : `cannot be passed to the function (${text})`;
}

class Instance {
  readonly child: ChildProcess;
  busy = false;
  dead = false;
  private ended = false;
  private output = '';
  private readonly marker = randomUUID();
  private readonly seen = new Map<number, Seen>();
  private readonly exited: Promise<void>;
  private listener: ((message: ChildMessage) => void) | undefined;
  private onExit: (() => void) | undefined;
  private watch: NodeJS.Timeout | undefined;
  /** The most resident memory seen during the current piece of work, in bytes. */
  private peak = 0;
  /** Set when the instance was stopped for holding more than its memory. */
  private overrun: number | undefined;

  constructor(private readonly spec: InstanceSpec) {
    this.child = fork(spec.runnerPath, [], {
      execPath: process.execPath,
      execArgv: [`--max-old-space-size=${String(spec.memoryMb)}`],
      cwd: spec.codeDir,
      env: { ...spec.environment(), [INSTANCE_MARKER]: this.marker },
      // Its own process group, so the group can be ended at once (and a terminal's Ctrl-C reaches the local cloud only).
      detached: true,
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
        this.stopWatching();
        this.kill();
        this.onExit?.();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why the process ended while working: its memory, or a crash. */
  private exitReason(): 'memory' | 'crash' {
    return this.overrun !== undefined || HEAP_EXHAUSTED.test(this.output) ? 'memory' : 'crash';
  }

  /** Loads the code; resolves undefined when ready, or the reason it cannot run. */
  load(): Promise<{ message: string; log: string } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ message: `initialisation timed out after ${String(this.spec.initTimeoutMs)} ms`, log: this.output });
      }, this.spec.initTimeoutMs);
      const settle = (value: { message: string; log: string } | undefined): void => {
        clearTimeout(timer);
        this.stopWatching();
        this.listener = undefined;
        this.onExit = undefined;
        resolve(value);
      };
      this.onExit = () =>
        settle({
          message:
            this.exitReason() === 'memory'
              ? `loading the code: ${memoryMessage(this.overrun ?? 0, this.spec.memoryMb)}`
              : 'the instance exited while loading the code',
          log: this.output,
        });
      this.listener = (message) => {
        if (message.type === 'loaded') settle(undefined);
        else if (message.type === 'load-error') settle({ message: message.message, log: message.log + this.output });
      };
      this.startWatching();
      this.child.send({ type: 'load', dir: this.spec.codeDir, file: this.spec.file, method: this.spec.method });
    });
  }

  invoke(id: string, request: InvocationRequest): Promise<InvocationOutcome> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    return new Promise((resolve) => {
      const settle = (outcome: InvocationOutcome): void => {
        clearTimeout(timer);
        this.stopWatching();
        this.listener = undefined;
        this.onExit = undefined;
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.kill();
        settle({ kind: 'timeout', log: this.output, durationMs: request.timeoutMs, memUsage: this.peak });
      }, request.timeoutMs);
      this.onExit = () => {
        const measured = { log: this.output, durationMs: elapsed(), memUsage: this.overrun ?? this.peak };
        if (this.exitReason() === 'memory') settle({ kind: 'memory', limitMb: this.spec.memoryMb, ...measured });
        else settle({ kind: 'crash', message: 'the function instance exited during the invocation', ...measured });
      };
      this.listener = (message) => {
        if (message.type !== 'done' || message.id !== id) return;
        const measured = { log: message.log, durationMs: elapsed(), memUsage: Math.max(message.memUsage, this.peak) };
        if (message.ok) settle({ kind: 'ok', retMsg: message.value, ...measured });
        else settle({ kind: 'error', errorMessage: message.error.message, errorType: message.error.type, ...measured });
      };
      const undeliverable = (error: unknown): void => {
        this.kill();
        settle({ kind: 'undeliverable', message: `the event ${reason(error)}`, log: '', durationMs: elapsed(), memUsage: 0 });
      };
      this.startWatching();
      const message = { type: 'invoke', id, event: request.event, context: request.context, deadline: Date.now() + request.timeoutMs, env: request.env };
      try {
        this.child.send(message, (error) => {
          if (error !== null) undeliverable(error);
        });
      } catch (error) {
        undeliverable(error);
      }
    });
  }

  /** Reads the resident memory of the instance and every process it started; stops the instance past its limit. */
  private startWatching(): void {
    this.peak = 0;
    let tick = 0;
    const read = (): void => {
      const root = this.child.pid;
      if (root === undefined || this.dead) return;
      if (tick % TREE_EVERY === 0) for (const seen of descendants(root)) this.seen.set(seen.pid, seen);
      tick += 1;
      let total = residentBytes(root);
      for (const seen of this.seen.values()) {
        if (stillRunning(seen)) total += residentBytes(seen.pid);
        else this.seen.delete(seen.pid);
      }
      this.peak = Math.max(this.peak, total);
      if (total > this.spec.memoryMb * 1048576) {
        this.overrun = total;
        this.kill();
      }
    };
    read();
    this.watch = setInterval(read, MEMORY_POLL_MS);
    this.watch.unref();
  }

  private stopWatching(): void {
    if (this.watch !== undefined) clearInterval(this.watch);
    this.watch = undefined;
  }

  /** Ends the instance and every process it started (once). */
  kill(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopWatching();
    const root = this.child.pid;
    const started = [...this.seen.values(), ...(root !== undefined && !this.dead ? descendants(root) : [])];
    if (root !== undefined) {
      try {
        process.kill(-root, 'SIGKILL');
      } catch {
        // the group has no member left: the instance and its undetached processes have ended
      }
    }
    if (!this.dead) this.child.kill('SIGKILL');
    for (const seen of started) killSeen(seen);
    // A detached grandchild is re-parented away from the instance, but keeps the marker it inherited.
    for (let round = 0; round < 5; round += 1) {
      const left = marked(INSTANCE_MARKER, this.marker);
      if (left.length === 0) break;
      for (const seen of left) killSeen(seen);
    }
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
  /** Pools of older generations this one took over, until they drain. */
  private readonly predecessors = new Set<InstancePool>();
  /** Invocations in progress (waiting for an instance included). */
  private active = 0;
  private retired = false;
  private stopped = false;
  private drained: (() => void)[] = [];

  constructor(private readonly spec: InstanceSpec) {}

  /** PIDs of the live instances, those of older generations still draining included. */
  pids(): number[] {
    const own = [...this.all].flatMap((instance) => (instance.pid === undefined || instance.dead ? [] : [instance.pid]));
    return [...own, ...[...this.predecessors].flatMap((pool) => pool.pids())];
  }

  /** Starts one instance and loads the code, to check the package can run; the instance stays warm. */
  async check(): Promise<{ message: string; log: string } | undefined> {
    const instance = new Instance(this.spec);
    this.all.add(instance);
    const failure = await instance.load();
    if (failure !== undefined) {
      await this.drop(instance);
      return failure;
    }
    this.release(instance);
    return undefined;
  }

  async invoke(id: string, request: InvocationRequest): Promise<InvocationOutcome> {
    if (this.retired) throw new Error('the instance pool is retired');
    this.active += 1;
    try {
      return await this.serve(id, request);
    } finally {
      this.active -= 1;
      this.settleDrain();
    }
  }

  private async serve(id: string, request: InvocationRequest): Promise<InvocationOutcome> {
    const started = performance.now();
    let instance = this.takeIdle();
    while (instance === undefined && this.all.size >= this.spec.maxInstances && !this.stopped) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      instance = this.takeIdle();
    }
    if (this.stopped) throw new Error('the function instances are stopping');
    if (instance === undefined) {
      instance = new Instance(this.spec);
      this.all.add(instance);
      const failure = await instance.load();
      if (failure !== undefined) {
        await this.drop(instance);
        return { kind: 'init-error', message: failure.message, log: failure.log, durationMs: performance.now() - started, memUsage: 0 };
      }
    }
    instance.busy = true;
    let outcome: InvocationOutcome;
    try {
      outcome = await instance.invoke(id, request);
    } catch (error) {
      await this.drop(instance);
      throw error;
    }
    instance.busy = false;
    if (outcome.kind !== 'ok' && outcome.kind !== 'error') await this.drop(instance);
    else if (instance.dead) await this.drop(instance);
    else this.release(instance);
    return outcome;
  }

  /**
   * This pool replaces `older`: `older` takes no new invocations, serves those already waiting for one of its
   * instances (they run on the configuration they were sent to), then stops; resolves once it has. Stopping this
   * pool stops `older` too.
   */
  async inherit(older: InstancePool): Promise<void> {
    this.predecessors.add(older);
    try {
      await older.retire();
    } finally {
      this.predecessors.delete(older);
    }
  }

  /** No new invocations; the waiting ones are served, then every instance stops. Resolves when all have. */
  async retire(): Promise<void> {
    this.retired = true;
    const done = new Promise<void>((resolve) => this.drained.push(resolve));
    if (this.waiting.length === 0) await Promise.all(this.idle.splice(0).map((instance) => this.drop(instance)));
    this.settleDrain();
    await done;
  }

  /** Stops every instance at once, busy ones included, and every older pool still draining. */
  async stop(): Promise<void> {
    this.retired = true;
    this.stopped = true;
    for (const wake of this.waiting.splice(0)) wake();
    this.idle.length = 0;
    await Promise.all([...[...this.all].map((instance) => this.drop(instance)), ...[...this.predecessors].map((pool) => pool.stop())]);
    this.settleDrain();
  }

  private takeIdle(): Instance | undefined {
    let instance = this.idle.pop();
    while (instance !== undefined && instance.dead) {
      this.all.delete(instance);
      instance = this.idle.pop();
    }
    return instance;
  }

  private release(instance: Instance): void {
    if (this.stopped || (this.retired && this.waiting.length === 0)) {
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
    this.settleDrain();
  }

  private settleDrain(): void {
    if (!this.retired || this.active > 0 || this.all.size > 0) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
