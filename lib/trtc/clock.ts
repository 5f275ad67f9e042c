/**
 * TRTC's clock as this instance knows it. TC3 signatures carry the host's time, and TRTC refuses one more than five
 * minutes away from its own (`AuthFailure.SignatureExpire`). On that answer the client takes the offset from the
 * answer's `Date` header, re-signs once with the corrected time, and keeps the offset for every later call of the
 * instance; the first correction is logged once at `warn`.
 */
import type { Logger } from '../log';

/** Offsets smaller than this are not worth a correction (the `Date` header has a resolution of one second). */
const MIN_CORRECTION_MS = 2000;

let offsetMs = 0;
let warned = false;

/** Now, on TRTC's clock as far as it is known: the time to sign with. */
export function trtcNow(): number {
  return Date.now() + offsetMs;
}

/**
 * Learns TRTC's clock from the `Date` header of an answer that refused a signature as expired. True when the offset
 * changed (a re-signed attempt may then succeed), false when the header is missing, unreadable or says nothing new.
 */
export function learnClock(dateHeader: string | undefined, log?: Logger): boolean {
  if (dateHeader === undefined) return false;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return false;
  const offset = server - Date.now();
  if (Math.abs(offset - offsetMs) < MIN_CORRECTION_MS) return false;
  offsetMs = offset;
  if (!warned) {
    warned = true;
    log?.warn('host clock differs from TRTC: signing with TRTC time', {
      offset_ms: offset,
      consequence: "every call of this instance is signed with the host's time corrected by this offset; fix the host clock",
    });
  }
  return true;
}

/** The offset in use, ms (TRTC's clock minus the host's). */
export function clockOffsetMs(): number {
  return offsetMs;
}

/** Forgets the offset (tests). */
export function resetClock(): void {
  offsetMs = 0;
  warned = false;
}
