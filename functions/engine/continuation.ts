import * as z from 'zod';
import { REGION } from '../input/aws-names.ts';
import type { Consumed } from './consume.ts';
import { TIME_UP } from './enforce.ts';
import { countPlanned } from './plan.ts';
import type { ContinueResult, RegionLeft } from './ports.ts';
import type { InventoryError, SnapshotEntry } from './run-report.ts';
import type { TimeRange } from './windows.ts';

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

/** The same for a dry run, which only records and publishes what it would do. */
export const MS_PER_RECORDED_ACTION = 10;

const TimeRangeSchema = z
  .strictObject({
    from: z.number().int().optional(),
    to: z.number().int().optional(),
  })
  .refine((r) => r.from === undefined || r.to === undefined || r.from < r.to, {
    error: 'from must come before to',
  });

/** Each range starts where the one before it ended or later: the listing refuses overlaps. */
const inOrder = (ranges: { from?: number; to?: number }[]) =>
  ranges.every((r, i) => {
    const before = ranges[i - 1];
    if (!before) return true;
    return before.to !== undefined && r.from !== undefined && before.to <= r.from;
  });

/** At most this many ranges per region and kind: enough for any listing's windows, and an event well under 256 KB. */
export const MAX_RANGES = 1000;

const RangesSchema = z
  .array(TimeRangeSchema)
  .max(MAX_RANGES)
  .refine(inOrder, { error: 'must be in order and must not overlap' });

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
    })
    .refine((rs) => new Set(rs.map((r) => r.region)).size === rs.length, {
      error: 'names a region more than once',
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
  /** Whether asking for the next part worked. */
  requested?: ContinueResult;
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
  if (!from) return regions;
  return [...new Set(from.regions.map((r) => r.region))].filter((r) => regions.includes(r));
}

/** The regions a continuation names that are not the sweep's: left out, and said so. */
function outOfScope(regions: string[], from: Continuation | undefined): string[] {
  return from ? from.regions.map((r) => r.region).filter((r) => !regions.includes(r)) : [];
}

/** The creation-time ranges a part reads of `region`: undefined for all of it. */
export function partRanges(region: string, from: Continuation | undefined): RegionLeft | undefined {
  return from ? givenFor(region, from) : undefined;
}

const SECOND = 1000;

/** A range without `undefined` ends: an open end is an absent key (what the schema reads back). */
const tidy = (r: TimeRange): TimeRange => ({
  ...(r.from === undefined ? {} : { from: r.from }),
  ...(r.to === undefined ? {} : { to: r.to }),
});

/** The ranges as one sorted list, overlapping and touching ranges joined (undefined ends are open). */
function union(ranges: TimeRange[]): TimeRange[] {
  const lo = (r: TimeRange) => r.from ?? Number.NEGATIVE_INFINITY;
  const hi = (r: TimeRange) => r.to ?? Number.POSITIVE_INFINITY;
  const out: TimeRange[] = [];
  for (const r of [...ranges].sort((a, b) => lo(a) - lo(b))) {
    const last = out.at(-1);
    if (last && lo(r) <= hi(last)) {
      if (hi(r) > hi(last)) out[out.length - 1] = { ...last, to: r.to };
      continue;
    }
    out.push(r);
  }
  return out.map(tidy);
}

/**
 * At most `max` ranges: the smallest gaps between neighbours are closed first. What a closed gap
 * held is read again by the next part, which only judges it again (compliant snapshots stay so).
 */
export function coarsen(ranges: TimeRange[], max = MAX_RANGES): TimeRange[] {
  if (ranges.length <= max) return ranges;
  const gaps = ranges.slice(1).map((r, i) => ({ i, size: (r.from ?? 0) - (ranges[i]?.to ?? 0) }));
  const close = new Set(
    gaps
      .sort((a, b) => a.size - b.size)
      .slice(0, ranges.length - max)
      .map((g) => g.i),
  );
  const out: TimeRange[] = [];
  ranges.forEach((r, i) => {
    const last = out.at(-1);
    if (last && close.has(i - 1)) out[out.length - 1] = { ...last, to: r.to };
    else out.push({ ...r });
  });
  return out.map(tidy);
}

/** Well under EventBridge's 256 KB an entry, with room for the envelope. */
const MAX_DETAIL_BYTES = 200_000;

/** The regions' ranges coarsened until the request for the next part fits in one event. */
function withinEventSize<R extends RegionLeft>(regions: R[]): R[] {
  let out = regions;
  for (
    let max = MAX_RANGES;
    JSON.stringify(out).length > MAX_DETAIL_BYTES && max > 1;
    max = Math.floor(max / 2)
  ) {
    out = regions.map((r) => ({
      ...r,
      provisioned: coarsen(r.provisioned, max),
      serverless: coarsen(r.serverless, max),
    }));
  }
  return out;
}

/** The second each snapshot was created in, as a range (one with no creation time: the open start). */
function secondsOf(entries: SnapshotEntry[]): TimeRange[] {
  return entries.map((e) => {
    const ms = e.snapshot.createdAt?.getTime();
    if (ms === undefined) return { to: SECOND };
    const from = Math.floor(ms / SECOND) * SECOND;
    return { from, to: from + SECOND };
  });
}

/** The region, kind and second a snapshot was created in: what a handed-on range is made of. */
function secondKey(e: SnapshotEntry): string {
  const ms = e.snapshot.createdAt?.getTime();
  const second = ms === undefined ? 'undated' : String(Math.floor(ms / SECOND));
  return `${e.snapshot.region}|${e.snapshot.kind}|${second}`;
}

/** What is left of `region` once the part is done: what it did not read, and what it read but had no time to act on. */
function leftAfter(region: string, left: RegionLeft, skipped: SnapshotEntry[]): RegionLeft {
  const mine = skipped.filter((e) => e.snapshot.region === region);
  return {
    provisioned: coarsen(
      union([...left.provisioned, ...secondsOf(mine.filter((e) => e.snapshot.kind === 'cluster'))]),
    ),
    serverless: coarsen(
      union([...left.serverless, ...secondsOf(mine.filter((e) => e.snapshot.kind === 'serverless'))]),
    ),
  };
}

/**
 * Where a run stands in its sweep once it has read what it could and acted on it: whether a next
 * part must go on (a region whose listing stopped early, or snapshots read but left unacted for
 * lack of time: the seconds they were created in are handed on too, so the next part reads and
 * judges them again), and what it gets. A region that failed is not continued: it is reported as
 * `Inventory Failed`, and the next scheduled sweep reads it again; one whose listing the deadline
 * cut short is continued like one that stopped reading.
 *
 * @example
 * sweepPart(consumed, { runId: 'r-1', regions: ['us-east-1'], dryRun: false });
 * // { sweepId: 'r-1', part: 1, next: { sweepId: 'r-1', part: 2, dryRun: false, regions: [{ region: 'us-east-1', provisioned: [{ from: 1700000000000 }], serverless: [{}] }], planned: { revocations: 12, deletions: 0 } } }
 */
export function sweepPart(
  consumed: Pick<Consumed, 'truncated' | 'left' | 'planned' | 'entries'> & {
    inventoryErrors: InventoryError[];
  },
  sweep: { runId: string; regions: string[]; dryRun: boolean; from?: Continuation },
): SweepPart {
  const ignored = outOfScope(sweep.regions, sweep.from);
  const sweepId = sweep.from?.sweepId ?? sweep.runId;
  const part = sweep.from?.part ?? 1;
  const base = { sweepId, part, ...(ignored.length > 0 ? { outOfScope: ignored } : {}) };
  const skipped = consumed.entries.filter((e) => e.results.some((r) => r.reason === TIME_UP));
  if (!consumed.truncated && skipped.length === 0) return base;
  const failed = new Set(
    consumed.inventoryErrors.filter((e) => e.identifier === undefined && !e.cutByTime).map((e) => e.region),
  );
  const regions = withinEventSize(
    partRegions(sweep.regions, sweep.from)
      .filter((region) => !failed.has(region))
      .map((region) => ({
        region,
        ...leftAfter(region, consumed.left.get(region) ?? givenFor(region, sweep.from), skipped),
      }))
      .filter((r) => r.provisioned.length + r.serverless.length > 0),
  );
  if (regions.length === 0) return base;
  if (part >= MAX_PARTS) {
    return {
      ...base,
      notContinued: `the sweep reached its ${MAX_PARTS}th part and ends without reading the rest; the next scheduled sweep starts afresh`,
    };
  }
  // What this part planned, less what the next part plans again: in the seconds it hands on, every
  // action that surely changed nothing (skipped, or refused with AWS showing nothing changed). A
  // failed action that may have landed stays counted.
  const planned = countPlanned(consumed.planned.map((p) => p.action));
  const handedOn = new Set(skipped.map(secondKey));
  const unacted = countPlanned(
    consumed.entries
      .filter((e) => handedOn.has(secondKey(e)))
      .flatMap((e) =>
        e.results.filter((r) => r.outcome === 'skipped' || (r.outcome === 'failed' && r.unchanged)),
      ),
  );
  const before = sweep.from?.planned ?? { revocations: 0, deletions: 0 };
  return {
    ...base,
    next: {
      sweepId,
      part: part + 1,
      dryRun: sweep.dryRun,
      regions,
      planned: {
        revocations: before.revocations + planned.revocations - unacted.revocations,
        deletions: before.deletions + planned.deletions - unacted.deletions,
      },
    },
  };
}
