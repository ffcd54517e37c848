import { runPorts, tagOptions } from './aws/adapters.ts';
import { describeSnapshot, type SnapshotAddress } from './aws/inventory.ts';
import { getServerlessSnapshot, isServerlessSnapshotArn } from './aws/serverless.ts';
import type { Snapshot } from './engine/model.ts';
import { mapPool } from './engine/pool.ts';
import type { InventoryItem, RegionPage } from './engine/ports.ts';
import { runCompliance } from './engine/run.ts';
import type { RunReport } from './engine/run-report.ts';
import type { Policy } from './policy/schema.ts';
import { cutShort, type Runtime, runContext, summarize, withinTime } from './runtime.ts';
import type { CloudTrailEvent } from './triggers/cloudtrail.ts';
import { snapshotTargets } from './triggers/targets.ts';

export type SnapshotEventRequest = {
  /** Plan and report only; `mode: audit` in the policy forces it. */
  dryRun?: boolean;
  /** Overrides the policy's regions (the CLI's `--region`). */
  regions?: string[];
  /** Time left before the host stops the run; without it (the CLI) nothing is cut short. */
  remainingMs?: () => number;
  /** Fires just before the host stops the run (middy's `timeoutEarlyInMillis`). */
  signal?: AbortSignal;
  now?: Date;
  runId?: string;
};

/** Kept back from the event function's Lambda timeout for publishing the events and returning. */
export const EVENT_RESERVE_MS = 5_000;

/** What one event came to: the engine's report, plus what never reached the engine and why. */
export type SnapshotEventResult = {
  eventId: string;
  eventName: string;
  report: RunReport;
  /** Snapshots the event named that no longer exist (or this account cannot see): an outcome, not a failure. */
  gone: string[];
  /** Why the event, or some snapshot it named, was left alone. */
  ignored?: string;
};

/** Describes at most this many snapshots at once (only batch calls name more than one). */
const DESCRIBE_CONCURRENCY = 4;

/** How a report names the snapshot an address points at. */
function addressLabel(address: SnapshotAddress): string {
  if ('arn' in address) return address.arn;
  if ('snapshotName' in address) return address.snapshotName;
  return address.cluster ? `${address.cluster}/${address.id}` : address.id;
}

/**
 * One snapshot's current state from the API of its kind: one call, plus tags if the policy needs
 * them. `account`'s own snapshot comes first: a snapshot shared in from elsewhere under the same
 * name never stands in for ours (a Serverless name is already the caller's by default).
 */
function readSnapshot(rt: Runtime, region: string, account: string, address: SnapshotAddress) {
  if ('snapshotName' in address || ('arn' in address && isServerlessSnapshotArn(address.arn))) {
    const options = tagOptions(rt.loaded.policy, account);
    return getServerlessSnapshot(rt.clients.serverless(region), region, address, options);
  }
  return describeSnapshot(rt.clients.redshift(region), region, address, account);
}

/** The regions an event may be acted on in, and how to say so when it is not. */
function scopeOf(request: SnapshotEventRequest, policy: Policy, homeRegion: string) {
  if (request.regions)
    return { regions: request.regions, label: `the regions asked for (${request.regions.join(', ')})` };
  if (policy.regions)
    return { regions: policy.regions, label: `the policy's regions (${policy.regions.join(', ')})` };
  // Without `regions` the policy covers the home region only, as the sweep does.
  return { regions: [homeRegion], label: `the home region (${homeRegion}); the policy names no regions` };
}

/** The region an address names: an ARN's own, else the region the call was made in. */
function regionOf(address: SnapshotAddress, eventRegion: string): string {
  return 'arn' in address ? (address.arn.split(':')[3] ?? '') : eventRegion;
}

/** The inventory of an event run: at most one page, of the snapshots the event names. */
async function* pageOf(page: RegionPage | undefined): AsyncGenerator<RegionPage> {
  if (page) yield page;
}

/** What reading one snapshot an event names came to: an inventory item, or why there is none. */
type NamedSnapshot = { item?: InventoryItem; gone?: string };

/** One read per address (DescribeClusterSnapshots or GetSnapshot): decisions rest on it, not the event. */
async function readNamedSnapshot(
  rt: Runtime,
  region: string,
  account: string,
  address: SnapshotAddress,
): Promise<NamedSnapshot> {
  let snapshot: Snapshot | undefined;
  try {
    snapshot = await readSnapshot(rt, region, account, address);
  } catch (error) {
    return { item: { error: error as Error, identifier: addressLabel(address) } };
  }
  if (!snapshot) return { gone: addressLabel(address) };
  // Another account's snapshot goes to the run like any other: it reports it as foreign-owner, as
  // a sweep does, and never plans an action for it.
  return { item: { snapshot } };
}

