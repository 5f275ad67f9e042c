/**
 * lib/server/limits.ts: the one place the standalone server's limits are written. docs/deploying.md states them in
 * its limits table; this checks every row against the constants, so changing one without the other fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../lib/http/request';
import {
  DEEP_PROBE_INTERVAL_MS,
  MAX_CONNECTIONS,
  MAX_REQUESTS_PER_SOCKET,
  PIPELINE_DEPTH,
  PIPELINE_STALL_MS,
  REQUEST_TIMEOUT_BACKSTOP_MS,
  SERVER_TIMEOUTS,
  TIMEOUT_CHECK_INTERVAL_MS,
} from '../../../lib/server/limits';
import { ROOT } from '../../support/bundle';

describe('docs/deploying.md states the limits the server uses', () => {
  it('the limits table carries these numbers', () => {
    const text = readFileSync(`${ROOT}/docs/deploying.md`, 'utf8');
    const rows = [
      `| headers received | ${String(SERVER_TIMEOUTS.headersTimeoutMs / 1000)} s |`,
      `| whole request received | ${String(SERVER_TIMEOUTS.requestTimeoutMs / 1000)} s |`,
      `| request body | ${String(MAX_BODY_BYTES / 1024)} KiB |`,
      `| idle keep-alive connection | ${String(SERVER_TIMEOUTS.keepAliveTimeoutMs / 1000)} s |`,
      `| connections at once | ${String(MAX_CONNECTIONS)} |`,
      `| requests per connection | ${String(MAX_REQUESTS_PER_SOCKET)} | the ${String(MAX_REQUESTS_PER_SOCKET)}th answer`,
      `| pipelined requests served at once per connection | ${String(PIPELINE_DEPTH)} |`,
      `| a connection not read for that reason | ${String(PIPELINE_STALL_MS / 1000)} s |`,
      `| \`GET /healthz?deep=1\` | one TRTC call per ${String(DEEP_PROBE_INTERVAL_MS / 1000)} s |`,
    ];
    for (const row of rows) expect(text).toContain(row);
  });
});

describe('the limits hold together', () => {
  it('idle keep-alive outlasts the 60 s idle timeout of the proxies in front', () => {
    expect(SERVER_TIMEOUTS.keepAliveTimeoutMs).toBeGreaterThan(60_000);
  });

  it('headers must arrive before the whole request, and the checks run often enough to enforce both', () => {
    expect(SERVER_TIMEOUTS.headersTimeoutMs).toBeLessThan(SERVER_TIMEOUTS.requestTimeoutMs);
    expect(TIMEOUT_CHECK_INTERVAL_MS).toBeLessThan(SERVER_TIMEOUTS.headersTimeoutMs);
    expect(REQUEST_TIMEOUT_BACKSTOP_MS).toBeGreaterThan(0);
  });

  it('a connection serves fewer requests at once than it may send in all', () => {
    expect(PIPELINE_DEPTH).toBeGreaterThan(0);
    expect(PIPELINE_DEPTH).toBeLessThan(MAX_REQUESTS_PER_SOCKET);
  });
});
