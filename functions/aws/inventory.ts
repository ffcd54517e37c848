import {
  DescribeClusterSnapshotsCommand,
  type DescribeClusterSnapshotsMessage,
  type RedshiftClient,
  type Snapshot as SdkSnapshot,
} from '@aws-sdk/client-redshift';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type Snapshot, SnapshotSchema } from '../engine/model.ts';
import type { InventoryItem } from '../engine/ports.ts';
import { AwsResponseError } from '../errors.ts';
import { ACCOUNT_ID } from '../input/aws-names.ts';
import { describeIssue } from '../input/issues.ts';
import { DEFAULT_LISTING_CONCURRENCY, SUPPORT_ACCOUNT } from '../policy/schema.ts';
import { tagMap } from '../policy/tags.ts';

import { clusterSnapshotSource, PAGE_SIZE } from './describe-page.ts';
import { listPartitioned, type PartitionedListingOptions } from './partition.ts';

export { DEFAULT_LISTING_CONCURRENCY } from '../policy/schema.ts';
export { PAGE_SIZE } from './describe-page.ts';

/**
 * How wide a region's listing may go (the adaptive limit, read before each new window), and,
 * for tests, when a range is long enough to split.
 */
export type ListingOptions = Pick<PartitionedListingOptions, 'nowMs' | 'tailPages' | 'splitPages'> & {
  concurrency?: () => number;
};

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The ARN AWS gives a provisioned cluster snapshot, for responses that leave `SnapshotArn` out. */
export function clusterSnapshotArn(region: string, owner: string, cluster: string, id: string): string {
  return `arn:${partitionOf(region)}:redshift:${region}:${owner}:snapshot:${cluster}/${id}`;
}

/**
 * A mapped record checked against the model before the engine sees it: one without an
 * identifier, owner or type cannot be judged safely, so it is refused with the reason.
 */
export function validateSnapshot(candidate: unknown, api: string, name: string): Snapshot {
  const parsed = SnapshotSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const { path, message } = describeIssue(parsed.error, '(record)');
  throw new AwsResponseError(
    `${api} returned a snapshot the engine cannot judge (${name}): ${path}: ${message}`,
    { cause: parsed.error },
  );
}

/**
 * Maps one DescribeClusterSnapshots record into the engine's model, validating the fields the
 * engine decides on. A record without an identifier, owner or type cannot be judged safely.
 */
export function toSnapshot(raw: SdkSnapshot, region: string): Snapshot {
  const grants: string[] = [];
  for (const access of raw.AccountsWithRestoreAccess ?? []) {
    // Support access is reported under its alias; that alias is also what revoke expects.
    const who = access.AccountAlias === SUPPORT_ACCOUNT ? SUPPORT_ACCOUNT : access.AccountId;
    if (who) grants.push(who);
  }
  const tags = tagMap();
  for (const tag of raw.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  const id = raw.SnapshotIdentifier ?? '';
  const cluster = raw.ClusterIdentifier;
  const owner = raw.OwnerAccount ?? '';
  const candidate = {
    kind: 'cluster' as const,
    id,
    arn: raw.SnapshotArn ?? (cluster ? clusterSnapshotArn(region, owner, cluster, id) : ''),
    cluster,
    type: raw.SnapshotType,
    status: raw.Status ?? 'unknown',
    owner,
    region,
    createdAt: raw.SnapshotCreateTime,
    encrypted: raw.Encrypted === true,
    retentionDays: raw.SnapshotType === 'manual' ? raw.ManualSnapshotRetentionPeriod : undefined,
    grants,
    tags,
  };
  return validateSnapshot(candidate, 'DescribeClusterSnapshots', id || 'no identifier');
}

/**
 * Every snapshot the caller can see in `region`, a page (≤ 100) at a time as pages arrive, so a
 * sweep's memory does not grow with the fleet. A large region is listed in creation-time windows
 * concurrently (functions/aws/partition.ts); a small one with exactly the calls of a plain
 * listing. Manual and automated snapshots alike; snapshots other accounts shared with the caller
 * come with their own `OwnerAccount` and are for the caller to skip.
 */
export async function* listSnapshots(
  client: RedshiftClient,
  region: string,
  options: ListingOptions = {},
): AsyncGenerator<InventoryItem[]> {
  const listing = listPartitioned(clusterSnapshotSource(client), {
    ...options,
    pageSize: PAGE_SIZE,
    concurrency: options.concurrency ?? (() => DEFAULT_LISTING_CONCURRENCY),
  });
  for await (const { items: snapshots } of listing) {
    if (snapshots.length === 0) continue;
    yield snapshots.map((raw) => {
      try {
        return { snapshot: toSnapshot(raw, region) };
      } catch (error) {
        return { error: error as AwsResponseError, identifier: raw.SnapshotIdentifier ?? '' };
      }
    });
  }
}

/** How the real-time path names a provisioned snapshot: by ARN, or by identifier (and cluster when known). */
export type ClusterSnapshotAddress = { arn: string } | { id: string; cluster?: string };

/** Any snapshot an event names; only a Redshift Serverless one goes by `snapshotName`. */
export type SnapshotAddress = ClusterSnapshotAddress | { snapshotName: string };

/**
 * The current state of one snapshot, or `undefined` when it no longer exists (or this account
 * cannot see it). The event path decides on this, never on the event's own copy. An identifier is
 * unique only within its owner's snapshots: `owner`'s own snapshot wins over one another account
 * shares under the same name (and cluster name); the shared one comes back only when `owner` has
 * none, for the run to report as foreign-owner, as a sweep does. An ARN names its owner already.
 * One DescribeClusterSnapshots call, unless more snapshots share the name than fit on a page.
 *
 * @example
 * await describeSnapshot(client, 'us-east-1', { id: 'nightly' }, '123456789012'); // ours, else one shared with us
 */
export async function describeSnapshot(
  client: RedshiftClient,
  region: string,
  address: ClusterSnapshotAddress,
  owner?: string,
): Promise<Snapshot | undefined> {
  const input: DescribeClusterSnapshotsMessage =
    'arn' in address
      ? { SnapshotArn: address.arn }
      : { SnapshotIdentifier: address.id, ClusterIdentifier: address.cluster };
  let shared: SdkSnapshot | undefined;
  let marker: string | undefined;
  try {
    do {
      const page = { ...input, ...(marker ? { Marker: marker } : {}) };
      const out = await client.send(new DescribeClusterSnapshotsCommand(page));
      const records = out.Snapshots ?? [];
      const own = records.find((r) => owner === undefined || r.OwnerAccount === owner);
      if (own) return toSnapshot(own, region);
      shared ??= records[0];
      marker = out.Marker;
    } while (marker);
  } catch (error) {
    if ((error as Error).name === 'ClusterSnapshotNotFoundFault') return undefined;
    throw error;
  }
  return shared && toSnapshot(shared, region);
}

/** The account the credentials belong to: the only owner whose snapshots the product may change. */
export async function callerAccount(client: STSClient): Promise<string> {
  const out = await client.send(new GetCallerIdentityCommand({}));
  if (!out.Account || !ACCOUNT_ID.test(out.Account)) {
    throw new AwsResponseError(`GetCallerIdentity returned no usable account id (${String(out.Account)})`);
  }
  return out.Account;
}