/** The snapshots an event names that this function may read, and why it leaves the rest (or all) alone. */
type EventScope = { addresses: SnapshotAddress[]; outside: string[]; ignored?: string };

/** Which of the snapshots an event names are in scope: decided from the event alone, before any AWS call. */
function eventScope(
  rt: Runtime,
  detail: CloudTrailEvent['detail'],
  request: SnapshotEventRequest,
): EventScope {
  const extraction = snapshotTargets(detail);
  if ('ignored' in extraction) return { addresses: [], outside: [], ignored: extraction.ignored };
  const region = detail.awsRegion;
  const scope = scopeOf(request, rt.loaded.policy, rt.clients.homeRegion);
  if (!scope.regions.includes(region)) {
    return { addresses: [], outside: [], ignored: `${region} is not among ${scope.label}` };
  }
  // An ARN can name a snapshot in another region than the call's. The event function reads and
  // changes its own region only (its role is scoped so); the sweep covers the policy's regions.
  const addresses = extraction.addresses.filter((a) => regionOf(a, region) === region);
  const outside = extraction.addresses
    .filter((a) => !addresses.includes(a))
    .map(
      (a) =>
        `snapshot ${addressLabel(a)} is in ${regionOf(a, region)}, outside the scope of an event from ${region}`,
    );
  if (addresses.length === 0 && outside.length > 0)
    return { addresses, outside, ignored: outside.join('; ') };
  return { addresses, outside };
}

/**
 * Handles one CloudTrail event for a snapshot change: reads the current state of each snapshot
 * it names (in the event's region), then judges, enforces and publishes as a sweep does, without
 * the sweep's completion event. A snapshot another account owns is reported as foreign-owner and
 * never changed, as in a sweep. Events this function has no business with are ignored with a
 * reason, before any AWS call where the event alone says so.
 *
 * @example
 * const result = await runSnapshotEvent(rt, CloudTrailEventSchema.parse(raw));
 * result.report.totals.revocations.applied; // grants taken back for this event
 * result.ignored; // e.g. 'AuthorizeSnapshotAccess failed (AuthorizationAlreadyExists): nothing changed'
 */
export async function runSnapshotEvent(
  rt: Runtime,
  event: CloudTrailEvent,
  request: SnapshotEventRequest = {},
): Promise<SnapshotEventResult> {
  const { detail } = event;
  const region = detail.awsRegion;
  const scope = eventScope(rt, detail, request);
  let ignored = scope.ignored;
  const { value, cut } = await withinTime(request, EVENT_RESERVE_MS, async () => {
    // When the event alone settles it, no AWS call is made: the event's account stands in for the caller's.
    const account = ignored ? detail.recipientAccountId : await rt.account();
    if (!ignored && detail.recipientAccountId !== account) {
      // Forwarded from another account's bus: its snapshots are not ours to read or change.
      ignored = `the call was made in account ${detail.recipientAccountId}; this function guards ${account}`;
    }
    const reads = await mapPool(ignored ? [] : scope.addresses, DESCRIBE_CONCURRENCY, (a) =>
      readNamedSnapshot(rt, region, account, a),
    );
    const items = reads.flatMap((r) => (r.item ? [r.item] : []));
    const report = await runCompliance(
      pageOf(items.length > 0 ? { region, items } : undefined),
      {
        ...runContext(rt, account, { ...request, trigger: 'event', triggerEventId: detail.eventID }),
        reserveMs: EVENT_RESERVE_MS,
        emitCompleted: false,
        // Security Hub findings of the snapshots read here may be closed; the rest wait for a sweep.
        findingsScope: {
          snapshots: items.flatMap((i) => ('snapshot' in i ? [{ arn: i.snapshot.arn, region }] : [])),
        },
      },
      runPorts(rt.clients, rt.loaded.policy),
    );
    return { report, reads };
  });
  return {
    eventId: detail.eventID,
    eventName: detail.eventName,
    report: cutShort(value.report, cut),
    gone: value.reads.flatMap((r) => (r.gone ? [r.gone] : [])),
    ignored: ignored ?? (scope.outside.length > 0 ? scope.outside.join('; ') : undefined),
  };
}

/**
 * The Lambda result and log line for one event: the sweep's summary, plus the event and what was
 * left alone.
 *
 * @example
 * summarizeEvent(result); // { runId, compliant, totals, ..., eventId, eventName, gone: [], ignored }
 */
export function summarizeEvent(result: SnapshotEventResult) {
  return {
    ...summarize(result.report),
    eventId: result.eventId,
    eventName: result.eventName,
    gone: result.gone,
    ...(result.ignored ? { ignored: result.ignored } : {}),
  };
}
