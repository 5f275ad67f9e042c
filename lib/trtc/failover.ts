/**
 * Endpoint failover, in the manner of Tencent's Go and Python SDKs: after a run of failures that certainly did not
 * reach TRTC (connection refused, host not found, TLS handshake: the transport's "never sent"), calls go to a backup
 * endpoint (`trtc.<region>.tencentcloudapi.com`, or TRTC_FAILOVER_ENDPOINT) and, a minute later, one call probes the
 * primary again. A call whose request may have reached TRTC is never repeated elsewhere, so failover can never add a
 * duplicate. See docs/reliability.md, "Endpoint failover".
 */
import type { Config, Endpoint } from '../config';

/** Never-sent failures of the primary in a row that open the breaker. */
export const BREAKER_THRESHOLD = 3;
/** How long the breaker stays open before one call probes the primary again. */
export const BREAKER_OPEN_MS = 60_000;

/** The default TRTC endpoint, whose regional twin is the default failover. */
const GLOBAL_HOST = 'trtc.tencentcloudapi.com';

/**
 * The failover endpoint for a configuration: TRTC_FAILOVER_ENDPOINT; `off`: none; unset: the regional endpoint of
 * TENCENTCLOUD_REGION when TRTC_ENDPOINT is the default one, none when it points elsewhere (an emulator, a proxy).
 */
export function failoverEndpoint(config: Pick<Config, 'endpoint' | 'region' | 'failoverEndpoint'>): Endpoint | undefined {
  const chosen = config.failoverEndpoint;
  if (chosen === 'off') return undefined;
  if (chosen !== undefined) return chosen;
  if (config.endpoint.protocol === 'https://' && config.endpoint.host === GLOBAL_HOST)
    return { protocol: 'https://', host: `trtc.${config.region}.tencentcloudapi.com` };
  return undefined;
}

/** Counts the primary's never-sent failures; open, it sends calls to the failover until a probe of the primary works. */
export class EndpointBreaker {
  private failures = 0;
  private openedAt: number | undefined;

  constructor(
    private readonly threshold = BREAKER_THRESHOLD,
    private readonly openMs = BREAKER_OPEN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while open: the next call goes to the failover endpoint. After `openMs`, one call probes the primary. */
  get open(): boolean {
    return this.openedAt !== undefined && this.now() - this.openedAt < this.openMs;
  }

  /** The primary failed before the request reached TRTC. Returns true when this opened the breaker. */
  primaryUnreachable(): boolean {
    this.failures += 1;
    // A failed probe (half-open) reopens it at once.
    if (this.failures >= this.threshold || this.openedAt !== undefined) {
      const opened = this.openedAt === undefined;
      this.openedAt = this.now();
      return opened;
    }
    return false;
  }

  /** The primary answered (whatever it said): closed again. */
  primaryAnswered(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }
}
