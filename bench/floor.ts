import { PAGE_SIZE } from '../functions/aws/inventory.ts';
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

export type FloorInput = {
  /** Mean latency of one call. */
  latencyMs: number;
  /** Listing calls each region needs; regions are listed in parallel. */
  listingCallsPerRegion: readonly number[];
  revocations: number;
  putEvents: number;
  concurrency: number;
  publishConcurrency: number;
};

/**
 * The shortest a sweep can take if every call cost exactly the mean latency and nothing else:
 * the account lookup, then the longest region's listing (pages are sequential within a region,
 * regions run in parallel), then revocations `concurrency` at a time, then PutEvents
 * `publishConcurrency` at a time. Phases are taken as sequential, as the engine runs them;
 * PutEvents that overlap the revocations make the real floor a little lower, never higher.
 *
 * floor = latency × (1 + max(pages per region) + revocations / concurrency + PutEvents / publishConcurrency)
 */
export function latencyFloorMs(input: FloorInput): number {
  const listing = Math.max(0, ...input.listingCallsPerRegion);
  return (
    input.latencyMs *
    (1 + listing + input.revocations / input.concurrency + input.putEvents / input.publishConcurrency)
  );
}
