/**
 * Vitest global setup: runs once, before any test file. Finds `redis-server` for the Redis suites and hands its path
 * to the test files (`inject('redisServer')`, see test/support/redis-server.ts). Without it the Redis suites are
 * skipped with one notice saying how to get it, so `npm test` passes on a fresh machine; with REQUIRE_REDIS=1 (set by
 * .ci/run) a missing redis-server fails the run before it starts, so CI always runs them.
 */
import type { TestProject } from 'vitest/node';
import { findRedisServer, REDIS_INSTALL_HINT } from './find-redis';
import { findExecutable, OPTIONAL_TOOLS, type OptionalToolName } from './find-tools';

export default function setup(project: TestProject): void {
  const binary = findRedisServer(process.env['PATH']);
  if (binary === undefined) {
    if (process.env['REQUIRE_REDIS'] === '1') {
      throw new Error(`REQUIRE_REDIS=1 but redis-server is not on PATH. ${REDIS_INSTALL_HINT}`);
    }
    process.stderr.write(
      `\nNOTICE: redis-server is not on PATH: the Redis suites are skipped. ${REDIS_INSTALL_HINT} ` +
        'REQUIRE_REDIS=1 makes a missing redis-server an error (.ci/run sets it).\n\n',
    );
  }
  project.provide('redisServer', binary ?? null);
  // chromium and prometheus (test/support/find-tools.ts): the same rule, each with its own REQUIRE_ switch.
  for (const name of Object.keys(OPTIONAL_TOOLS) as OptionalToolName[]) {
    const tool = OPTIONAL_TOOLS[name];
    const found = findExecutable(tool.binary, process.env['PATH']);
    if (found === undefined) {
      if (process.env[tool.require] === '1') throw new Error(`${tool.require}=1 but ${tool.binary} is not on PATH. ${tool.hint}`);
      process.stderr.write(
        `\nNOTICE: ${tool.binary} is not on PATH: ${tool.suite} is skipped. ${tool.hint} ${tool.require}=1 makes that an error (.ci/run sets it).\n\n`,
      );
    }
    project.provide(name, found ?? null);
  }
}
