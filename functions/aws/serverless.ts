import {
  GetSnapshotCommand,
  ListTagsForResourceCommand,
  type RedshiftServerlessClient,
  type Snapshot as ServerlessSdkSnapshot,
} from '@aws-sdk/client-redshift-serverless';
import { z } from 'zod';
import type { Snapshot } from '../engine/model.ts';
import { mapPool } from '../engine/pool.ts';
import type { InventoryItem } from '../engine/ports.ts';
import { AwsResponseError, errorText } from '../errors.ts';
import { describeIssue } from '../input/issues.ts';
import { tagMap } from '../policy/tags.ts';
import { DEFAULT_LISTING_CONCURRENCY, type ListingOptions, validateSnapshot } from './inventory.ts';
import { listPartitioned } from './partition.ts';
import { SERVERLESS_PAGE_SIZE, serverlessSnapshotSource } from './serverless-pages.ts';

export { SERVERLESS_PAGE_SIZE } from './serverless-pages.ts';

/** ListTagsForResource calls in flight at once, when the policy needs tags at all. */
const TAG_CONCURRENCY = 8;

/** How the real-time path names a Serverless snapshot: by ARN, or by its name in the caller's account. */
export type ServerlessAddress = { arn: string } | { snapshotName: string };

/**
 * Whether to read each snapshot's tags (one ListTagsForResource per snapshot, since ListSnapshots
 * and GetSnapshot carry none). Only worth it when a rule or exemption matches on tags, and only
 * for `owner`'s snapshots: the others are reported, never judged.
 */
export type TagOptions = { tags?: { owner: string } };

/**
 * Whether an ARN names a Redshift Serverless snapshot (read with GetSnapshot, not DescribeClusterSnapshots).
 *
 * @example
 * isServerlessSnapshotArn('arn:aws:redshift-serverless:us-east-1:123456789012:snapshot/3f2b…'); // true
 * isServerlessSnapshotArn('arn:aws:redshift:us-east-1:123456789012:snapshot:prod/nightly'); // false
 */
export function isServerlessSnapshotArn(arn: string): boolean {
  const [, , service, , , resource = ''] = arn.split(':');
  return service === 'redshift-serverless' && resource.startsWith('snapshot/');
}

/**
 * Maps one Redshift Serverless snapshot into the engine's model, validated like a provisioned one.
 * A snapshot is shared through two lists (restore to a namespace, restore to a provisioned
 * cluster); the engine judges the accounts on either, once each.
 *
 * @example
 * toServerlessSnapshot({ snapshotName: 'sales-weekly', namespaceName: 'sales', ... }, 'us-east-1');
 * // { kind: 'serverless', id: 'sales-weekly', namespace: 'sales', type: 'manual', encrypted: true, ... }
 */
export function toServerlessSnapshot(
  raw: ServerlessSdkSnapshot,
  region: string,
  tags: Record<string, string> = {},
): Snapshot {
  const grants = [
    ...new Set([
      ...(raw.accountsWithRestoreAccess ?? []),
      ...(raw.accountsWithProvisionedRestoreAccess ?? []),
    ]),
  ];
  const id = raw.snapshotName ?? '';
  const candidate = {
    kind: 'serverless' as const,
    id,
    // No fallback: the ARN ends in a UUID nothing else in the record gives.
    arn: raw.snapshotArn ?? '',
    namespace: raw.namespaceName,
    // Serverless snapshots are all taken or converted on request (the automatic backups are
    // recovery points, another API): each is manual, with its own retention and deletable.
    type: 'manual' as const,
    status: raw.status ?? 'unknown',
    owner: raw.ownerAccount ?? '',
    region,
    createdAt: raw.snapshotCreateTime,
    // Serverless encrypts every namespace and snapshot with KMS; kmsKeyId names the key
    // (AWS_OWNED_KMS_KEY or a customer key), it is never a sign of encryption being off.
    encrypted: true,
    // -1 = kept indefinitely (the default), as for provisioned manual snapshots.
    retentionDays: raw.snapshotRetentionPeriod,
    grants,
    tags,
  };
  return validateSnapshot(candidate, 'Redshift Serverless', id || 'no name');
}

async function tagsOf(client: RedshiftServerlessClient, arn: string): Promise<Record<string, string>> {
  const out = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
  const tags = tagMap();
  for (const tag of out.tags ?? []) if (tag.key !== undefined) tags[tag.key] = tag.value ?? '';
  return tags;
}

