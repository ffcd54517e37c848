import * as z from 'zod';
import { REGION } from '../input/aws-names.ts';
import type { Consumed } from './consume.ts';
import { countPlanned } from './plan.ts';
import type { RegionLeft } from './ports.ts';
import type { InventoryError } from './run-report.ts';

/**
 * A sweep that cannot read every snapshot inside one Lambda invocation (a region of a million
 * snapshots takes longer than AWS's rate limits allow in 15 minutes) stops reading in time to act
 * on what it read, and hands what it did not read to a next part: the creation-time ranges left
 * of each region and kind, and what the earlier parts planned, so the policy's safety limits hold
 * for the sweep as a whole. Parts are chained through the compliance bus (`Sweep Continuation
 * Requested`); a chain ends after MAX_PARTS parts, and says so.
 */

/** At most this many parts to one sweep: a chain that never ends would be a loop, not a sweep. */
export const MAX_PARTS = 20;

/** The detail type of the event that asks for a sweep's next part. */
export const CONTINUATION_DETAIL_TYPE = 'Sweep Continuation Requested';

/**
 * Time kept back for each action the run has planned when deciding to stop reading: enough for
 * AWS's assumed rate of 12 calls a second per action with a margin, so a part acts on everything
 * it read before its time is up.
 */
export const MS_PER_PLANNED_ACTION = 100;

const TimeRangeSchema = z
  .strictObject({
    from: z.number().int().optional(),
    to: z.number().int().optional(),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, {
    error: 'from must come before to',
  });

const RangesSchema = z.array(TimeRangeSchema).max(1000);

const RegionLeftSchema = z.strictObject({
  region: z.string().regex(REGION, { error: 'must be an AWS region name, like eu-west-1' }),
  provisioned: RangesSchema,
  serverless: RangesSchema,
});

/** What a sweep's next part reads, and what the parts before it planned. */
export const ContinuationSchema = z.strictObject({
  /** The first part's run id: every part of one sweep carries it. */
  sweepId: z.string().min(1).max(128),
  part: z.number().int().min(2).max(MAX_PARTS),
  /** A dry run's later parts are dry runs too. */
  dryRun: z.boolean(),
  regions: z
    .array(RegionLeftSchema)
    .min(1)
    .max(100)
    .refine((rs) => rs.some((r) => r.provisioned.length + r.serverless.length > 0), {
      error: 'leaves nothing to read',
    }),
  /** Revocations and deletions the earlier parts planned, counted against the safety limits. */
  planned: z.strictObject({
    revocations: z.number().int().min(0),
    deletions: z.number().int().min(0),
  }),
});
export type Continuation = z.infer<typeof ContinuationSchema>;

/** Where a run stands in its sweep: the part it is, and what the next part is to read, if any. */
export type SweepPart = {
  sweepId: string;
  part: number;
  /** Absent when this part read everything it was given. */
  next?: Continuation;
  /** Why the sweep ends here although it read not everything (MAX_PARTS reached). */
  notContinued?: string;
  /** Regions the continuation named that are not the sweep's: not read. */
  outOfScope?: string[];
  /** Whether asking for the next part worked (set by whoever asks: the sweep function). */
  requested?: { requested: true } | { requested: false; reason: string };
};

const EVERYTHING = [{}];

/** What is left of `region` before this part reads it: what the part was given, or all of it. */
function givenFor(region: string, from: Continuation | undefined): RegionLeft {
  const given = from?.regions.find((r) => r.region === region);
  if (given) return { provisioned: given.provisioned, serverless: given.serverless };
  return { provisioned: EVERYTHING, serverless: EVERYTHING };
}

/**
 * The regions a part reads: the sweep's, or those its continuation leaves that are still the
 * sweep's (a request naming a region outside the policy's `regions`, forged or from before a
 * redeploy, does not widen the sweep).
 */
export function partRegions(regions: string[], from: Continuation | undefined): string[] {
  return from ? from.regions.map((r) => r.region).filter((r) => regions.includes(r)) : regions;
}

/** The regions a continuation names that are not the sweep's: left out, and said so. */
function outOfScope(regions: string[], from: Continuation | undefined): string[] {
  return from ? from.regions.map((r) => r.region).filter((r) => !regions.includes(r)) : [];
}

/** The creation-time ranges a part reads of `region`: undefined for all of it. */
export function partRanges(region: string, from: Continuation | undefined): RegionLeft | undefined {
  return from ? givenFor(region, from) : undefined;
}

/**
 * Where a run stands in its sweep once it has read what it could: whether a next part must read
 * the rest (regions whose listing stopped early), and what it gets. A region that failed is not
 * continued: it is reported as `Inventory Failed`, and the next scheduled sweep reads it again.
 *
 * @example
 * sweepPart(consumed, { runId: 'r-1', regions: ['us-east-1'], dryRun: false });
 * // { sweepId: 'r-1', part: 1, next: { sweepId: 'r-1', part: 2, dryRun: false, regions: [{ region: 'us-east-1', provisioned: [{ from: 1700000000000 }], serverless: [{}] }], planned: { revocations: 12, deletions: 0 } } }
 */
export function sweepPart(
  consumed: Pick<Consumed, 'truncated' | 'left' | 'planned'> & { inventoryErrors: InventoryError[] },
  sweep: { runId: string; regions: string[]; dryRun: boolean; from?: Continuation },
): SweepPart {
  const ignored = outOfScope(sweep.regions, sweep.from);
  const sweepId = sweep.from?.sweepId ?? sweep.runId;
  const part = sweep.from?.part ?? 1;
  const base = { sweepId, part, ...(ignored.length > 0 ? { outOfScope: ignored } : {}) };
  if (!consumed.truncated) return base;
  const failed = new Set(
    consumed.inventoryErrors.filter((e) => e.identifier === undefined).map((e) => e.region),
  );
  const regions = partRegions(sweep.regions, sweep.from)
    .filter((region) => !failed.has(region))
    .map((region) => ({ region, ...(consumed.left.get(region) ?? givenFor(region, sweep.from)) }))
    .filter((r) => r.provisioned.length + r.serverless.length > 0);
  if (regions.length === 0) return base;
  if (part >= MAX_PARTS) {
    return {
      ...base,
      notContinued: `the sweep reached its ${MAX_PARTS}th part and ends without reading the rest; the next scheduled sweep starts afresh`,
    };
  }
  const now = countPlanned(consumed.planned.map((p) => p.action));
  const before = sweep.from?.planned ?? { revocations: 0, deletions: 0 };
  return {
    ...base,
    next: {
      sweepId,
      part: part + 1,
      dryRun: sweep.dryRun,
      regions,
      planned: {
        revocations: before.revocations + now.revocations,
        deletions: before.deletions + now.deletions,
      },
    },
  };
}
