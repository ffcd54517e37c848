import type { Metafile } from 'esbuild';
import { bundleSize, largestPackages } from './bundle.ts';
import { coldStart } from './cold-start.ts';
import type { FunctionResult } from './result.ts';

/** Each bundled function's size, what it is made of, and its cold-start import time. */
export async function measureFunctions(
  bundles: { paths: Record<string, string>; metafile: Metafile },
  coldStartRuns: number,
): Promise<FunctionResult[]> {
  const functions: FunctionResult[] = [];
  // One after another: two imports at once on a small machine would time each other.
  for (const [name, path] of Object.entries(bundles.paths)) {
    const size = await bundleSize(path);
    functions.push({
      name,
      bytes: size.bytes,
      gzipBytes: size.gzipBytes,
      largest: largestPackages(bundles.metafile, path, 8),
      coldStart: await coldStart(path, coldStartRuns),
    });
  }
  return functions;
}
