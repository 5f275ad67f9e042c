/**
 * The deploy: reads serverless.yml, builds the artefact, plans against what SCF reports, executes the plan,
 * waits for Active after every write, reads the Function URL back and smoke-checks it. Dev-time only.
 * (Skeleton: the signature is fixed so `npm run local` can import it; the body follows.)
 */
export interface DeployOptions {
  root: string;
  stage?: string;
  dryRun?: boolean;
  yes?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  print: (line: string) => void;
  pollIntervalMs?: number;
  waitTimeoutMs?: number;
  smoke?: boolean;
  /** serverless.yml path, relative to root (default serverless.yml). */
  config?: string;
}

export interface DeployResult {
  function: string;
  namespace: string;
  region: string;
  writes: string[];
  url: string | null;
  plan: readonly { action: string; reason: string }[];
  smoke?: unknown;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  throw new Error(`deploy is not implemented yet (root ${options.root})`);
}
