/** The local SCF's background work: delayed tasks, sleeps cut short at close, and tracked promises whose failures are reported. */
export class Background {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly onError: (error: Error) => void) {}

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every tracked promise now running has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Waits `ms`, or less when closed. */
  sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.sleepers.add(wake);
    });
  }

  later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(work());
    }, ms);
    this.timers.add(timer);
  }

  track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))))
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** No more delayed tasks; sleeps end now. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }
}
