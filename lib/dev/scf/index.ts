/**
 * The local cloud: a loopback SCF API (scf.tencentcloudapi.com 2018-04-16) and the TRTC emulator, wired so that
 * functions deployed to the local SCF run with temporary keys the local TRTC accepts. Dev-time only, never bundled.
 */
import type { TrtcEmulator } from '../emulator';

export interface LocalCloudOptions {
  /** How long Creating/Updating last before Active (default 200 ms). */
  activationDelayMs?: number;
  /** The account's APPID (default 1250000000). */
  appId?: string;
}

export interface LocalCloud {
  /** Base URL of the local SCF API, e.g. `http://127.0.0.1:41234` (give it as SCF_ENDPOINT). */
  scfEndpoint: string;
  trtc: TrtcEmulator;
  /** Long-term keys of the deploying identity, known to the local SCF. */
  deployer: { secretId: string; secretKey: string };
  /** Every SCF API call in arrival order with its verdict (`error` = the error code answered). */
  calls(): readonly { action: string; params: unknown; error?: string }[];
  /** Appends messages to a CKafka trigger's local topic (delivered asynchronously). */
  produce(triggerName: string, messages: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export function startLocalCloud(_options: LocalCloudOptions = {}): Promise<LocalCloud> {
  return Promise.reject(new Error('startLocalCloud: not implemented yet (skeleton)'));
}
