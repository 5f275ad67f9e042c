/**
 * lib/send-once.ts from source: sendOnce against the real memory store, and against the same store with
 * chosen operations refusing (the store interface is the I/O port; the code under test is real).
 */
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../lib/log';
import { failed, type Outcome } from '../../lib/outcome';
import type { TroubleReport } from '../../lib/report';
import { MemoryIdempotencyStore } from '../../lib/idempotency/memory';
import { sendOnce, withinTime, type OnceOptions, type SendLimits } from '../../lib/send-once';
import { IdempotencyStoreError, type IdempotencyStore } from '../../lib/idempotency/store';
import { MAX_UNCONFIRMED_SENDS } from '../../lib/trtc/policy';
import type { DeadLetterStore, ParkRequest } from '../../lib/dead-letter/store';
import { LogDeadLetterStore } from '../../lib/dead-letter/log-store';
import { BASE } from '../support/fixtures';

type Operation = 'begin' | 'complete' | 'release' | 'markUnconfirmed' | 'hold';

/** The memory store, with the operations named in `refusing` failing `times` times (Infinity: always). */
class RefusingStore implements IdempotencyStore {
  readonly kind = 'memory';
  readonly calls: Operation[] = [];
  private readonly inner = new MemoryIdempotencyStore();
  constructor(
    private readonly refusing: ReadonlySet<Operation> = new Set(),
    private times = Infinity,
  ) {}
  private async run<T>(op: Operation, call: () => Promise<T>): Promise<T> {
    this.calls.push(op);
    if (this.refusing.has(op) && this.times > 0) {
      this.times -= 1;
      throw new IdempotencyStoreError(`${op} refused`);
    }
    return call();
  }
  begin(...a: Parameters<IdempotencyStore['begin']>) {
    return this.run('begin', () => this.inner.begin(...a));
  }
  complete(...a: Parameters<IdempotencyStore['complete']>) {
    return this.run('complete', () => this.inner.complete(...a));
  }
  release(...a: Parameters<IdempotencyStore['release']>) {
    return this.run('release', () => this.inner.release(...a));
  }
  markUnconfirmed(...a: Parameters<IdempotencyStore['markUnconfirmed']>) {
    return this.run('markUnconfirmed', () => this.inner.markUnconfirmed(...a));
  }
  hold(...a: Parameters<IdempotencyStore['hold']>) {
    return this.run('hold', () => this.inner.hold(...a));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function options(store: IdempotencyStore, lines: string[] = [], remaining = 5_000): OnceOptions {
  const log: Logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  return { store, key: 'k1', ttlMs: 60_000, inProgressTtlMs: 5_000, remaining: () => remaining, log };
}

/** A send that records what it was asked and answers `outcome`. */
function sender(outcome: Outcome): { send: (limits: SendLimits) => Promise<Outcome>; asked: number[]; patient: boolean[] } {
  const asked: number[] = [];
  const patient: boolean[] = [];
  return { asked, patient, send: async (limits) => (asked.push(limits.recordingAttempts), patient.push(limits.patient), outcome) };
}

/** A failure after `attempts` calls, one of which may have recorded the report (TRTC did not answer). */
function unconfirmedFailure(attempts: number): Outcome {
  return { ok: false, failure: { status: 504, code: 'FailedOperation.Timeout', message: 'no answer', retryable: true }, attempts, unconfirmedSends: 1 };
}

const OK: Outcome = { ok: true, requestId: 'trtc-1', attempts: 1 };
const report: TroubleReport = { ...BASE };
const messages = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('sendOnce', () => {
  it('sends a new key once, then replays the RequestId without sending', async () => {
    const store = new RefusingStore();
    const first = sender(OK);
    expect(await sendOnce(report, first.send, options(store))).toEqual(OK);
    expect(first.asked).toEqual([MAX_UNCONFIRMED_SENDS]);
    const again = sender(OK);
    expect(await sendOnce(report, again.send, options(store))).toEqual({ ok: true, requestId: 'trtc-1', attempts: 0, replayed: true });
    expect(again.asked).toEqual([]);
  });

  it('refuses a completed key reused for a different report (422), without sending', async () => {
    const store = new RefusingStore();
    await sendOnce(report, sender(OK).send, options(store));
    const other = sender(OK);
    const outcome = await sendOnce({ ...report, TroubleMsg: 'another' }, other.send, options(store));
    expect(outcome).toMatchObject({ ok: false, failure: { status: 422, code: 'InvalidParameter.IdempotencyKeyReused', retryable: false } });
    expect(other.asked).toEqual([]);
  });

  it('refuses a key in progress elsewhere (409, retryable)', async () => {
    const store = new RefusingStore();
    await store.begin('k1', 5_000);
    const outcome = await sendOnce(report, sender(OK).send, options(store));
    expect(outcome).toMatchObject({ ok: false, failure: { status: 409, code: 'ResourceInUse.IdempotencyKey', retryable: true } });
  });

  it('does not send when the store cannot be reached (503), and logs the stage', async () => {
    const lines: string[] = [];
    const s = sender(OK);
    const outcome = await sendOnce(report, s.send, options(new RefusingStore(new Set(['begin'])), lines));
    expect(outcome).toMatchObject({ ok: false, failure: { status: 503, code: 'ServiceUnavailable.IdempotencyStore', retryable: true } });
    expect(s.asked).toEqual([]);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; stage?: string })).toContainEqual(
      expect.objectContaining({ msg: 'idempotency store error', stage: 'begin' }),
    );
  });

