// Bundles the deployable entry points with esbuild: CommonJS, Node 18, minified, self-contained.
//   dist/index.js   the SCF event function (exports main_handler)
// Two packages the SDK pulls in are never used on Node 18+ and are replaced by tiny shims (about 400 KB less
// code to load at cold start): whatwg-url (node-fetch uses Node's own URL when it exists) and mime-db (only
// form-data's multipart uploads consult it; CreateTroubleInfo is sent as JSON).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { gzipSync } from 'node:zlib';

const shims = {
  'whatwg-url': 'module.exports = { URL: require("node:url").URL, URLSearchParams: require("node:url").URLSearchParams };',
  'mime-db': 'module.exports = {};',
};

const shimPlugin = {
  name: 'unused-dependency-shims',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(shims).join('|')})$`) }, (args) => ({ path: args.path, namespace: 'shim' }));
    b.onLoad({ filter: /.*/, namespace: 'shim' }, (args) => ({ contents: shims[args.path], loader: 'js' }));
  },
};

export const entries = {
  index: 'handlers/index.ts',
  server: 'handlers/server.ts',
};

const quiet = process.argv.includes('--quiet');
mkdirSync('dist', { recursive: true });
const result = await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [shimPlugin],
  // dist/server.js serves openapi.yaml at GET /openapi.json: converted to JSON text here, at build time (no YAML
  // parser in the bundle; a string literal, so it lands only where it is used, not in dist/index.js).
  define: { OPENAPI_DOCUMENT: JSON.stringify(JSON.stringify(parseYaml(readFileSync('openapi.yaml', 'utf8')))) },
  write: false,
});
// Each file is written under a temporary name and renamed, so a process loading dist/ meanwhile (a test, a running
// `npm start`) never reads a half-written bundle.
for (const file of result.outputFiles) {
  writeFileSync(`${file.path}.${process.pid}.tmp`, file.contents);
  renameSync(`${file.path}.${process.pid}.tmp`, file.path);
}
// The metafile lets tests prove what is (and is not) in the bundle; serverless.yml packages dist/index.js only.
writeFileSync('dist/meta.json', JSON.stringify(result.metafile));
if (process.argv.includes('--analyze')) {
  const inputs = Object.entries(result.metafile.outputs['dist/index.js'].inputs).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
  for (const [file, { bytesInOutput }] of inputs.slice(0, 15)) process.stderr.write(`${String(bytesInOutput).padStart(8)}  ${file}\n`);
}
if (!quiet) {
  for (const name of Object.keys(entries)) {
    const code = readFileSync(`dist/${name}.js`);
    process.stderr.write(`dist/${name}.js  ${(code.length / 1024).toFixed(1)} KiB (${(gzipSync(code, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped)\n`);
  }
}
