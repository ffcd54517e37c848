import type { FindingsPort, InventoryBatch, InventoryPort, RegionLeft, SweepPorts } from '../engine/ports.ts';
import { errorText } from '../errors.ts';
import { DEFAULT_LISTING_CONCURRENCY, type Policy } from '../policy/schema.ts';
import { type AwsClients, lasting } from './clients.ts';
import { putEventsBatch } from './event-bus.ts';
import {
  deleteClusterSnapshot,
  deleteServerlessSnapshot,
  type ReadGrants,
  restoreGrant,
  revokeGrant,
} from './grants.ts';
import { type ListedBatch, listSnapshots } from './inventory.ts';
import { type Pacing, pacingFor } from './pace.ts';
import { listServerlessSnapshots, serverlessGrants, type TagOptions } from './serverless.ts';

/**
 * Whether any sharing rule or exemption matches on tags. Serverless listings carry no tags, so
 * only then are they read, one call per snapshot; otherwise they could not change a decision.
 *
 * @example
 * policyMatchesTags(policy); // true for `rules: [{ match: { tags: { team: analytics } }, ... }]`
 */
export function policyMatchesTags(policy: Policy): boolean {
  return (
    policy.sharing.rules.some((rule) => rule.match.tags !== undefined) ||
    policy.exemptions.some((exemption) => exemption.tags !== undefined)
  );
}

/**
 * What the Serverless adapters need to read tags for `account`'s snapshots, when the policy needs them.
 *
 * @example
 * tagOptions(policy, '123456789012'); // { tags: { owner: '123456789012' } }, or {} without tag criteria
 */
export function tagOptions(policy: Policy, account: string): TagOptions {
  return policyMatchesTags(policy) ? { tags: { owner: account } } : {};
}

/** Both ends open: every snapshot of a kind. */
const EVERYTHING = [{}];

type KindListing = (ranges: RegionLeft['provisioned']) => AsyncIterable<ListedBatch>;

/**
 * Provisioned pages, then Serverless pages, each page with what is left of the region once it is
 * read (a kind `from` leaves nothing of is not listed at all). One kind failing (Serverless
 * missing from a region, a permission not yet deployed) must not hide the other: the failure is
 * raised after both.
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
  for (const kind of ['provisioned', 'serverless'] as const) {
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
  if (first && second) throw new Error(`${errorText(first)}; ${errorText(second)}`);
  if (first) throw first;
}

/**
 * Both kinds of snapshot in one region, provisioned pages then Serverless pages; `tags` says
 * whose Serverless snapshots get their tags read. Each kind is listed in creation-time windows
 * as wide as its pacer allows (functions/aws/pace.ts), never wider than `listingCeiling` (the
 * policy's `safety.maxListingConcurrency`).
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
 * The Security Hub port, loaded on its first use: most policies never send findings, and their
 * cold starts should not parse that SDK.
 */
function lazySecurityHub(clients: AwsClients): FindingsPort {
  let port: Promise<FindingsPort> | undefined;
  return async (batch) => {
    port ??= import('./security-hub.ts').then((m) =>
      m.securityHubPort((region) => clients.securityHub(region)),
    );
    return (await port)(batch);
  };
}

/**
 * Wires the SDK adapters to the engine's ports: the one place both meet. `account` is the
 * caller's, whose Serverless snapshots get their tags read when the policy matches on tags.
 *
 * @example
 * const report = await sweep(options, awsPorts(clients, policy, await callerAccount(clients.sts)));
 */
export function awsPorts(clients: AwsClients, policy: Policy, account: string): SweepPorts {
  // Every Redshift and Serverless attempt is paced per region and action (functions/aws/pace.ts),
  // inside the SDK's retry loop and so inside the run's call limits (clients.ts `bounded`).
  const pacing = pacingFor(clients, policy.safety.maxListingConcurrency);
  const redshift = (region: string) => pacing.attach(clients.redshift(region), region);
  const serverless = (region: string) => pacing.attach(clients.serverless(region), region);
  // A Serverless grant may come from the snapshot's resource policy, which Redshift's answer to a
  // revoke does not show: one GetSnapshot reads it back.
  const grantsIn =
    (region: string): ReadGrants =>
    (arn) =>
      serverlessGrants(serverless(region), arn);
  return {
    inventory: pacedInventory(clients, pacing, tagOptions(policy, account)),
    // RevokeSnapshotAccess takes either kind: a Serverless snapshot goes by its ARN.
    revoke: (action) =>
      revokeGrant(redshift(action.snapshot.region), action, grantsIn(action.snapshot.region)),
    restore: (action) =>
      lasting(() => restoreGrant(redshift(action.snapshot.region), action, grantsIn(action.snapshot.region))),
    delete: (action) =>
      action.snapshot.kind === 'serverless'
        ? deleteServerlessSnapshot(serverless(action.snapshot.region), action)
        : deleteClusterSnapshot(redshift(action.snapshot.region), action),
    publish: (events) => putEventsBatch(clients.events, events, policy.events),
    findings: policy.events.securityHub ? lazySecurityHub(clients) : undefined,
  };
}
