/**
 * A TRTC emulator for a test file, with the function's environment pointing at it (throwaway temporary keys,
 * TRTC_ENDPOINT), set up in beforeAll and torn down in afterAll; `emulator.reset()` runs before each test.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CONFIG_VARIABLES } from '../../lib/config';
import { throwawayCredential, TrtcEmulator, type EmulatorCredential } from '../../tools/trtc-emulator';
import { NO_CREDENTIALS, withEnv } from './env';

export interface Emulated {
  readonly emulator: TrtcEmulator;
  readonly credential: EmulatorCredential;
}

/** Every variable the function reads besides credentials, unset, so a developer's shell cannot change a test. */
export const FUNCTION_VARIABLES_UNSET: Readonly<Record<string, undefined>> = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, undefined]));

export function useEmulator(extraEnv: Readonly<Record<string, string | undefined>> = {}): Emulated {
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  let restore: () => void = () => {};
  beforeAll(async () => {
    const url = await emulator.start();
    restore = withEnv({
      ...NO_CREDENTIALS,
      ...FUNCTION_VARIABLES_UNSET,
      http_proxy: undefined,
      HTTP_PROXY: undefined,
      https_proxy: undefined,
      HTTPS_PROXY: undefined,
      TENCENTCLOUD_SECRETID: credential.secretId,
      TENCENTCLOUD_SECRETKEY: credential.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credential.token,
      TRTC_ENDPOINT: url,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    });
  });
  afterAll(async () => {
    restore();
    await emulator.stop();
  });
  beforeEach(() => emulator.reset());
  return { emulator, credential };
}
