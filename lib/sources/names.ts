/**
 * The one table of event source names. `name` is what the function calls the source: the `source` of its log lines
 * and batch summaries, and the name of its adapter in the registry. `event` is the short name that
 * `npm run event -- <event>` takes and that the sample files in events/ start with (`<event>.json` or
 * `<event>-….json`); `generated` says whether the event generator makes that source's events. The rows are in the
 * generator's `--help` order; the registry (index.ts) keeps its own detection order.
 */
export const SOURCE_TABLE = [
  { name: 'scf-function-url', event: 'function-url', generated: true },
  { name: 'scf-api-gateway', event: 'api-gateway', generated: true },
  { name: 'direct', event: 'direct', generated: true },
  { name: 'ckafka', event: 'ckafka', generated: true },
  { name: 'cmq', event: 'cmq', generated: true },
  { name: 'eventbridge', event: 'eventbridge', generated: true },
  { name: 'eventbridge-list', event: 'eventbridge-list', generated: true },
  { name: 'timer', event: 'timer', generated: true },
  { name: 'aws-api-gateway-v1', event: 'aws-apigw-v1', generated: true },
  { name: 'aws-http-api-v2', event: 'aws-http-v2', generated: true },
  { name: 'aws-alb', event: 'aws-alb', generated: false },
] as const;

type SourceRow = (typeof SOURCE_TABLE)[number];

/** A source as the function names it (log lines, batch summaries, the registry). */
export type SourceName = SourceRow['name'];

/** A source the event generator makes, by its short name. */
export type GeneratedSourceName = Extract<SourceRow, { readonly generated: true }>['event'];

const isGenerated = (row: SourceRow): row is Extract<SourceRow, { readonly generated: true }> => row.generated;

/** The short names of the sources the event generator makes, in `--help` order. */
export const GENERATED_SOURCES: readonly GeneratedSourceName[] = SOURCE_TABLE.filter(isGenerated).map((row) => row.event);

/**
 * The source a sample file in events/ belongs to, by its name (`<event>.json` or `<event>-….json`, the longest
 * short name that fits), or undefined when no source's short name fits.
 */
export function sourceOfSampleFile(file: string): SourceName | undefined {
  const fits = SOURCE_TABLE.filter((row) => file === `${row.event}.json` || file.startsWith(`${row.event}-`));
  return fits.sort((a, b) => b.event.length - a.event.length)[0]?.name;
}
