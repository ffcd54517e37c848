import {
  GetSnapshotCommand,
  ListSnapshotsCommand,
  ListTagsForResourceCommand,
  RedshiftServerlessClient,
  ResourceNotFoundException,
  type Snapshot as ServerlessSdkSnapshot,
  ValidationException,
} from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { listServerlessSnapshots } from '../../../functions/aws/listing.ts';
import {
  getServerlessSnapshot,
  isServerlessSnapshotArn,
  toServerlessSnapshot,
} from '../../../functions/aws/serverless.ts';
import type { InventoryItem } from '../../../functions/engine/ports.ts';
import { AwsResponseError } from '../../../functions/errors.ts';

const OWNER = '123456789012';
const PARTNER = '444455556666';
const ARN = `arn:aws:redshift-serverless:us-east-1:${OWNER}:snapshot/7b0e4f6a-2c3d-4e5f-9a1b-3c5d7e9f1a2b`;

const serverless = mockClient(RedshiftServerlessClient);
const client = new RedshiftServerlessClient({ region: 'us-east-1' });

/** A ListSnapshots / GetSnapshot record, in the SDK's own Snapshot shape. */
function record(overrides: Partial<ServerlessSdkSnapshot> = {}): ServerlessSdkSnapshot {
  return {
    namespaceName: 'sales-serverless',
    namespaceArn: `arn:aws:redshift-serverless:us-east-1:${OWNER}:namespace/5a1c9e3b-7d2f-4b6a-8c0e-2f4a6c8e0b1d`,
    snapshotName: 'sales-weekly',
    snapshotArn: ARN,
    snapshotCreateTime: new Date('2026-10-01T00:00:00Z'),
    status: 'AVAILABLE',
    kmsKeyId: 'AWS_OWNED_KMS_KEY',
    ownerAccount: OWNER,
    snapshotRetentionPeriod: 30,
    accountsWithRestoreAccess: ['999988887777'],
    ...overrides,
  };
}

/** The pages with snapshots in them (a listing ends with an empty batch that leaves nothing). */
async function collect(pages: AsyncIterable<{ items: InventoryItem[] }>): Promise<InventoryItem[][]> {
  const out: InventoryItem[][] = [];
  for await (const { items } of pages) if (items.length > 0) out.push(items);
  return out;
}

describe('toServerlessSnapshot', () => {
  it('maps a Serverless snapshot into the same model as a provisioned one', () => {
    expect(toServerlessSnapshot(record(), 'us-east-1')).toEqual({
      kind: 'serverless',
      id: 'sales-weekly',
      arn: ARN,
      namespace: 'sales-serverless',
      type: 'manual',
      status: 'AVAILABLE',
      owner: OWNER,
      region: 'us-east-1',
      createdAt: new Date('2026-10-01T00:00:00Z'),
      encrypted: true,
      retentionDays: 30,
      grants: ['999988887777'],
      tags: {},
    });
  });

  it('judges accounts that may restore to a namespace or to a provisioned cluster, each once', () => {
    const snapshot = toServerlessSnapshot(
      record({
        accountsWithRestoreAccess: ['999988887777', '111122223333'],
        accountsWithProvisionedRestoreAccess: ['111122223333', '555566667777'],
      }),
      'us-east-1',
    );

    expect(snapshot.grants).toEqual(['999988887777', '111122223333', '555566667777']);
  });

  it('keeps -1 as indefinite retention and leaves a missing period unreported', () => {
    expect(toServerlessSnapshot(record({ snapshotRetentionPeriod: -1 }), 'us-east-1').retentionDays).toBe(-1);
    expect(
      toServerlessSnapshot(record({ snapshotRetentionPeriod: undefined }), 'us-east-1').retentionDays,
    ).toBeUndefined();
  });

  it('counts every Serverless snapshot as encrypted, whichever key it names', () => {
    for (const kmsKeyId of ['AWS_OWNED_KMS_KEY', 'arn:aws:kms:us-east-1:123456789012:key/abc', undefined]) {
      expect(toServerlessSnapshot(record({ kmsKeyId }), 'us-east-1').encrypted).toBe(true);
    }
  });

  it('refuses a record without an ARN, which nothing else in it can rebuild', () => {
    expect(() => toServerlessSnapshot(record({ snapshotArn: undefined }), 'us-east-1')).toThrow(
      /Redshift Serverless returned a snapshot the engine cannot judge \(sales-weekly\): arn/,
    );
  });

  it('refuses a record whose owner is not an account id', () => {
    expect(() => toServerlessSnapshot(record({ ownerAccount: undefined }), 'us-east-1')).toThrow(
      AwsResponseError,
    );
  });
});

describe('isServerlessSnapshotArn', () => {
  it('tells a Serverless snapshot ARN from a provisioned one and from a namespace', () => {
    expect(isServerlessSnapshotArn(ARN)).toBe(true);
    expect(isServerlessSnapshotArn(`arn:aws:redshift:us-east-1:${OWNER}:snapshot:prod/nightly`)).toBe(false);
    expect(
      isServerlessSnapshotArn(`arn:aws:redshift-serverless:us-east-1:${OWNER}:namespace/5a1c9e3b-7d2f`),
    ).toBe(false);
  });
});

