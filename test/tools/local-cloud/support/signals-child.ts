/** A process that stops the way `npm run local` does, with a cleanup that lasts until a line arrives on stdin. */
import { stopOnSignals } from '../../../../tools/local-cloud/signals';

// Reading stdin keeps the process alive (as the local cloud's servers do) and ends the cleanup.
const released = new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const cleanup = async (): Promise<number> => {
  await released;
  process.stderr.write('cleaned up\n');
  return 0;
};

void stopOnSignals(cleanup, (line) => process.stderr.write(line)).then((code) => process.exit(code));
process.stderr.write('ready\n');