  it('does not send when no time is left for the store', async () => {
    const s = sender(OK);
    const outcome = await sendOnce(report, s.send, options(new RefusingStore(), [], 0));
    expect(outcome).toMatchObject({ ok: false, failure: { status: 503 } });
    expect(s.asked).toEqual([]);
  });

  it('releases the key after a failure that recorded nothing: the next delivery sends again in full', async () => {
    const store = new RefusingStore();
    const refused = failed({ status: 400, code: 'InvalidParameter', message: 'no', retryable: false }, 1);
    expect(await sendOnce(report, sender(refused).send, options(store))).toBe(refused);
    expect(store.calls).toEqual(['begin', 'release']);
    const next = sender(OK);
    expect(await sendOnce(report, next.send, options(store))).toEqual(OK);
    expect(next.asked).toEqual([MAX_UNCONFIRMED_SENDS]);
  });

  it('marks a failure that may have recorded the report unconfirmed: the next delivery gets one recording attempt', async () => {
    const store = new RefusingStore();
    const lines: string[] = [];
    const ambiguous = unconfirmedFailure(2);
    await sendOnce(report, sender(ambiguous).send, options(store, lines));
    expect(store.calls).toEqual(['begin', 'markUnconfirmed']);
    const next = sender(OK);
    expect(await sendOnce(report, next.send, options(store, lines))).toEqual(OK);
    expect(next.asked).toEqual([MAX_UNCONFIRMED_SENDS - 1]);
    expect(messages(lines)).toContain('resending a report that may already be recorded');
  });

  it('refuses an unconfirmed key reused for a different report, keeping the earlier sends on record', async () => {
    const store = new RefusingStore();
    const ambiguous = unconfirmedFailure(1);
    await sendOnce(report, sender(ambiguous).send, options(store));
    const other = sender(OK);
    expect(await sendOnce({ ...report, TroubleMsg: 'another' }, other.send, options(store))).toMatchObject({ ok: false, failure: { status: 422 } });
    expect(other.asked).toEqual([]);
    // Still unconfirmed for the original report: it is resent with one recording attempt.
    const next = sender(OK);
    await sendOnce(report, next.send, options(store));
    expect(next.asked).toEqual([MAX_UNCONFIRMED_SENDS - 1]);
  });

  it('retries storing the result after TRTC recorded it, and then replays', async () => {
    const store = new RefusingStore(new Set(['complete']), 1);
    const lines: string[] = [];
    expect(await sendOnce(report, sender(OK).send, options(store, lines))).toEqual(OK);
    expect(store.calls).toEqual(['begin', 'complete', 'complete']);
    expect(messages(lines)).toContain('idempotency store write succeeded after retrying');
    expect(await sendOnce(report, sender(OK).send, options(store))).toMatchObject({ ok: true, replayed: true });
  });

