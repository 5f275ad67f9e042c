/** The faults the emulator can inject (see TrtcEmulator.inject), and their validation. */

/** A fault to inject into upcoming requests (see {@link TrtcEmulator.inject}). */
export type EmulatorFault =
  /** HTTP 200 envelope with `Error.Code` = code (default realistic message per code). */
  | { kind: 'api-error'; code: string; message?: string; afterRecording?: boolean }
  /** A non-200 status with an HTML body (as a gateway/LB would send). */
  | { kind: 'http-status'; status: number; afterRecording?: boolean }
  /** Read the request, never answer; the socket is held until the client gives up or `stop()`. */
  | { kind: 'no-answer'; afterRecording?: boolean }
  /** Read the request, then reset the TCP connection (client sees ECONNRESET). */
  | { kind: 'reset'; afterRecording?: boolean }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'invalid-json' }
  /**
   * Answer normally, but only after `ms` milliseconds. `afterRecording`: the report is recorded on arrival and the
   * answer comes late (a slow TRTC), so a client that gave up before it cannot tell.
   */
  | { kind: 'delay'; ms: number; afterRecording?: boolean };

export function validateFault(fault: EmulatorFault): void {
  switch (fault.kind) {
    case 'api-error':
      if (typeof fault.code !== 'string' || fault.code === '') throw new RangeError('api-error fault needs a non-empty code');
      return;
    case 'http-status':
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new RangeError('http-status fault needs an integer status in 200..599');
      }
      return;
    case 'delay':
      if (!Number.isFinite(fault.ms) || fault.ms < 0) throw new RangeError('delay fault needs ms >= 0');
      return;
    case 'no-answer':
    case 'reset':
    case 'invalid-json':
      return;
  }
}
