/**
 * A CKafka trigger's local topic (one partition): messages are appended by `produce`, delivered in order in
 * batches of at most maxMsgNum as the SCF CKafka event, the next batch only after the previous invocation ended.
 * A failed invocation redelivers the whole batch, up to `retry` times, then the batch is skipped (as CKafka
 * does once its retries are spent). Nothing is delivered while the trigger is disabled.
 */
export interface CkafkaSettings {
  maxMsgNum: number;
  retry: number;
  enabled: boolean;
}

export interface CkafkaEvent {
  Records: { Ckafka: { topic: string; partition: number; offset: number; msgKey: string; msgBody: string } }[];
}

/** One invocation of a batch, for tests and the console. */
export interface CkafkaDelivery {
  topic: string;
  offsets: number[];
  /** 1 for the first delivery of the batch, 2 for its first redelivery, … */
  attempt: number;
  ok: boolean;
  error?: string;
}

export class CkafkaTopic {
  private readonly messages: string[] = [];
  /** Offset of the first message not yet delivered successfully (or given up). */
  private committed = 0;
  private attempt = 0;
  private running: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly log: CkafkaDelivery[] = [];

  constructor(
    readonly topic: string,
    private readonly settings: () => CkafkaSettings,
    private readonly deliver: (event: CkafkaEvent) => Promise<{ ok: boolean; error?: string }>,
    private readonly retryDelayMs: number,
  ) {}

  get deliveries(): readonly CkafkaDelivery[] {
    return this.log;
  }

  /** Appends messages; returns their offsets. Delivery starts on the next turn of the event loop. */
  produce(bodies: readonly string[]): number[] {
    if (this.closed) throw new Error(`the topic ${this.topic} is closed`);
    const first = this.messages.length;
    this.messages.push(...bodies);
    this.kick();
    return bodies.map((_, index) => first + index);
  }

  /** Starts delivering (again), e.g. after the trigger was enabled. */
  kick(): void {
    if (this.running !== undefined || this.closed) return;
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.pump())
      .finally(() => {
        this.running = undefined;
        if (!this.closed && this.settings().enabled && this.committed < this.messages.length) this.kick();
      });
  }

  /** Resolves once every message was delivered or given up (or the trigger is disabled). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.idle();
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.settings().enabled && this.committed < this.messages.length) {
      const { maxMsgNum, retry } = this.settings();
      const offsets: number[] = [];
      for (let o = this.committed; o < Math.min(this.messages.length, this.committed + maxMsgNum); o += 1) offsets.push(o);
      const event: CkafkaEvent = {
        Records: offsets.map((offset) => ({
          Ckafka: { topic: this.topic, partition: 0, offset, msgKey: 'None', msgBody: this.messages[offset] ?? '' },
        })),
      };
      this.attempt += 1;
      const result = await this.deliver(event);
      this.log.push({ topic: this.topic, offsets, attempt: this.attempt, ok: result.ok, ...(result.error !== undefined ? { error: result.error } : {}) });
      if (result.ok || this.attempt > retry) {
        this.committed += offsets.length;
        this.attempt = 0;
      } else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.retryDelayMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
