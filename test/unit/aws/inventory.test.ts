import {
  ClusterSnapshotNotFoundFault,
  DescribeClusterSnapshotsCommand,
  RedshiftClient,
  type Snapshot as SdkSnapshot,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeSnapshot } from '../../../functions/aws/inventory.ts';
import { AwsResponseError } from '../../../functions/errors.ts';

const OWNER = '123456789012';
const ARN = `arn:aws:redshift:us-east-1:${OWNER}:snapshot:finance-prod/finance-prod-manual-1`;

const redshift = mockClient(RedshiftClient);
const client = new RedshiftClient({ region: 'us-east-1' });

function record(overrides: Partial<SdkSnapshot> = {}): SdkSnapshot {
  return {
    SnapshotIdentifier: 'finance-prod-manual-1',
    ClusterIdentifier: 'finance-prod',
    SnapshotArn: ARN,
    SnapshotType: 'manual',
    Status: 'available',
    OwnerAccount: OWNER,
    SnapshotCreateTime: new Date('2026-10-01T00:00:00Z'),
    Encrypted: true,
    ManualSnapshotRetentionPeriod: 30,
    AccountsWithRestoreAccess: [{ AccountId: '999988887777' }],
    Tags: [{ Key: 'team', Value: 'finance' }],
    ...overrides,
  };
}

describe('describeSnapshot', () => {
  beforeEach(() => {
    redshift.reset();
  });

  it('reads one snapshot by identifier and cluster in one call', async () => {
    // Prepare
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [record()] });
    // Act
    const snapshot = await describeSnapshot(client, 'us-east-1', {
      id: 'finance-prod-manual-1',
      cluster: 'finance-prod',
    });
    // Assess
    expect(redshift).toHaveReceivedCommandTimes(DescribeClusterSnapshotsCommand, 1);
    expect(redshift).toHaveReceivedCommandWith(DescribeClusterSnapshotsCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      ClusterIdentifier: 'finance-prod',
    });
    expect(snapshot).toMatchObject({
      kind: 'cluster',
      id: 'finance-prod-manual-1',
      cluster: 'finance-prod',
      owner: OWNER,
      region: 'us-east-1',
      grants: ['999988887777'],
      tags: { team: 'finance' },
      retentionDays: 30,
    });
  });

  it('reads one snapshot by ARN', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [record()] });

    const snapshot = await describeSnapshot(client, 'us-east-1', { arn: ARN });

    expect(redshift).toHaveReceivedCommandExactlyOnceWith(DescribeClusterSnapshotsCommand, {
      SnapshotArn: ARN,
    });
    expect(snapshot?.arn).toBe(ARN);
  });

  it("prefers the owner's snapshot to one another account shares under the same name", async () => {
    // Prepare: the partner's same-named snapshot lists first
    const partner = record({ OwnerAccount: '444455556666', SnapshotArn: ARN.replace(OWNER, '444455556666') });
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [partner, record()] });
    // Act
    const snapshot = await describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' }, OWNER);
    // Assess
    expect(redshift).toHaveReceivedCommandTimes(DescribeClusterSnapshotsCommand, 1);
    expect(snapshot?.owner).toBe(OWNER);
  });

  it('reads a snapshot another account shares when the owner has none of that name, for the run to report', async () => {
    // Prepare: the first page holds only the partner's; the owner's is not there at all
    const partner = record({ OwnerAccount: '444455556666', SnapshotArn: ARN.replace(OWNER, '444455556666') });
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .resolvesOnce({ Snapshots: [partner], Marker: 'next' })
      .resolvesOnce({ Snapshots: [] });
    // Act
    const snapshot = await describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' }, OWNER);
    // Assess: every page looked at for the owner's, then the shared one
    expect(redshift).toHaveReceivedNthCommandWith(DescribeClusterSnapshotsCommand, 2, { Marker: 'next' });
    expect(snapshot?.owner).toBe('444455556666');
  });

  it('reports a snapshot deleted meanwhile as gone, not as an error', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .rejects(new ClusterSnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: {} }));

    await expect(
      describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' }),
    ).resolves.toBeUndefined();
  });

  it('reports an empty answer as gone', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [] });

    await expect(
      describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' }),
    ).resolves.toBeUndefined();
  });

  it('lets any other error through for the caller to report', async () => {
    const denied = Object.assign(new Error('not authorized to perform redshift:DescribeClusterSnapshots'), {
      name: 'AccessDenied',
    });
    redshift.on(DescribeClusterSnapshotsCommand).rejects(denied);

    await expect(describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' })).rejects.toThrow(
      'not authorized',
    );
  });

  it('refuses a record it cannot judge safely', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .resolves({ Snapshots: [record({ OwnerAccount: undefined })] });

    await expect(describeSnapshot(client, 'us-east-1', { arn: ARN })).rejects.toBeInstanceOf(
      AwsResponseError,
    );
  });

  it('builds the ARN when the response leaves it out', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .resolves({ Snapshots: [record({ SnapshotArn: undefined })] });

    const snapshot = await describeSnapshot(client, 'us-east-1', { id: 'finance-prod-manual-1' });

    expect(snapshot?.arn).toBe(ARN);
  });
});
