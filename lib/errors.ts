/**
 * Errors that leave the handler for the platform (which retries on them and prints them in the function's log).
 * They carry no stack frames: the log shows what failed, never where in the code.
 */
import type { BatchSummary } from './batch-summary';
import type { Envelope } from './outcome';

/** The family: an error handed to the platform, whose stack shows only its name and message. */
export abstract class PlatformError extends Error {
  protected constructor(message: string) {
    super(message);
    // After super(): the subclass's `name` field is not set yet, so the stack is rebuilt lazily from the final name.
    let stack: string | undefined;
    Object.defineProperty(this, 'stack', {
      get: () => stack ?? `${this.name}: ${this.message}`,
      set: (value: string) => (stack = value),
      configurable: true,
    });
  }
}

/** Thrown for a direct invocation whose report should be sent again later; the message is the JSON envelope. */
export class ReportNotRecordedError extends PlatformError {
  override readonly name = 'ReportNotRecordedError';
  constructor(
    readonly envelope: Envelope,
    mask: (text: string) => string = (text) => text,
  ) {
    super(mask(JSON.stringify(envelope)));
  }
}

/** Thrown at the end of a batch with retryable failures, so the platform redelivers it. */
export class BatchIncompleteError extends PlatformError {
  override readonly name = 'BatchIncompleteError';
  /** `mask` hides secret values that may sit in message keys taken from the event. */
  constructor(
    readonly summary: BatchSummary,
    mask: (text: string) => string = (text) => text,
  ) {
    const failed = summary.records.filter((r) => r.status === 'failed');
    const fix = summary.fix?.message;
    const listed = failed
      .slice(0, 10)
      .map((r) => `#${r.index}${r.key ? ` (${r.key})` : ''}: ${r.error?.code ?? 'failed'}`)
      .join('; ');
    super(
      mask(
        `${summary.failed} of ${summary.total} ${summary.source} records were not recorded and should be redelivered ` +
          `(${summary.sent} sent, ${summary.skipped} skipped as invalid): ${listed}${failed.length > 10 ? '; …' : ''}` +
          (fix ? `. Fix the deployment: ${fix}` : ''),
      ),
    );
  }
}

/** Thrown when the probe finds the function unable to send reports, so the invocation shows as failed in monitoring. */
export class ProbeFailedError extends PlatformError {
  override readonly name = 'ProbeFailedError';
  constructor(message: string) {
    super(message);
  }
}
