import type { RedshiftClient } from '@aws-sdk/client-redshift';
import type { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { mapPool } from '../engine/pool.ts';
import type { InventoryItem } from '../engine/ports.ts';
import type { TimeRange } from '../engine/windows.ts';
import type { AwsResponseError } from '../errors.ts';
import { DEFAULT_LISTING_CONCURRENCY } from '../policy/schema.ts';
import { clusterSnapshotSource, PAGE_SIZE } from './describe-page.ts';
import { toSnapshot } from './inventory.ts';
import { listPartitioned, type PartitionedListingOptions } from './partition.ts';
import { serverlessItem, type TagOptions } from './serverless.ts';
import { SERVERLESS_PAGE_SIZE, serverlessSnapshotSource } from './serverless-pages.ts';

/*
 * The sweep's listing of whole regions, both kinds of snapshot, in creation-time windows. Only a
 * sweep lists: the event path reads the snapshots an event names one by one (inventory.ts
 * `describeSnapshot`, serverless.ts `getServerlessSnapshot`) and loads none of this.
 */

export { PAGE_SIZE } from './describe-page.ts';
export { SERVERLESS_PAGE_SIZE } from './serverless-pages.ts';

/** ListTagsForResource calls in flight at once, when the policy needs tags at all. */
const TAG_CONCURRENCY = 8;

/**
 * How wide a region's listing may go (the adaptive limit, read before each new window), and,
 * for tests, when a range is long enough to split.
 */
export type ListingOptions = Pick<PartitionedListingOptions, 'nowMs' | 'tailPages' | 'splitPages'> & {
  concurrency?: () => number;
  /** Only the snapshots created in these ranges (what an earlier, unfinished part left); default all. */
  ranges?: TimeRange[];
};

/** One page of a listing, with the creation-time ranges still to read once it is consumed. */
export type ListedBatch = { items: InventoryItem[]; left: TimeRange[] };

/**
 * Every snapshot the caller can see in `region`, a page (≤ 100) at a time as pages arrive, so a
 * sweep's memory does not grow with the fleet. A large region is listed in creation-time windows
 * concurrently (functions/aws/partition.ts); a small one with exactly the calls of a plain
 * listing. Manual and automated snapshots alike; snapshots other accounts shared with the caller
 * come with their own `OwnerAccount` and are for the caller to skip.
 *
 * @example
 * for await (const { items } of listSnapshots(client, 'us-east-1')) console.log(items.length);
 */
export async function* listSnapshots(
  client: RedshiftClient,
  region: string,
  options: ListingOptions = {},
): AsyncGenerator<ListedBatch> {
  const listing = listPartitioned(clusterSnapshotSource(client), {
    ...options,
    pageSize: PAGE_SIZE,
    concurrency: options.concurrency ?? (() => DEFAULT_LISTING_CONCURRENCY),
  });
  for await (const { items, left } of listing) {
    const mapped = items.map((raw): InventoryItem => {
      try {
        return { snapshot: toSnapshot(raw, region) };
      } catch (error) {
        return { error: error as AwsResponseError, identifier: raw.SnapshotIdentifier ?? '' };
      }
    });
    yield { items: mapped, left };
  }
}

/**
 * Every Redshift Serverless snapshot the caller can see in `region`, a page (≤ 100) at a time,
 * in the same model and item shape as `listSnapshots`, and like it in creation-time windows when
 * the region is large. Snapshots other accounts shared with the caller come with their own owner
 * and are for the caller to skip.
 *
 * @example
 * for await (const { items } of listServerlessSnapshots(client, 'us-east-1')) console.log(items.length);
 */
export async function* listServerlessSnapshots(
  client: RedshiftServerlessClient,
  region: string,
  options: TagOptions = {},
  listing: ListingOptions = {},
): AsyncGenerator<ListedBatch> {
  const pages = listPartitioned(serverlessSnapshotSource(client), {
    ...listing,
    pageSize: SERVERLESS_PAGE_SIZE,
    concurrency: listing.concurrency ?? (() => DEFAULT_LISTING_CONCURRENCY),
  });
  for await (const { items: snapshots, left } of pages) {
    const items = await mapPool(snapshots, TAG_CONCURRENCY, (raw) =>
      serverlessItem(client, raw, region, options),
    );
    yield { items: items.filter((item) => item !== undefined), left };
  }
}
