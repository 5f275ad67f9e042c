/**
 * Server timeouts. Headers must arrive within 15 s and the whole request (with its ≤ 64 KiB body) within 30 s,
 * which bounds slow clients. Idle keep-alive connections are kept 65 s, longer than the 60 s idle timeout common to
 * load balancers and gateways, so the proxy in front always closes first and never reuses a closing connection.
 */
export const SERVER_TIMEOUTS = { headersTimeoutMs: 15_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000 } as const;
/**
 * How often Node checks the header and request timeouts (its default, 30 s, let headers take 30 s and a body 60 s).
 * A body still arriving at requestTimeoutMs is answered 408 by readBody; Node's own request timeout is a backstop
 * {@link REQUEST_TIMEOUT_BACKSTOP_MS} later.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 250;
export const REQUEST_TIMEOUT_BACKSTOP_MS = 2_000;
