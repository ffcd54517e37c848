#!/usr/bin/env node
// Builds the snapshot-guard command line (functions/cli.ts) with esbuild, as the Lambda bundles
// are built, so it starts without compiling TypeScript: `npm ci` and `npm install` run this
// through `prepare`, and `npm run build` runs it by hand. bin/snapshot-guard.js runs the build.
//
//   node scripts/build-cli.mjs [--outdir <dir>]   (default: dist/cli, which git ignores)
//
// One ES module per command and per dependency a command loads on use (code splitting), so
// `--help` loads commander and the command definitions, and `validate` no AWS SDK. Dependencies
// are bundled, the AWS SDK included: one tree-shaken file loads faster than the SDK's own.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
const outdir = resolve(values.outdir ?? join(ROOT, 'dist', 'cli'));

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // An install without devDependencies (`npm ci --omit=dev`): the command runs from the sources.
  console.error('build-cli: esbuild is not installed; snapshot-guard will run the TypeScript sources');
  process.exit(0);
}

const startedAt = Date.now();
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: { cli: 'functions/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // For `node --enable-source-maps`; the maps point at the sources rather than copy them.
  sourcemap: 'linked',
  sourcesContent: false,
  // The ES module builds of dependencies, which tree-shake; as serverless.yml bundles.
  mainFields: ['module', 'main'],
  // CommonJS dependencies bundled into ES modules still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  // The deploy's zod plugin (English messages only); not its packaged-policy one: the command
  // line reads YAML.
  plugins: require('../serverless/esbuild-plugins.cjs').filter((p) => p.name === 'zod-english-only'),
  metafile: true,
  logLevel: 'warning',
});

// What bin/snapshot-guard.js checks: a build older than one of its source files is not run.
const inputs = Object.keys(result.metafile.inputs)
  .filter((input) => !input.includes('node_modules/') && !input.includes(':'))
  .sort();
const manifest = {
  entry: relative(ROOT, join(outdir, 'cli.js')).split('\\').join('/'),
  builtAt: startedAt,
  inputs,
};
await writeFile(join(outdir, 'build.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.error(
  `build-cli: ${relative(ROOT, outdir) || '.'} (${Math.round(bytes / 1024)} KB in ${Date.now() - startedAt} ms)`,
);
