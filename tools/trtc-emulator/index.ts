/** The embedded local TRTC emulator (see server.ts): its public face. */
export { throwawayCredential, type EmulatorCredential } from './auth';
export { EMULATED_ACTION, EMULATED_VERSION, MAX_GET_BYTES, MAX_POST_BYTES, type TroubleRecord } from './contract';
export type { EmulatorFault } from './faults';
export { TrtcEmulator, type EmulatorCall, type TrtcEmulatorOptions } from './server';
