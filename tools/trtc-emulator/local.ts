/**
 * Chooses where local runs (`npm run invoke`, `npm start`) send reports: the real TRTC endpoint when cloud
 * credentials are in the environment, otherwise (or when `forceEmulator`, the tools' `--emulator`) the embedded
 * emulator on loopback with throwaway temporary keys. Dev-time only, never bundled.
 */
import { readCredentials } from '../../lib/trtc/credentials';
import { throwawayCredential } from './auth';
import { TrtcEmulator } from './server';

export interface LocalTrtc {
  /** Environment variables to run the function with (undefined: unset it; see {@link applyEnv}). */
  readonly env: Record<string, string | undefined>;
  /** The emulator, when one was started. */
  readonly emulator?: TrtcEmulator;
  /** One line for stderr saying which endpoint is used. */
  readonly banner: string;
  stop(): Promise<void>;
}

/** Every credential variable the function reads; the emulator's throwaway keys replace them all. */
const CREDENTIAL_VARIABLES = [
  'TENCENTCLOUD_SECRETID',
  'TENCENTCLOUD_SECRETKEY',
  'TENCENTCLOUD_SESSIONTOKEN',
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_SESSION_TOKEN',
] as const;

export async function localTrtc(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly forceEmulator?: boolean } = {},
): Promise<LocalTrtc> {
  const cloud = readCredentials(env).ok;
  if (cloud && options.forceEmulator !== true) {
    const endpoint = env.TRTC_ENDPOINT?.trim() || 'https://trtc.tencentcloudapi.com';
    const banner = `cloud credentials found: calling ${endpoint} (the real TRTC; --emulator uses the local emulator instead)`;
    return { env: { ...env }, banner, stop: async () => {} };
  }
  const credential = throwawayCredential();
  const emulator = new TrtcEmulator({ credentials: [credential] });
  const url = await emulator.start();
  const cleared = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, undefined]));
  return {
    env: {
      ...env,
      ...cleared,
      TENCENTCLOUD_SECRETID: credential.secretId,
      TENCENTCLOUD_SECRETKEY: credential.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credential.token,
      TRTC_ENDPOINT: url,
    },
    emulator,
    banner: cloud
      ? `--emulator: ignoring the cloud credentials in the environment; using the embedded TRTC emulator at ${url} with throwaway temporary keys`
      : `no cloud credentials in the environment: using the embedded TRTC emulator at ${url} with throwaway temporary keys`,
    stop: () => emulator.stop(),
  };
}

/** Sets `env` into `target` (process.env), deleting the variables whose value is undefined. */
export function applyEnv(target: NodeJS.ProcessEnv, env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete target[name];
    else target[name] = value;
  }
}
