import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, bundleSize } from '../../bench/bundle.ts';
import { LIMITS } from '../../bench/targets.ts';

/**
 * The two Lambda functions bundled as serverless.yml bundles them (bench/bundle.ts: minified
 * CommonJS for Node 22, the runtime's SDK left out, the deploy's esbuild plugins), and held to
 * what each really uses.
 */

const ENTRIES = { sweep: 'functions/sweep.ts', 'snapshot-event': 'functions/snapshot-event.ts' } as const;
type Fn = keyof typeof ENTRIES;

/** What only a sweep needs: listing whole regions in creation-time windows, and the sweep itself. */
const LISTING = [
  'functions/aws/describe-page.ts',
  'functions/aws/listing.ts',
  'functions/aws/partition.ts',
  'functions/aws/serverless-pages.ts',
  'functions/aws/snapshot-xml.ts',
  'functions/aws/sweep-ports.ts',
  'functions/engine/sweep.ts',
  'functions/engine/windows.ts',
  'functions/sweep-runtime.ts',
];

let dir = '';
let built: { paths: Record<string, string>; metafile: Metafile };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundles-'));
  built = await bundle(ENTRIES, dir, { deploy: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file a function's entry point reaches through its imports, as esbuild resolved them. */
function loaded(fn: Fn): string[] {
  const seen = new Set<string>();
  const next: string[] = [ENTRIES[fn]];
  for (let file = next.pop(); file !== undefined; file = next.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { path, external } of built.metafile.inputs[file]?.imports ?? [])
      if (!external) next.push(path);
  }
  return [...seen].sort();
}

/** The files whose code is in a function's bundle, minification and tree-shaking done. */
function carried(fn: Fn): string[] {
  const [, output] =
    Object.entries(built.metafile.outputs).find(([path]) => path.endsWith(`/${fn}.cjs`)) ?? [];
  return Object.entries(output?.inputs ?? {})
    .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
    .map(([file]) => file);
}

describe('the snapshot-event function', () => {
  it('loads none of the listing of whole regions: no creation-time windows, page readers or sweep', () => {
    // Act
    const files = loaded('snapshot-event');

    // Assess
    expect(files).toContain('functions/event-runtime.ts');
    expect(files.filter((f) => LISTING.includes(f))).toEqual([]);
  });
});

describe('the sweep function', () => {
  it('loads all of the listing the snapshot-event function leaves out', () => {
    // Act
    const files = loaded('sweep');

    // Assess: a file renamed or gone from the list would let the event function's test pass unread.
    expect(LISTING.filter((f) => !files.includes(f))).toEqual([]);
  });
});

describe('the Lambda functions', () => {
  it('load nothing of the command line, its reports, the inventory document or organisation mode', () => {
    for (const fn of Object.keys(ENTRIES) as Fn[]) {
      // Act
      const files = loaded(fn).filter((f) => f.startsWith('functions/'));

      // Assess
      expect(files, fn).toContain(ENTRIES[fn]);
      const others = files.filter((f) =>
        /^functions\/(cli\.ts|org-[^/]+\.ts|cli\/|report\/|inventory\/|org\/)/.test(f),
      );
      expect(others, fn).toEqual([]);
    }
  });

  it("carry none of zod's compiler or its JSON Schema import, which they never call", () => {
    for (const fn of Object.keys(ENTRIES) as Fn[]) {
      // Act
      const files = carried(fn);

      // Assess
      expect(
        files.some((f) => f.includes('node_modules/zod/')),
        fn,
      ).toBe(true);
      const unused = files.filter((f) =>
        /node_modules\/zod\/v4\/(core\/compile\.js|classic\/from-json-schema\.js)$/.test(f),
      );
      expect(unused, fn).toEqual([]);
    }
  });

  it('are each within the size limit the bench holds them to', async () => {
    for (const fn of Object.keys(ENTRIES) as Fn[]) {
      // Act
      const { bytes } = await bundleSize(built.paths[fn] ?? '');

      // Assess
      expect(bytes, fn).toBeLessThanOrEqual(LIMITS.bundleBytes);
    }
  });
});
