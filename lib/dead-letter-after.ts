/**
 * DEAD_LETTER_AFTER_DELIVERIES: a batch message whose report keeps failing (a permanent error such as a missing CAM
 * grant, a long TRTC outage) is parked in the dead-letter store instead of failing again, so the platform stops
 * redelivering it before its own retries run out and the partition moves on. Failed deliveries are counted per
 * message key in Redis; without Redis nothing is counted (the platform's retries are the limit).
 */
import { deadLettered, storeUnavailable } from './failures';
import type { Invocation } from './invocation';
import { failed, type Outcome } from './outcome';
import type { TroubleReport } from './report';
import { park, withinTime } from './send-once';

/** The outcome to answer for a message after `outcome`: parked (given up) once it failed too often, else as is. */
export async function parkIfFailedTooOften(report: TroubleReport, key: string, outcome: Outcome, inv: Invocation): Promise<Outcome> {
  if (outcome.ok || !outcome.failure.retryable || !inv.deadLetters.keeps) return outcome;
  // Redis just failed the idempotency store: counting there would only wait for it again.
  if (outcome.failure.code === storeUnavailable('redis').code) return outcome;
  const limit = inv.config.deadLetterAfterDeliveries;
  let failures: number;
  try {
    failures = await withinTime(
      () => inv.deadLetters.countFailure(key, inv.config.idempotencyTtlSeconds * 1000 || 86_400_000),
      inv.deadline.remaining(),
      'redis dead-letter',
    );
  } catch (error) {
    inv.log.warn('dead-letter store error', { stage: 'count', key, error });
    return outcome;
  }
  if (failures <= limit) return outcome;
  const why = `the message failed ${failures} deliveries (more than DEAD_LETTER_AFTER_DELIVERIES=${limit}); last: ${outcome.failure.code}: ${outcome.failure.message}`;
  const parked = await park(
    { key, kind: 'given-up', report, source: inv.source ?? 'unknown', reason: why, attempts: outcome.unconfirmedSends ?? 0 },
    { deadLetters: inv.deadLetters, remaining: () => inv.deadline.remaining(), log: inv.log },
  );
  return parked ? failed(deadLettered(key, why), outcome.attempts) : outcome;
}
