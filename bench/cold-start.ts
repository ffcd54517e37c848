import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { RUNTIME_NODE_PATH } from './bundle.ts';
import { HOME_REGION } from './settings.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

// Timed from inside the fresh process, so Node's own start-up is left out: what is measured is
// what the bundle adds to a cold start (read, parse, compile and run its module body). The bundle
// is loaded the way Lambda's runtime loads a handler: `require` for .cjs, `import()` for .mjs.
const IMPORT_AND_TIME = `import { createRequire } from 'node:module';
const bundle = process.env.BENCH_BUNDLE;
const start = performance.now();
if (bundle.endsWith('.cjs')) createRequire(import.meta.url)(new URL(bundle).pathname);
else await import(bundle);
process.stdout.write(String(performance.now() - start));
process.exit(0);`;

async function importOnce(url: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_AND_TIME], {
    env: {
      PATH: process.env.PATH ?? '',
      BENCH_BUNDLE: url,
      // Where the runtime-provided SDK is found, as Lambda's NODE_PATH finds its own.
      NODE_PATH: RUNTIME_NODE_PATH,
      AWS_REGION: HOME_REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`importing ${url} printed ${JSON.stringify(stdout)}`);
  return ms;
}

/** Imports a bundle in `runs` fresh `node` processes, one after another; median and every sample. */
export async function coldStart(
  path: string,
  runs: number,
): Promise<{ medianMs: number; samplesMs: number[] }> {
  const url = pathToFileURL(path).href;
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i++) samplesMs.push(await importOnce(url));
  return { medianMs: median(samplesMs), samplesMs };
}