  it('holds the key when the result cannot be stored, so a redelivery is not sent again', async () => {
    const store = new RefusingStore(new Set(['complete']));
    const lines: string[] = [];
    expect(await sendOnce(report, sender(OK).send, options(store, lines))).toEqual(OK);
    expect(store.calls.at(-1)).toBe('hold');
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; held?: boolean; level?: string });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'report recorded but not remembered', held: true }));
    const redelivery = sender(OK);
    expect(await sendOnce(report, redelivery.send, options(store))).toMatchObject({ ok: false, failure: { status: 409 } });
    expect(redelivery.asked).toEqual([]);
  });

  it('says so when even the hold is refused', async () => {
    const lines: string[] = [];
    await sendOnce(report, sender(OK).send, options(new RefusingStore(new Set(['complete', 'hold'])), lines));
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; held?: boolean });
    expect(logged).toContainEqual(expect.objectContaining({ msg: 'report recorded but not remembered', held: false }));
  });
});

describe('withinTime', () => {
  it('passes the answer or the error through', async () => {
    await expect(withinTime(async () => 7, 1_000, 'memory')).resolves.toBe(7);
    await expect(withinTime(() => Promise.reject(new Error('boom')), 1_000, 'memory')).rejects.toThrow('boom');
  });

  it('does not ask the store when no time is left, and gives up when it does not answer in time', async () => {
    let asked = false;
    await expect(withinTime(async () => (asked = true), 0, 'redis')).rejects.toBeInstanceOf(IdempotencyStoreError);
    expect(asked).toBe(false);
    await expect(withinTime(() => new Promise<never>(() => undefined), 20, 'redis')).rejects.toThrow(
      /redis idempotency store did not answer within the 20 ms left/,
    );
  });

  it('asks an inline store (no I/O) without a timer, but still not when no time is left', async () => {
    let asked = false;
    await expect(withinTime(async () => (asked = true), 0, 'memory', true)).rejects.toBeInstanceOf(IdempotencyStoreError);
    expect(asked).toBe(false);
    await expect(withinTime(async () => 7, 1, 'memory', true)).resolves.toBe(7);
    expect(new MemoryIdempotencyStore().inline).toBe(true);
  });
});

/** A dead-letter store that keeps what it is asked to park (the Redis store's behaviour, in memory). */
class KeepingDeadLetters extends LogDeadLetterStore {
  override readonly keeps = true;
  readonly parked: ParkRequest[] = [];
  override async park(request: ParkRequest): Promise<void> {
    this.parked.push(request);
  }
}

/** Both sends of a delivery ended without an answer. */
function twiceUnanswered(): Outcome {
  return { ok: false, failure: { status: 504, code: 'UpstreamTimeout', message: 'no answer', retryable: true }, attempts: 2, unconfirmedSends: 2 };
}

