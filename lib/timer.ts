/**
 * The Timer trigger is not a report. It is acknowledged without calling TRTC, and doubles as a health probe:
 * it checks that the configuration is valid and that credentials are present (without creating a record).
 */
import { withoutStack } from './errors';
import type { Invocation } from './pipeline';
import { readCredentials } from './trtc/credentials';

export interface ProbeResult {
  readonly Timer: { readonly TriggerName: string };
  readonly Probe: { readonly healthy: boolean; readonly configuration: 'ok'; readonly credentials: 'present' | 'missing'; readonly detail?: string };
}

/** Thrown when the probe finds the function unable to send reports, so the invocation shows as failed in monitoring. */
export class ProbeFailedError extends Error {
  override readonly name = 'ProbeFailedError';
  constructor(message: string) {
    super(message);
    withoutStack(this);
  }
}

export function probe(trigger: string, inv: Invocation): ProbeResult {
  const credentials = readCredentials(inv.env);
  return {
    Timer: { TriggerName: trigger },
    Probe: {
      healthy: credentials.ok,
      configuration: 'ok',
      credentials: credentials.ok ? 'present' : 'missing',
      ...(credentials.ok ? {} : { detail: credentials.message }),
    },
  };
}

/** A Timer invocation: runs the probe, logs the invocation line, returns the result or throws ProbeFailedError. */
export function runProbe(trigger: string, inv: Invocation, startedAt: number): ProbeResult {
  const result = probe(trigger, inv);
  const fields = {
    source: 'timer',
    outcome: result.Probe.healthy ? 'probe-ok' : 'probe-failed',
    trigger,
    credentials: result.Probe.credentials,
    latency_ms: Date.now() - startedAt,
  };
  if (!result.Probe.healthy) {
    inv.log.error('invocation', fields);
    throw new ProbeFailedError(`health probe failed: ${result.Probe.detail ?? 'unhealthy'}`);
  }
  inv.log.info('invocation', fields);
  return result;
}
