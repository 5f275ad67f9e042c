/**
 * Chooses where local runs send reports: the real TRTC endpoint when cloud credentials are in the environment,
 * otherwise the embedded emulator on loopback with throwaway temporary keys. Dev-time only, never bundled.
 */
import { readCredentials } from '../trtc/credentials';
import { throwawayCredential, TrtcEmulator } from './emulator';

export interface LocalTrtc {
  /** Environment variables to run the function with. */
  readonly env: Record<string, string | undefined>;
  /** The emulator, when one was started. */
  readonly emulator?: TrtcEmulator;
  /** One line for stderr saying which endpoint is used. */
  readonly banner: string;
  stop(): Promise<void>;
}

export async function localTrtc(env: Readonly<Record<string, string | undefined>> = process.env): Promise<LocalTrtc> {
  if (readCredentials(env).ok) {
    const endpoint = env.TRTC_ENDPOINT?.trim() || 'https://trtc.tencentcloudapi.com';
    return { env: { ...env }, banner: `cloud credentials found: calling ${endpoint}`, stop: async () => {} };
  }
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  const url = await emulator.start();
  return {
    env: {
      ...env,
      TENCENTCLOUD_SECRETID: credential.secretId,
      TENCENTCLOUD_SECRETKEY: credential.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credential.token,
      TRTC_ENDPOINT: url,
    },
    emulator,
    banner: `no cloud credentials in the environment: using the embedded TRTC emulator at ${url} with throwaway temporary keys`,
    stop: () => emulator.stop(),
  };
}
