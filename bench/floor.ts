import { PAGE_SIZE } from '../functions/aws/listing.ts';
import { EVENTS_PER_CALL } from '../functions/engine/ports.ts';

/** The calls DESIGN.md holds the product to, by action name as the stand-in counts them. */
export const COUNTED_ACTIONS = [
  'DescribeClusterSnapshots',
  'RevokeSnapshotAccess',
  'PutEvents',
  'GetCallerIdentity',
] as const;
export type CountedAction = (typeof COUNTED_ACTIONS)[number];

/** Redshift Serverless' listing: one call per region when the product lists that kind at all. */
export const SERVERLESS_LISTING = 'ListSnapshots';

/** Redshift Serverless' read of one snapshot: how a Serverless revoke is confirmed. */
export const SERVERLESS_READ_BACK = 'GetSnapshot';

/** What one region of a seeded fleet needs from an enforcer (from the stand-in's fleet stats). */
export type RegionFleet = {
  snapshots: number;
  unauthorizedGrants: number;
  supportGrants: number;
  /** The region's Redshift Serverless snapshots, when the fleet has any. */
  serverless?: { unauthorizedGrants: number };
};

export type CallFigures = { actual: number; minimum: number; ratio: number };

/** DescribeClusterSnapshots pages to list `snapshots`: an empty region still takes one call. */
export function pagesFor(snapshots: number): number {
  return Math.max(1, Math.ceil(snapshots / PAGE_SIZE));
}

/**
 * The fewest calls a sweep of `fleets` can make: one describe per 100 snapshots per region, one
 * revoke per grant the policy refuses (support grants included: the bench policy refuses them),
 * one PutEvents per ten events published, one GetCallerIdentity. A Serverless listing counts one
 * call per region, and only when the product made it (the bench fleet holds no Serverless
 * snapshots). Each Serverless revoke adds one GetSnapshot: it is done only once the snapshot, read
 * back, no longer lists the account. A provisioned revoke is confirmed from its own answer.
 */
export function minimumCalls(
  fleets: readonly RegionFleet[],
  eventsPublished: number,
  observed: Readonly<Record<string, number>>,
): Record<string, number> {
  const serverlessRevokes = fleets.reduce((n, f) => n + (f.serverless?.unauthorizedGrants ?? 0), 0);
  const minimum: Record<string, number> = {
    DescribeClusterSnapshots: fleets.reduce((n, f) => n + pagesFor(f.snapshots), 0),
    RevokeSnapshotAccess:
      fleets.reduce((n, f) => n + f.unauthorizedGrants + f.supportGrants, 0) + serverlessRevokes,
    PutEvents: Math.ceil(eventsPublished / EVENTS_PER_CALL),
    GetCallerIdentity: 1,
  };
  if ((observed[SERVERLESS_LISTING] ?? 0) > 0) minimum[SERVERLESS_LISTING] = fleets.length;
  if (serverlessRevokes > 0) minimum[SERVERLESS_READ_BACK] = serverlessRevokes;
  return minimum;
}

/** Actual against minimum, per action (every action either side names) and in total. */
export function compareCalls(
  actual: Readonly<Record<string, number>>,
  minimum: Readonly<Record<string, number>>,
): { byAction: Record<string, CallFigures>; total: CallFigures } {
  const byAction: Record<string, CallFigures> = {};
  for (const action of new Set([...Object.keys(minimum), ...Object.keys(actual)])) {
    byAction[action] = figures(actual[action] ?? 0, minimum[action] ?? 0);
  }
  const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);
  return { byAction, total: figures(sum(actual), sum(minimum)) };
}

function figures(actual: number, minimum: number): CallFigures {
  // An action with no minimum that was called anyway is pure excess: its ratio is the call count.
  return { actual, minimum, ratio: minimum === 0 ? (actual === 0 ? 1 : actual) : actual / minimum };
}

/** Mean latency of one call of each action the sweep makes, under the sweep's profile. */
export type ActionLatencies = {
  describeMs: number;
  /** Redshift Serverless ListSnapshots. */
  listMs: number;
  revokeMs: number;
  putEventsMs: number;
  stsMs: number;
};

export type FloorInput = {
  latency: ActionLatencies;
  /** DescribeClusterSnapshots pages each region needs (the minimum), regions listed in parallel. */
  pagesPerRegion: readonly number[];
  /** Serverless ListSnapshots calls each region makes (one per region when listed at all). */
  serverlessCallsPerRegion: number;
  revocations: number;
  putEvents: number;
  concurrency: number;
  publishConcurrency: number;
};

/**
 * The time a listing one page after another would need, if every call cost its action's mean
 * latency and nothing else: the account lookup, then the longest region's pages in sequence
 * (regions in parallel), then revocations `concurrency` at a time, then PutEvents
 * `publishConcurrency` at a time. Phases are taken as sequential, as the engine runs them.
 *
 * sequential = sts + max(pages per region) × describe + serverless × list
 *            + revocations / concurrency × revoke + PutEvents / publishConcurrency × putEvents
 */
export function sequentialFloorMs(input: FloorInput): number {
  return floorMs(input, 1);
}

/**
 * The same, with each region's pages listed `ceiling` at a time (the policy's
 * `safety.maxListingConcurrency`): the least a partitioned listing can take on latency alone.
 */
export function ceilingFloorMs(input: FloorInput, ceiling: number): number {
  return floorMs(input, ceiling);
}

function floorMs(input: FloorInput, width: number): number {
  const { latency } = input;
  const pages = Math.max(0, ...input.pagesPerRegion.map((p) => Math.ceil(p / width)));
  return (
    latency.stsMs +
    pages * latency.describeMs +
    input.serverlessCallsPerRegion * latency.listMs +
    (input.revocations / input.concurrency) * latency.revokeMs +
    (input.putEvents / input.publishConcurrency) * latency.putEventsMs
  );
}

/** A token bucket's limit (local/core/throttle.ts); null when the action is not limited. */
export type Limit = { rate: number; burst: number } | null;

/** The least time a token bucket allows `calls` calls in: the burst at once, the rest at the rate. */
export function bucketMs(calls: number, limit: Limit): number {
  if (!limit) return 0;
  return (Math.max(0, calls - limit.burst) / limit.rate) * 1000;
}

export type RateFloorInput = {
  /** Calls each region made that AWS let through (throttled ones take no token), by action. */
  describePerRegion: readonly number[];
  listPerRegion: readonly number[];
  revokePerRegion: readonly number[];
  putEvents: number;
  limits: { describe: Limit; list: Limit; revoke: Limit; putEvents: Limit };
  /** One call's latency: the last call answered after the last token. */
  latencyMs: number;
};

/**
 * The least time the rate limits allow for the calls made. Buckets are per account, region and
 * action, so regions run in parallel; the engine's phases (list, then revoke, then publish) run
 * one after another, as it checks the safety limits on the whole plan before it changes anything.
 *
 * rate floor = max over regions (describe + list bucket time) + max over regions (revoke bucket
 * time) + PutEvents bucket time + one latency
 */
export function rateFloorMs(input: RateFloorInput): number {
  const { limits } = input;
  const listing = Math.max(
    0,
    ...input.describePerRegion.map(
      (d, i) => bucketMs(d, limits.describe) + bucketMs(input.listPerRegion[i] ?? 0, limits.list),
    ),
  );
  const revoking = Math.max(0, ...input.revokePerRegion.map((r) => bucketMs(r, limits.revoke)));
  return listing + revoking + bucketMs(input.putEvents, limits.putEvents) + input.latencyMs;
}
