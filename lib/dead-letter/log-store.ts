/**
 * The dead-letter store without Redis: each parked report is written whole in one `error` log line
 * (`report parked`, masked like every line), which the platform's log service keeps; `npm run dead-letters --
 * replay --from <exported lines>` sends them again. Nothing can be listed, drained or counted here, so a burst is
 * not parked (429 as before) and DEAD_LETTER_AFTER_DELIVERIES does not apply.
 */
import type { Logger } from '../log';
import { DeadLetterStoreError, type DeadLetterStore, type Lease, type ParkedEntry, type ParkRequest } from './store';

/** The message of the log line a parked report is written in (the dead-letter tool reads it back). */
export const PARKED_LOG_MESSAGE = 'report parked';

/** Longest piece of TroubleMsg in the line: the logger cuts every string at MAX_LOG_STRING_CHARS (1024). */
const PIECE_CHARS = 1000;

/**
 * The entry as the log line carries it: TroubleMsg (up to 2,000 bytes) in pieces, so no piece is ever cut. `mask`
 * hides secrets in the whole text before it is split: a secret across two pieces would escape the line's masking.
 */
export function toLogged(entry: ParkedEntry, mask: (text: string) => string = (text) => text): Record<string, unknown> {
  const { TroubleMsg, ...rest } = entry.report;
  const pieces: string[] = [];
  const chars = Array.from(mask(TroubleMsg));
  for (let i = 0; i < chars.length; i += PIECE_CHARS) pieces.push(chars.slice(i, i + PIECE_CHARS).join(''));
  return { ...entry, report: { ...rest, TroubleMsgPieces: pieces } };
}

/** The entry back from a log line's `parked` field, or undefined when it is not one. */
export function fromLogged(value: unknown): ParkedEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const report = v['report'];
  if (typeof report !== 'object' || report === null || typeof v['key'] !== 'string') return undefined;
  const { TroubleMsgPieces, ...rest } = report as Record<string, unknown>;
  if (!Array.isArray(TroubleMsgPieces) || !TroubleMsgPieces.every((p) => typeof p === 'string')) return undefined;
  const num = (name: string): number => (typeof v[name] === 'number' ? (v[name] as number) : 0);
  return {
    key: v['key'],
    kind: v['kind'] === 'waiting' ? 'waiting' : 'given-up',
    report: { ...rest, TroubleMsg: TroubleMsgPieces.join('') } as unknown as ParkedEntry['report'],
    source: typeof v['source'] === 'string' ? v['source'] : 'unknown',
    reason: typeof v['reason'] === 'string' ? v['reason'] : '',
    attempts: num('attempts'),
    deliveries: num('deliveries'),
    parkedAt: num('parkedAt'),
    updatedAt: num('updatedAt'),
  };
}

export class LogDeadLetterStore implements DeadLetterStore {
  readonly kind: 'redis' | 'log' = 'log';
  readonly keeps: boolean = false;

  async park(request: ParkRequest, log: Logger): Promise<void> {
    const now = Date.now();
    const entry: ParkedEntry = { ...request, deliveries: 1, parkedAt: now, updatedAt: now };
    log.error(PARKED_LOG_MESSAGE, { parked: toLogged(entry, (text) => log.mask(text)) });
  }

  async countFailure(): Promise<number> {
    return 0;
  }

  async list(): Promise<ParkedEntry[]> {
    return [];
  }

  async get(): Promise<ParkedEntry | undefined> {
    return undefined;
  }

  async lease(): Promise<Lease | undefined> {
    return undefined;
  }

  async settle(): Promise<void> {
    throw new DeadLetterStoreError('the log dead-letter store holds no leases');
  }

  async drop(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}
