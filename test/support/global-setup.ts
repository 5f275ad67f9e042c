/**
 * Vitest global setup: runs once, before any test file. Finds the external tools some suites need
 * (test/support/required-tools.mts: redis-server, Node 18.15, unzip) and hands their paths to the test files
 * (`inject('redisServer')`, `inject('node18')`, `inject('unzip')`; see test/support/tools.ts). A missing tool skips
 * its suites with one notice saying how to get it, so `npm test` passes on a fresh machine; with its REQUIRE_* switch
 * set to 1 (REQUIRE_REDIS, REQUIRE_NODE18, REQUIRE_UNZIP; .ci/run sets them all) a missing tool fails the run before
 * it starts, so CI always runs them.
 */
import type { TestProject } from 'vitest/node';
import { REQUIRED_TOOLS, type RequiredTool } from './required-tools.mjs';

/** What the set-up decided: each tool's path (null when missing), the notices to print, the errors that stop the run. */
export interface ToolCheck {
  readonly found: ReadonlyMap<RequiredTool['key'], string | null>;
  readonly notices: readonly string[];
  readonly errors: readonly string[];
}

/** Looks for every tool on the environment's PATH and applies its REQUIRE_* switch. */
export function checkTools(tools: readonly RequiredTool[], env: NodeJS.ProcessEnv): ToolCheck {
  const found = new Map<RequiredTool['key'], string | null>();
  const notices: string[] = [];
  const errors: string[] = [];
  for (const tool of tools) {
    const where = tool.find(env['PATH']);
    found.set(tool.key, where ?? null);
    if (where !== undefined) continue;
    if (env[tool.requireVariable] === '1') errors.push(`${tool.requireVariable}=1 but ${tool.missing.replace(/: .*$/, '.')} ${tool.hint}`);
    else notices.push(`NOTICE: ${tool.missing} ${tool.hint} ${tool.requireVariable}=1 makes that an error (.ci/run sets it).`);
  }
  return { found, notices, errors };
}

/** Process-wide (Symbol.for), so every instance of this module sees it. */
const NOTICES_PRINTED = Symbol.for('trtc-trouble-reporter.tests.tool-notices-printed');

export default function setup(project: TestProject): void {
  const check = checkTools(REQUIRED_TOOLS, process.env);
  if (check.errors.length > 0) throw new Error(check.errors.join('\n'));
  // Vitest runs the setup for the root and for each project (main, solo): the notices are printed once per run.
  const printed = globalThis as { [NOTICES_PRINTED]?: true };
  if (printed[NOTICES_PRINTED] !== true) for (const notice of check.notices) process.stderr.write(`\n${notice}\n\n`);
  printed[NOTICES_PRINTED] = true;
  for (const [key, where] of check.found) project.provide(key, where);
}
