import type { RunPorts } from '../engine/run.ts';
import type { InventoryPort } from '../engine/sweep.ts';
import type { Policy } from '../policy/schema.ts';
import type { AwsClients } from './clients.ts';
import { putEventsBatch } from './events.ts';
import { deleteClusterSnapshot, deleteServerlessSnapshot, revokeGrant } from './grants.ts';
import { type InventoryItem, listSnapshots } from './inventory.ts';
import { pacingFor } from './pace.ts';
import { listServerlessSnapshots, type TagOptions } from './serverless.ts';

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

/**
 * Provisioned pages, then Serverless pages. One kind failing (Serverless missing from a region,
 * a permission not yet deployed) must not hide the other: the failure is raised after both.
 */
async function* bothKinds(
  kinds: Array<() => AsyncIterable<InventoryItem[]>>,
): AsyncGenerator<InventoryItem[]> {
  const failures: Error[] = [];
  for (const kind of kinds) {
    try {
      yield* kind();
    } catch (error) {
      failures.push(error as Error);
    }
  }
  const [first, second] = failures;
  if (first && second) throw new Error(`${first.name}: ${first.message}; ${second.name}: ${second.message}`);
  if (first) throw first;
}

/**
 * Wires the SDK adapters to the engine's ports: the one place both meet. `account` is the
 * caller's, whose Serverless snapshots get their tags read when the policy matches on tags.
 *
 * @example
 * const report = await sweep(options, awsPorts(clients, policy, await callerAccount(clients.sts)));
 */
export function awsPorts(
  clients: AwsClients,
  policy: Policy,
  account: string,
): RunPorts & { inventory: InventoryPort } {
  const tags = tagOptions(policy, account);
  // Every Redshift and Serverless attempt is paced per region and action (functions/aws/pace.ts).
  const pacing = pacingFor(clients, policy.safety.maxListingConcurrency);
  const redshift = (region: string) => pacing.attach(clients.redshift(region), region);
  const serverless = (region: string) => pacing.attach(clients.serverless(region), region);
  const width = (region: string, command: string) => () => pacing.pacer(region, command).allowed();
  return {
    inventory: (region) =>
      bothKinds([
        () =>
          listSnapshots(redshift(region), region, {
            concurrency: width(region, 'DescribeClusterSnapshotsCommand'),
          }),
        () =>
          listServerlessSnapshots(serverless(region), region, tags, {
            concurrency: width(region, 'ListSnapshotsCommand'),
          }),
      ]),
    // RevokeSnapshotAccess takes either kind: a Serverless snapshot goes by its ARN.
    revoke: (action) => revokeGrant(redshift(action.snapshot.region), action),
    remove: (action) =>
      action.snapshot.kind === 'serverless'
        ? deleteServerlessSnapshot(serverless(action.snapshot.region), action)
        : deleteClusterSnapshot(redshift(action.snapshot.region), action),
    publish: (events) => putEventsBatch(clients.events, events, policy.events),
  };
}