/** The item for one listed snapshot, or `undefined` when it was deleted before its tags were read. */
async function toItem(
  client: RedshiftServerlessClient,
  raw: ServerlessSdkSnapshot,
  region: string,
  options: TagOptions,
): Promise<InventoryItem | undefined> {
  const arn = raw.snapshotArn;
  let tags: Record<string, string> = {};
  if (options.tags && arn && raw.ownerAccount === options.tags.owner) {
    try {
      // A rule or exemption may hang on a tag: judging without them could revoke an allowed grant.
      tags = await tagsOf(client, arn);
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      return { error: tagFailure(raw, error), identifier: raw.snapshotName ?? arn };
    }
  }
  try {
    return { snapshot: toServerlessSnapshot(raw, region, tags) };
  } catch (error) {
    return { error: error as AwsResponseError, identifier: raw.snapshotName ?? '' };
  }
}

function tagFailure(raw: ServerlessSdkSnapshot, error: unknown): AwsResponseError {
  return new AwsResponseError(
    `the tags of Redshift Serverless snapshot ${raw.snapshotName ?? raw.snapshotArn} could not be read ` +
      `(${errorText(error)}); it is not judged without them`,
    { cause: error },
  );
}

/**
 * Every Redshift Serverless snapshot the caller can see in `region`, a page (≤ 100) at a time,
 * in the same model and item shape as `listSnapshots`, and like it in creation-time windows when
 * the region is large. Snapshots other accounts shared with the caller come with their own owner
 * and are for the caller to skip.
 *
 * @example
 * for await (const items of listServerlessSnapshots(client, 'us-east-1')) console.log(items.length);
 */
export async function* listServerlessSnapshots(
  client: RedshiftServerlessClient,
  region: string,
  options: TagOptions = {},
  listing: ListingOptions = {},
): AsyncGenerator<InventoryItem[]> {
  const pages = listPartitioned(serverlessSnapshotSource(client), {
    ...listing,
    pageSize: SERVERLESS_PAGE_SIZE,
    concurrency: listing.concurrency ?? (() => DEFAULT_LISTING_CONCURRENCY),
  });
  for await (const { items: snapshots } of pages) {
    if (snapshots.length === 0) continue;
    const items = await mapPool(snapshots, TAG_CONCURRENCY, (raw) => toItem(client, raw, region, options));
    yield items.filter((item) => item !== undefined);
  }
}

/**
 * The current state of one Serverless snapshot (one GetSnapshot call, plus its tags when asked),
 * or `undefined` when it no longer exists. The event path decides on this, never on the event.
 *
 * @example
 * await getServerlessSnapshot(client, 'us-east-1', { snapshotName: 'sales-weekly' });
 */
export async function getServerlessSnapshot(
  client: RedshiftServerlessClient,
  region: string,
  address: ServerlessAddress,
  options: TagOptions = {},
): Promise<Snapshot | undefined> {
  const input = 'arn' in address ? { snapshotArn: address.arn } : { snapshotName: address.snapshotName };
  let raw: ServerlessSdkSnapshot | undefined;
  try {
    raw = (await client.send(new GetSnapshotCommand(input))).snapshot;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  const item = raw && (await toItem(client, raw, region, options));
  if (item && 'error' in item) throw item.error;
  return item?.snapshot;
}

/**
 * The parts of a GetSnapshot answer a revoke or restore is confirmed from: the snapshot it is
 * about, and who may restore it either way (lists left out when empty, as AWS does).
 */
const GrantsAnswerSchema = z.object({
  snapshot: z.object({
    snapshotArn: z.string(),
    accountsWithRestoreAccess: z.array(z.string()).optional(),
    accountsWithProvisionedRestoreAccess: z.array(z.string()).optional(),
  }),
});

/**
 * Every account that may restore the Serverless snapshot `arn` either way, read back with one
 * GetSnapshot; `undefined` when it no longer exists. Throws an AwsResponseError when the answer
 * lacks what this relies on, and the SDK's error when the call fails.
 *
 * @example
 * await serverlessGrants(client, arn); // ['111122223333'], after revoking '999988887777'
 */
export async function serverlessGrants(
  client: RedshiftServerlessClient,
  arn: string,
): Promise<string[] | undefined> {
  let out: unknown;
  try {
    out = await client.send(new GetSnapshotCommand({ snapshotArn: arn }));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
  const parsed = GrantsAnswerSchema.safeParse(out);
  if (!parsed.success) {
    const { path, message } = describeIssue(parsed.error, '(answer)');
    throw new AwsResponseError(`GetSnapshot answered without what confirms a grant (${path}: ${message})`, {
      cause: parsed.error,
    });
  }
  const snapshot = parsed.data.snapshot;
  if (snapshot.snapshotArn !== arn) {
    throw new AwsResponseError(`GetSnapshot for ${arn} answered about ${snapshot.snapshotArn}`);
  }
  return [
    ...new Set([
      ...(snapshot.accountsWithRestoreAccess ?? []),
      ...(snapshot.accountsWithProvisionedRestoreAccess ?? []),
    ]),
  ];
}
