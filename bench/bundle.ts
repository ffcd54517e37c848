import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PLUGINS_FILE = join(ROOT, 'serverless', 'esbuild-plugins.cjs');

/** The esbuild plugins the deploy bundles with, so sizes here are the sizes that ship. */
function deployPlugins(): Plugin[] {
  return existsSync(PLUGINS_FILE) ? (createRequire(import.meta.url)(PLUGINS_FILE) as Plugin[]) : [];
}

/**
 * What the Lambda Node.js 22 runtime already provides: the AWS SDK v3 and its Smithy core. The
 * deployed bundles leave these to the runtime (serverless.yml `exclude`), and so do the bundles
 * measured here; they are resolved from this project's node_modules, as the runtime resolves
 * them from its own through NODE_PATH.
 */
export const RUNTIME_PROVIDED = ['@aws-sdk/*', '@smithy/*'];
export const RUNTIME_NODE_PATH = join(ROOT, 'node_modules');

/**
 * Bundles entry points (repository-relative paths, keyed by output name). With `deploy`, the way
 * serverless.yml's `custom.esbuild` does: CommonJS for Node 22, minified, the runtime-provided SDK
 * left out. Otherwise one self-contained ES module (the bench's own child scripts).
 *
 * @example
 * await bundle({ sweep: 'functions/sweep.ts' }, dir, { deploy: true }); // { sweep: '<dir>/sweep.cjs' }
 */
export async function bundle(
  entries: Record<string, string>,
  outdir: string,
  options: { minify?: boolean; deploy?: boolean } = {},
): Promise<{ paths: Record<string, string>; metafile: Metafile }> {
  const extension = options.deploy ? '.cjs' : '.mjs';
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(ROOT, path)])),
    outdir,
    outExtension: { '.js': extension },
    bundle: true,
    minify: options.minify ?? true,
    platform: 'node',
    format: options.deploy ? 'cjs' : 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: options.deploy ? RUNTIME_PROVIDED : [],
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: options.deploy
      ? {}
      : {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
    plugins: deployPlugins(),
    metafile: true,
    logLevel: 'error',
  });
  const paths = Object.fromEntries(
    Object.keys(entries).map((name) => [name, join(outdir, `${name}${extension}`)]),
  );
  // Always present: the build asks for it with `metafile: true`.
  return { paths, metafile: result.metafile as Metafile };
}

/** 'node_modules/@smithy/core/dist-es/…' → '@smithy/core'; the product's own files by folder. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1]) return match[1];
  return input.split('/').slice(0, 2).join('/');
}

/** What one output is made of, by package, largest first: where to look when a bundle grows. */
export function largestPackages(
  metafile: Metafile,
  output: string,
  top: number,
): { name: string; bytes: number }[] {
  const entry = Object.entries(metafile.outputs).find(([path]) => basename(path) === basename(output));
  const sizes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(entry?.[1].inputs ?? {})) {
    const name = packageOf(input);
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  return [...sizes]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

export type BundleSize = { file: string; bytes: number; gzipBytes: number };

/** Raw and gzip -9 size: the zip a deploy uploads compresses about as well as gzip does. */
export async function bundleSize(path: string): Promise<BundleSize> {
  const bytes = await readFile(path);
  return { file: basename(path), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}
