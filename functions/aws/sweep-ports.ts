import type { InventoryBatch, InventoryPort, RegionLeft, SweepPorts } from '../engine/ports.ts';
import { errorText, TimeUpError } from '../errors.ts';
import { DEFAULT_LISTING_CONCURRENCY, type Policy } from '../policy/schema.ts';
import { runPorts, tagOptions } from './adapters.ts';
import type { AwsClients } from './clients.ts';
import { type ListedBatch, listServerlessSnapshots, listSnapshots } from './listing.ts';
import { type Pacing, pacingFor } from './pace.ts';
import type { TagOptions } from './serverless.ts';

/** Both ends open: every snapshot of a kind. */
const EVERYTHING = [{}];

type KindListing = (ranges: RegionLeft['provisioned']) => AsyncIterable<ListedBatch>;

/**
 * Serverless pages, then provisioned pages, each page with what is left of the region once it is
 * read (a kind `from` leaves nothing of is not listed at all). Serverless first: its listing has
 * no order, so a part that stops inside a Serverless window hands the whole window on; read
 * first, a region's Serverless snapshots are read early in a part, and only the provisioned
 * listing, whose hand-over is exact, runs into the part's time limit. One kind failing
 * (Serverless missing from a region, a permission not yet deployed) must not hide the other: the
 * failure is raised after both.
 */
async function* bothSnapshotKinds(
  kinds: { provisioned: KindListing; serverless: KindListing },
  from: RegionLeft | undefined,
): AsyncGenerator<InventoryBatch> {
  let left: RegionLeft = {
    provisioned: from?.provisioned ?? EVERYTHING,
    serverless: from?.serverless ?? EVERYTHING,
  };
  const failures: Error[] = [];
  for (const kind of ['serverless', 'provisioned'] as const) {
    if (left[kind].length === 0) continue;
    try {
      for await (const batch of kinds[kind](left[kind])) {
        left = { ...left, [kind]: batch.left };
        yield { items: batch.items, left };
      }
    } catch (error) {
      failures.push(error as Error);
    }
  }
  const [first, second] = failures;
  if (first && second) {
    const message = `${errorText(first)}; ${errorText(second)}`;
    // Both cut short by the run's own deadline: still time, not a failure (a next part goes on).
    if (failures.every((f) => f.name === 'TimeUpError')) throw new TimeUpError(message);
    throw new Error(message);
  }
  if (first) throw first;
}

/**
 * Both kinds of snapshot in one region (or what `from` leaves of it), Serverless pages then
 * provisioned pages; `tags` says whose Serverless snapshots get their tags read. Each kind is
 * listed in creation-time windows as wide as its pacer allows (functions/aws/pace.ts), never
 * wider than `listingCeiling` (the policy's `safety.maxListingConcurrency`).
 *
 * @example
 * for await (const { items } of inventoryPort(clients, {})('us-east-1')) console.log(items.length);
 */
export function inventoryPort(
  clients: AwsClients,
  tags: TagOptions,
  listingCeiling: number = DEFAULT_LISTING_CONCURRENCY,
): InventoryPort {
  return pacedInventory(clients, pacingFor(clients, listingCeiling), tags);
}

function pacedInventory(clients: AwsClients, pacing: Pacing, tags: TagOptions): InventoryPort {
  const width = (region: string, command: string) => () => pacing.pacer(region, command).allowed();
  return (region, from) =>
    bothSnapshotKinds(
      {
        provisioned: (ranges) =>
          listSnapshots(pacing.attach(clients.redshift(region), region), region, {
            concurrency: width(region, 'DescribeClusterSnapshotsCommand'),
            ranges,
          }),
        serverless: (ranges) =>
          listServerlessSnapshots(pacing.attach(clients.serverless(region), region), region, tags, {
            concurrency: width(region, 'ListSnapshotsCommand'),
            ranges,
          }),
      },
      from,
    );
}

/**
 * A sweep's ports: the run ports (adapters.ts `runPorts`) and the inventory of every region,
 * paced with them. `account` is the caller's, whose Serverless snapshots get their tags read when
 * the policy matches on tags.
 *
 * @example
 * const report = await sweep(options, sweepPorts(clients, policy, await callerAccount(clients.sts)));
 */
export function sweepPorts(clients: AwsClients, policy: Policy, account: string): SweepPorts {
  // The same pacing as the run ports' (one per set of clients): listing and enforcing share each
  // region's pacers.
  const pacing = pacingFor(clients, policy.safety.maxListingConcurrency);
  return {
    ...runPorts(clients, policy),
    inventory: pacedInventory(clients, pacing, tagOptions(policy, account)),
  };
}