describe('listServerlessSnapshots', () => {
  beforeEach(() => {
    serverless.reset();
  });

  it('reads every page at the largest page size, following nextToken', async () => {
    // Prepare
    serverless
      .on(ListSnapshotsCommand)
      .resolvesOnce({ snapshots: [record()], nextToken: 'page-2' })
      .resolvesOnce({ snapshots: [record({ snapshotName: 'sales-daily', snapshotArn: `${ARN}0` })] });
    // Act
    const pages = await collect(listServerlessSnapshots(client, 'us-east-1'));
    // Assess
    expect(serverless).toHaveReceivedCommandTimes(ListSnapshotsCommand, 2);
    expect(serverless).toHaveReceivedNthCommandWith(ListSnapshotsCommand, 1, { maxResults: 100 });
    expect(serverless).toHaveReceivedNthCommandWith(ListSnapshotsCommand, 2, {
      maxResults: 100,
      nextToken: 'page-2',
    });
    expect(pages.map((p) => p.map((i) => ('snapshot' in i ? i.snapshot.id : i.identifier)))).toEqual([
      ['sales-weekly'],
      ['sales-daily'],
    ]);
    expect(serverless).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('reports a record it cannot judge as an item error and reads the rest', async () => {
    serverless
      .on(ListSnapshotsCommand)
      .resolves({ snapshots: [record({ ownerAccount: 'nobody' }), record({ snapshotName: 'ok' })] });

    const [page] = await collect(listServerlessSnapshots(client, 'us-east-1'));

    expect(page?.[0]).toMatchObject({ identifier: 'sales-weekly', error: expect.any(AwsResponseError) });
    expect(page?.[1]).toMatchObject({ snapshot: { id: 'ok' } });
  });

  it("reads tags only when asked, and only for the owner's snapshots", async () => {
    // Prepare
    const partner = record({ snapshotName: 'partner-share', ownerAccount: PARTNER, snapshotArn: `${ARN}9` });
    serverless.on(ListSnapshotsCommand).resolves({ snapshots: [record(), partner] });
    serverless.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'team', value: 'analytics' }] });
    // Act
    const [page] = await collect(listServerlessSnapshots(client, 'us-east-1', { tags: { owner: OWNER } }));
    // Assess
    expect(serverless).toHaveReceivedCommandExactlyOnceWith(ListTagsForResourceCommand, { resourceArn: ARN });
    expect(page?.map((i) => ('snapshot' in i ? i.snapshot.tags : undefined))).toEqual([
      { team: 'analytics' },
      {},
    ]);
  });

  it('drops a snapshot deleted before its tags were read, and refuses to judge one whose tags failed', async () => {
    // Prepare
    const gone = record({ snapshotName: 'gone', snapshotArn: `${ARN}1` });
    const denied = record({ snapshotName: 'denied', snapshotArn: `${ARN}2` });
    serverless.on(ListSnapshotsCommand).resolves({ snapshots: [gone, denied] });
    serverless
      .on(ListTagsForResourceCommand, { resourceArn: `${ARN}1` })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .on(ListTagsForResourceCommand, { resourceArn: `${ARN}2` })
      .rejects(new ValidationException({ message: 'denied', $metadata: {} }));
    // Act
    const [page] = await collect(listServerlessSnapshots(client, 'us-east-1', { tags: { owner: OWNER } }));
    // Assess
    expect(page).toHaveLength(1);
    expect(page?.[0]).toMatchObject({
      identifier: 'denied',
      error: expect.objectContaining({
        message: expect.stringMatching(
          /tags of Redshift Serverless snapshot denied could not be read \(ValidationException: denied\)/,
        ),
      }),
    });
  });
});

describe('getServerlessSnapshot', () => {
  beforeEach(() => {
    serverless.reset();
  });

  it('reads one snapshot by ARN in one call', async () => {
    serverless.on(GetSnapshotCommand).resolves({ snapshot: record() });

    const snapshot = await getServerlessSnapshot(client, 'us-east-1', { arn: ARN });

    expect(serverless).toHaveReceivedCommandExactlyOnceWith(GetSnapshotCommand, { snapshotArn: ARN });
    expect(snapshot).toMatchObject({ kind: 'serverless', id: 'sales-weekly', grants: ['999988887777'] });
  });

  it('reads one snapshot by name, with its tags when the policy needs them', async () => {
    serverless.on(GetSnapshotCommand).resolves({ snapshot: record() });
    serverless.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'legal-hold', value: 'true' }] });

    const snapshot = await getServerlessSnapshot(
      client,
      'us-east-1',
      { snapshotName: 'sales-weekly' },
      { tags: { owner: OWNER } },
    );

    expect(serverless).toHaveReceivedCommandExactlyOnceWith(GetSnapshotCommand, {
      snapshotName: 'sales-weekly',
    });
    expect(snapshot?.tags).toEqual({ 'legal-hold': 'true' });
  });

  it('reports a snapshot deleted meanwhile as gone, not as an error', async () => {
    serverless
      .on(GetSnapshotCommand)
      .rejects(new ResourceNotFoundException({ message: 'Snapshot not found.', $metadata: {} }));

    await expect(getServerlessSnapshot(client, 'us-east-1', { arn: ARN })).resolves.toBeUndefined();
  });

  it('raises anything else for the caller to report', async () => {
    serverless.on(GetSnapshotCommand).rejects(new ValidationException({ message: 'bad', $metadata: {} }));

    await expect(getServerlessSnapshot(client, 'us-east-1', { arn: ARN })).rejects.toThrow('bad');
  });
});
