import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Every source file a module loads, as esbuild resolves its imports (the SDK left out). */
async function loadedFiles(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@aws-sdk/*', '@smithy/*'],
  });
  return Object.keys(result.metafile.inputs);
}

describe('the snapshot-guard command', () => {
  it('loads none of the Lambda middleware: no middy, no Powertools, nothing under functions/lambda', async () => {
    // Act
    const files = await loadedFiles('functions/cli.ts');

    // Assess
    expect(files).toContain('functions/cli.ts');
    expect(files.filter((f) => /@middy|@aws-lambda-powertools|functions\/lambda\//.test(f))).toEqual([]);
  });
});
