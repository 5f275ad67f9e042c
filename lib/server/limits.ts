/**
 * Every limit of the standalone server in one place: the slow-client timeouts, how many connections and pipelined
 * requests it takes, and how often `GET /healthz?deep=1` may call TRTC. docs/deploying.md ("Web function or
 * container") states them; the tests read them from here.
 */

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

/**
 * `GET /healthz?deep=1` calls TRTC at most once per this interval per instance; every other deep probe is answered
 * from the last result (`cached: true` with its age), and probes that arrive while one runs wait for it. At 19.2
 * calls per second for every instance together, one call per 5 s is about 1 % of the quota per instance.
 */
export const DEEP_PROBE_INTERVAL_MS = 5_000;

/**
 * Connections and pipelining. At most {@link MAX_CONNECTIONS} connections at once (Node closes any beyond at once);
 * at most {@link MAX_REQUESTS_PER_SOCKET} requests per connection (the last answer says `Connection: close`; Node
 * answers 503 to any request pipelined past it); at most {@link PIPELINE_DEPTH} requests of one connection served at
 * once: further pipelined requests wait, and the server stops reading from that connection until they are answered,
 * so a client that sends without reading its answers holds a bounded amount of memory. A connection that stays
 * stopped for {@link PIPELINE_STALL_MS} is closed.
 */
export const MAX_CONNECTIONS = 512;
export const MAX_REQUESTS_PER_SOCKET = 100;
export const PIPELINE_DEPTH = 8;
export const PIPELINE_STALL_MS = 30_000;
