/**
 * The Timer trigger's drain: reports parked while no call slot of the shared quota was free (a burst) are sent,
 * oldest first, through the same idempotent path as a delivery (each key is recorded once), at the quota's pace
 * (every attempt takes a slot from the shared limiter; this instance's batch rate besides), by a few workers, for
 * as long as the invocation may run. Each worker leases one entry at a time, so two drains never send the same
 * report at once, and a crashed drain's lease expires. See docs/reliability.md, "A burst is parked, not refused".
 */
import { deadlineAt } from './deadline';
import { inProgress } from './failures';
import type { Lease } from './dead-letter/store';
import type { Invocation } from './invocation';
import type { Outcome } from './outcome';
import { PacedClient } from './pacer';
import { deliverOnce } from './pipeline';
import { validateReport } from './report';
import { park } from './send-once';

/** What one drain did. */
export interface DrainReport {
  /** Reports recorded now. */
  readonly recorded: number;
  /** Reports found recorded already (a caller's retry got through first). */
  readonly alreadyRecorded: number;
  /** Reports moved to "given up" (two unanswered sends, or refused by TRTC). */
  readonly givenUp: number;
  /** Reports left waiting (no slot again, or a failure worth retrying). */
  readonly leftWaiting: number;
  /** Why it stopped: nothing was left waiting, the invocation's time, or TRTC failing. */
  readonly stopped: 'empty' | 'time' | 'failing';
}

/** The longest one parked report may take (a slot's wait, a patient attempt), as a multiple of UPSTREAM_TIMEOUT_MS. */
const REPORT_BUDGET_TIMEOUTS = 3;

export async function drainParked(inv: Invocation): Promise<DrainReport> {
  const store = inv.deadLetters;
  const client = new PacedClient(inv.client, inv.config.batchRatePerSecond);
  const budgetMs = REPORT_BUDGET_TIMEOUTS * inv.config.upstreamTimeoutMs + 1000;
  const counts = { recorded: 0, alreadyRecorded: 0, givenUp: 0, leftWaiting: 0 };
  let stopped: DrainReport['stopped'] = 'empty';
  let failing = false;

  const one = async (lease: Lease): Promise<void> => {
    const { entry } = lease;
    const validated = validateReport(entry.report as unknown as Record<string, unknown>);
    let outcome: Outcome | undefined;
    if (validated.ok) {
      // Each report gets its own deadline inside the invocation's, so one hung call cannot hold a worker for long.
      const deadline = deadlineAt(Math.min(inv.deadline.at, Date.now() + budgetMs));
      outcome = await deliverOnce(validated.report, { ...inv, client, deadline, source: entry.source }, entry.key, `${inv.id}:drain`);
    }
    if (outcome?.ok) {
      if (outcome.replayed) counts.alreadyRecorded += 1;
      else counts.recorded += 1;
      await store.settle(lease, 'done');
      return;
    }
    if (outcome?.failure.parked === 'given-up') {
      counts.givenUp += 1;
      await store.settle(lease, 'done');
      return;
    }
    if (outcome === undefined || !outcome.failure.retryable) {
      // Invalid (never expected: it was validated before parking) or refused by TRTC: an operator must look.
      const reason = outcome ? `${outcome.failure.code}: ${outcome.failure.message}` : 'the parked report is not valid';
      await park({ ...entry, kind: 'given-up', reason }, { deadLetters: store, remaining: () => inv.deadline.remaining(), log: inv.log });
      counts.givenUp += 1;
      await store.settle(lease, 'done');
      return;
    }
    counts.leftWaiting += 1;
    await store.settle(lease, 'keep');
    // No slot again is the quota's pace, and a key in progress is someone else's send; anything else retryable
    // means TRTC is failing: stop and leave the rest.
    if (outcome.failure.parked !== 'waiting' && outcome.failure.code !== inProgress().code) failing = true;
  };

  const worker = async (): Promise<void> => {
    while (!failing) {
      if (inv.deadline.remaining() < inv.config.upstreamTimeoutMs + 500) {
        stopped = 'time';
        return;
      }
      const lease = await store.lease(Math.min(inv.deadline.remaining(), budgetMs) + 5000);
      if (lease === undefined) return;
      await one(lease);
    }
    stopped = 'failing';
  };

  try {
    await Promise.all(Array.from({ length: inv.config.batchConcurrency }, worker));
  } catch (error) {
    inv.log.error('dead-letter store error', { stage: 'drain', store: store.kind, error });
    stopped = 'failing';
  }
  return { ...counts, stopped };
}