describe('sendOnce: at most two sends while the outcome is unknown, whatever the number of deliveries', () => {
  const withDeadLetters = (store: IdempotencyStore, deadLetters: DeadLetterStore, lines: string[] = []): OnceOptions => ({
    ...options(store, lines),
    deadLetters,
    source: 'ckafka',
  });

  it('parks the report after two unanswered sends and answers 202 Accepted.DeadLettered with its key', async () => {
    const store = new RefusingStore();
    const dead = new KeepingDeadLetters();
    const outcome = await sendOnce(report, sender(twiceUnanswered()).send, withDeadLetters(store, dead));
    expect(outcome).toMatchObject({ ok: false, failure: { status: 202, code: 'Accepted.DeadLettered', retryable: false, parked: 'given-up', key: 'k1' } });
    expect(dead.parked).toEqual([expect.objectContaining({ key: 'k1', kind: 'given-up', source: 'ckafka', attempts: 2, report })]);
  });

  it('never sends again on any later delivery: each one is parked (its entry updated) and answered as handled', async () => {
    const store = new RefusingStore();
    const dead = new KeepingDeadLetters();
    await sendOnce(report, sender(twiceUnanswered()).send, withDeadLetters(store, dead));
    for (let delivery = 2; delivery <= 20; delivery += 1) {
      const s = sender(OK);
      expect(await sendOnce(report, s.send, withDeadLetters(store, dead))).toMatchObject({ ok: false, failure: { status: 202, parked: 'given-up' } });
      expect(s.asked).toEqual([]);
    }
    expect(dead.parked).toHaveLength(20);
  });

  it('spreads the two sends over deliveries: one unanswered send leaves one, sent patiently', async () => {
    const store = new RefusingStore();
    const dead = new KeepingDeadLetters();
    const first = sender(unconfirmedFailure(1));
    await sendOnce(report, first.send, withDeadLetters(store, dead));
    expect(first.patient).toEqual([false]);
    const second = sender(unconfirmedFailure(1));
    expect(await sendOnce(report, second.send, withDeadLetters(store, dead))).toMatchObject({ failure: { parked: 'given-up' } });
    expect(second.asked).toEqual([1]);
    expect(second.patient).toEqual([true]);
    const third = sender(OK);
    await sendOnce(report, third.send, withDeadLetters(store, dead));
    expect(third.asked).toEqual([]);
  });

  it('fails as retryable when the report cannot be parked, and still never sends it again', async () => {
    const store = new RefusingStore();
    const refusing = new (class extends KeepingDeadLetters {
      override async park(): Promise<void> {
        throw new Error('Redis down');
      }
    })();
    const outcome = await sendOnce(report, sender(twiceUnanswered()).send, withDeadLetters(store, refusing));
    expect(outcome).toMatchObject({ ok: false, failure: { retryable: true } });
    const s = sender(OK);
    await sendOnce(report, s.send, withDeadLetters(store, refusing));
    expect(s.asked).toEqual([]);
  });

  it('without a store that keeps entries, writes the parked report whole in one error line', async () => {
    const lines: string[] = [];
    await sendOnce(report, sender(twiceUnanswered()).send, withDeadLetters(new RefusingStore(), new LogDeadLetterStore(), lines));
    const parked = lines
      .map((l) => JSON.parse(l) as { msg: string; level: string; parked?: { key: string; report: Record<string, unknown> } })
      .find((l) => l.msg === 'report parked');
    expect(parked).toMatchObject({ level: 'error', parked: { key: 'k1', report: { SdkAppId: report.SdkAppId, TroubleMsgPieces: [report.TroubleMsg] } } });
  });

  it('an operator replay of a given-up report may send once more', async () => {
    const store = new RefusingStore();
    const dead = new KeepingDeadLetters();
    await sendOnce(report, sender(twiceUnanswered()).send, withDeadLetters(store, dead));
    const replay = sender(OK);
    expect(await sendOnce(report, replay.send, { ...withDeadLetters(store, dead), replay: true })).toEqual(OK);
    expect(replay.asked).toEqual([1]);
    expect(await sendOnce(report, sender(OK).send, { ...withDeadLetters(store, dead), replay: true })).toMatchObject({ ok: true, replayed: true });
  });

  it('parks a report that got no call slot (waiting) when the store keeps entries, else answers the 429', async () => {
    const noSlot: Outcome = {
      ok: false,
      failure: { status: 429, code: 'RequestLimitExceeded', message: 'no slot', retryable: true },
      attempts: 1,
      noCallSlot: true,
    };
    const dead = new KeepingDeadLetters();
    const store = new RefusingStore();
    expect(await sendOnce(report, sender(noSlot).send, withDeadLetters(store, dead))).toMatchObject({
      failure: { status: 202, code: 'Accepted.Queued', parked: 'waiting', key: 'k1' },
    });
    expect(dead.parked).toEqual([expect.objectContaining({ kind: 'waiting', attempts: 0 })]);
    expect(store.calls).toEqual(['begin', 'release']);
    expect(await sendOnce(report, sender(noSlot).send, withDeadLetters(new RefusingStore(), new LogDeadLetterStore()))).toBe(noSlot);
  });
});
