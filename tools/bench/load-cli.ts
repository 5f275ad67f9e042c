/** `npm run bench:load [-- --seconds N --connections C]`: prints the load figures of the standalone server. */
import path from 'node:path';
import { runLoad } from './load';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive whole number`);
  return value;
}

runLoad({ seconds: flag('--seconds', 10), connections: flag('--connections', 20), root: path.resolve(__dirname, '..', '..') }).then(
  (figures) => {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`load test failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
