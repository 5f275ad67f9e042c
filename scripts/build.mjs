// Bundles the deployable entry points with esbuild: CommonJS, Node 18, minified.
//   dist/index.js   the SCF event function (exports main_handler); no SDK, no ioredis, no Redis code beyond facades
//   dist/redis.js   handlers/redis.ts: ioredis with the Redis store's, the shared quota's and the dead-letter cores, required by
//                   dist/index.js (and dist/server.js) only when REDIS_URL is set
//   dist/server.js  the standalone HTTP server (SCF web function, containers)
// The deploy artifact is dist/index.js + dist/redis.js (dist/meta.json lists the outputs): our code reaches the
// Redis file only through the facades' dynamic imports of their cores (lib/idempotency/redis.ts imports
// ./redis-store, lib/quota/redis.ts imports ./redis-schedule), which the plugin below turns into
// require("./redis.js"), resolved next to the bundle at run time.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';

/** The dynamic imports that load a Redis core: importer → the core it loads (both exported by handlers/redis.ts). */
const redisCores = new Map([
  [path.resolve('lib/idempotency/redis.ts'), './redis-store'],
  [path.resolve('lib/quota/redis.ts'), './redis-schedule'],
  [path.resolve('lib/dead-letter/redis.ts'), './redis-parked'],
]);

const redisFile = {
  name: 'redis-code-in-its-own-file',
  setup(b) {
    // A lazily evaluated stub that requires the separate file (a plain require, so Node resolves it next to the
    // bundle and no ESM loader is involved). The entry of dist/redis.js itself is bundled as usual.
    b.onResolve({ filter: /^\.\/redis-(store|schedule|parked)$/ }, (args) =>
      args.kind === 'dynamic-import' && redisCores.get(args.importer) === args.path ? { path: 'redis-file', namespace: 'redis-file' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'redis-file' }, () => ({ contents: 'module.exports = require("./redis.js");', loader: 'js' }));
    b.onResolve({ filter: /^\.\/redis\.js$/ }, (args) => (args.namespace === 'redis-file' ? { path: './redis.js', external: true } : undefined));
  },
};

/**
 * The configuration schema (lib/config.ts) carries, per variable, the text of the docs table (`doc`, `shown`),
 * which `npm run docs:config` reads from the same rows. The bundles never print it: it is cut here, at build time
 * only, so each variable stays one row and the cold start does not parse the docs.
 */
const configDocsOut = {
  name: 'config-docs-out-of-the-bundle',
  setup(b) {
    b.onLoad({ filter: /[\\/]lib[\\/]config\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const file = ts.createSourceFile(args.path, source, ts.ScriptTarget.Latest, true);
      const cut = [];
      const visit = (node) => {
        if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && (node.name.text === 'doc' || node.name.text === 'shown')) {
          cut.push([node.getStart(file), source[node.end] === ',' ? node.end + 1 : node.end, '']);
        } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'whole' && node.arguments.length === 6) {
          cut.push([node.arguments[5].getStart(file), node.arguments[5].end, "''"]);
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
      let contents = source;
      for (const [start, end, text] of cut.sort((x, y) => y[0] - x[0])) contents = `${contents.slice(0, start)}${text}${contents.slice(end)}`;
      return { contents, loader: 'ts' };
    });
  },
};

export const entries = {
  index: 'handlers/index.ts',
  server: 'handlers/server.ts',
  redis: 'handlers/redis.ts',
};
/** The files of the deploy artifact (the SCF event function). */
export const artifact = ['dist/index.js', 'dist/redis.js'];

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
  // Non-ASCII text (–, …, ’ in messages) as UTF-8 rather than \u escapes: fewer bytes to read at a cold start.
  charset: 'utf8',
  metafile: true,
  logLevel: 'warning',
  plugins: [redisFile, configDocsOut],
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
// The metafile lets tests prove what is (and is not) in each file; `artifact` names the files to deploy.
writeFileSync('dist/meta.json', JSON.stringify({ ...result.metafile, artifact }));
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
