/** Sets environment variables for the duration of a test and restores them afterwards. */
export function withEnv(patch: Readonly<Record<string, string | undefined>>): () => void {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(patch)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

/** Every credential variable, unset: a clean slate for a test. */
export const NO_CREDENTIALS: Readonly<Record<string, undefined>> = {
  TENCENTCLOUD_SECRETID: undefined,
  TENCENTCLOUD_SECRETKEY: undefined,
  TENCENTCLOUD_SESSIONTOKEN: undefined,
  TENCENTCLOUD_SECRET_ID: undefined,
  TENCENTCLOUD_SECRET_KEY: undefined,
  TENCENTCLOUD_SESSION_TOKEN: undefined,
};
