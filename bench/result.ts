import * as z from 'zod';
import { CliResultSchema } from './cli.ts';
import { HandlerMeasureSchema } from './handler-measure.ts';
import { SweepMeasureSchema } from './sweep-measure.ts';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const CallFiguresSchema = z.object({ actual: count, minimum: count, ratio: z.number().nonnegative() });

export const SweepResultSchema = z.object({
  snapshots: count,
  regions: z.union([z.literal(1), z.literal(3)]),
  /** The stand-in's latency profile: flat (20 ± 5 ms a call) or realistic (local/profiles.ts). */
  profile: z.enum(['flat', 'realistic']),
  /** Creation-time windows listed (DescribeClusterSnapshots calls without a Marker), over all regions. */
  partitions: count,
  /** Calls the stand-in answered with its throttling error. */
  throttled: count,
  fleet: z.object({
    perRegion: z.array(count),
    unauthorizedGrants: count,
    snapshotsWithUnauthorizedGrants: count,
  }),
  calls: z.object({ byAction: z.record(z.string(), CallFiguresSchema), total: CallFiguresSchema }),
  wall: z.object({
    ms,
    /** The latency floor with each region's pages listed at the concurrency ceiling (bench/floor.ts). */
    floorMs: ms,
    /** What one page after another would need: pages × Describe latency, plus revokes and PutEvents. */
    sequentialFloorMs: ms,
    /** The least time the stand-in's rate limits allow for the calls made, plus one latency. */
    rateFloorMs: ms,
    /** ms / max(floorMs, rateFloorMs); null where both are zero. */
    ratio: z.number().nonnegative().nullable(),
    inventoryMs: ms,
  }),
  /** Each Lambda invocation of the sweep: more than one when it was split into parts. */
  parts: SweepMeasureSchema.shape.parts,
  cpuMs: ms,
  memory: SweepMeasureSchema.shape.memory,
  sdk: SweepMeasureSchema.shape.sdk,
  report: SweepMeasureSchema.shape.report,
});
export type SweepResult = z.infer<typeof SweepResultSchema>;

export const TargetSchema = z.object({
  id: z.enum([
    'calls',
    'throttled',
    'quick-wall',
    'sweep-wall',
    'regions',
    'sweep-rss',
    'huge',
    'engine',
    'handler',
    'cold-start',
    'bundle-size',
    'cli-help',
    'cli-rss',
  ]),
  target: z.string(),
  value: z.string(),
  status: z.enum(['met', 'missed', 'not measured']),
});
export type Target = z.infer<typeof TargetSchema>;

export const FunctionResultSchema = z.object({
  name: z.string(),
  bytes: count,
  gzipBytes: count,
  /** What the bundle is made of, by package, largest first. */
  largest: z.array(z.object({ name: z.string(), bytes: count })),
  coldStart: z.object({ medianMs: ms, samplesMs: z.array(ms).min(1) }),
});
export type FunctionResult = z.infer<typeof FunctionResultSchema>;

/** Everything `npm run bench` measures: what `--out` writes and the table shows. */
export const BenchResultSchema = z.object({
  schemaVersion: z.literal(1),
  mode: z.enum(['full', 'quick', 'smoke']),
  startedAt: z.iso.datetime(),
  durationMs: ms,
  machine: z.object({
    cpus: count,
    cpuModel: z.string(),
    memoryGb: z.number().positive(),
    node: z.string(),
    platform: z.string(),
  }),
  settings: z.object({
    /** The flat profile's mean latency and jitter (the realistic profile's are in local/profiles.ts). */
    latencyMs: ms,
    jitterMs: ms,
    /** The stand-in's token bucket per account, region and action; null when off. */
    rateLimit: z.object({ rate: z.number().positive(), burst: count }).nullable(),
    /** The policy's safety.maxListingConcurrency. */
    listingCeiling: count,
    concurrency: count,
    publishConcurrency: count,
    unauthorizedShare: z.number(),
  }),
  sweeps: z.array(SweepResultSchema).min(1),
  /** Between the two largest one-region fleets: streaming keeps this flat. */
  heapGrowth: z.object({
    fromSnapshots: count,
    toSnapshots: count,
    peakHeapMb: z.number(),
    retainedHeapMb: z.number(),
    peakRssMb: z.number(),
  }),
  engine: z.object({ snapshots: count, cpuMs: ms, perSecond: count, runs: count }),
  handler: HandlerMeasureSchema,
  functions: z.array(FunctionResultSchema).length(2),
  /** The built command line: how fast it starts, and how much memory a sweep from it takes. */
  cli: CliResultSchema,
  targets: z.array(TargetSchema).length(13),
});
export type BenchResult = z.infer<typeof BenchResultSchema>;

/** What `--out` writes. */
export function resultJson(result: BenchResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
