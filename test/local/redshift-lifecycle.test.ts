import {
  ClusterNotFoundFault,
  ClusterSnapshotAlreadyExistsFault,
  ClusterSnapshotNotFoundFault,
  CopyClusterSnapshotCommand,
  DeleteClusterCommand,
  DeleteClusterSnapshotCommand,
  DescribeClusterSnapshotsCommand,
  InvalidClusterSnapshotStateFault,
  InvalidRetentionPeriodFault,
  ModifyClusterSnapshotCommand,
  type RedshiftClient,
} from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient, rejectionOf } from '../helpers/stand-in-clients.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DAY = 86_400_000;

describe('local redshift snapshot lifecycle', () => {
  const aws = useStandIn();
  let redshift: RedshiftClient;

  beforeAll(() => {
    redshift = redshiftClient(aws);
  });

  afterAll(() => {
    redshift.destroy();
  });

  beforeEach(() => {
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'analytics' });
  });

  const automatedIdentifier = () =>
    aws.store.listSnapshots(ACCOUNT, REGION).find((s) => s.snapshotType === 'automated')?.identifier ?? '';

  it('keeps manual snapshots as orphans after DeleteCluster and lists them with ClusterExists=false', async () => {
    // Prepare
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'legacy', automatedSnapshots: 3 });
    aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'legacy-final', clusterIdentifier: 'legacy' });
    aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'live', clusterIdentifier: 'analytics' });
    // Act
    await redshift.send(
      new DeleteClusterCommand({ ClusterIdentifier: 'legacy', SkipFinalClusterSnapshot: true }),
    );
    const orphans = await redshift.send(new DescribeClusterSnapshotsCommand({ ClusterExists: false }));
    const missing = await rejectionOf(
      redshift.send(
        new DescribeClusterSnapshotsCommand({ ClusterExists: true, ClusterIdentifier: 'legacy' }),
      ),
    );
    // Assess
    expect(orphans.Snapshots?.map((s) => s.SnapshotIdentifier)).toEqual(['legacy-final']);
    expect(missing).toBeInstanceOf(ClusterNotFoundFault);
  });

  it('modifies retention and refuses invalid or too-short periods', async () => {
    // Prepare
    aws.store.createSnapshot(ACCOUNT, REGION, {
      identifier: 'old',
      clusterIdentifier: 'analytics',
      createTime: Date.now() - 40 * DAY,
      manualSnapshotRetentionPeriod: -1,
    });
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'auto', automatedSnapshots: 1 });
    const modify = (SnapshotIdentifier: string, period: number, Force?: boolean) =>
      redshift.send(
        new ModifyClusterSnapshotCommand({
          SnapshotIdentifier,
          ManualSnapshotRetentionPeriod: period,
          Force,
        }),
      );
    // Act
    const extended = await modify('old', 365);
    const invalid = await rejectionOf(modify('old', 0));
    const tooShort = await rejectionOf(modify('old', 10));
    const notManual = await rejectionOf(modify(automatedIdentifier(), 10));
    const forced = await modify('old', 10, true);
    // Assess
    expect(extended.Snapshot?.ManualSnapshotRetentionPeriod).toBe(365);
    expect(extended.Snapshot?.ManualSnapshotRemainingDays).toBe(325);
    expect(invalid).toBeInstanceOf(InvalidRetentionPeriodFault);
    expect(tooShort).toBeInstanceOf(InvalidRetentionPeriodFault);
    expect(notManual).toBeInstanceOf(InvalidClusterSnapshotStateFault);
    expect(forced.Snapshot?.Status).toBe('deleted');
    expect(aws.store.getSnapshot(ACCOUNT, REGION, 'old')).toBeUndefined();
  });

  it('copies an automated snapshot to a manual one and rejects clashing or missing ids', async () => {
    // Prepare
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'auto', automatedSnapshots: 1 });
    const source = automatedIdentifier();
    // Act
    const copy = await redshift.send(
      new CopyClusterSnapshotCommand({ SourceSnapshotIdentifier: source, TargetSnapshotIdentifier: 'kept' }),
    );
    const clash = await rejectionOf(
      redshift.send(
        new CopyClusterSnapshotCommand({
          SourceSnapshotIdentifier: source,
          TargetSnapshotIdentifier: 'kept',
        }),
      ),
    );
    const missing = await rejectionOf(
      redshift.send(
        new CopyClusterSnapshotCommand({ SourceSnapshotIdentifier: 'nope', TargetSnapshotIdentifier: 'x' }),
      ),
    );
    // Assess
    expect(copy.Snapshot).toMatchObject({
      SnapshotIdentifier: 'kept',
      SnapshotType: 'manual',
      Status: 'creating',
    });
    expect(copy.Snapshot?.ManualSnapshotRetentionPeriod).toBe(-1);
    expect(aws.store.getSnapshot(ACCOUNT, REGION, 'kept')?.status).toBe('available');
    expect(clash).toBeInstanceOf(ClusterSnapshotAlreadyExistsFault);
    expect(missing).toBeInstanceOf(ClusterSnapshotNotFoundFault);
  });

  it('deletes a manual snapshot and refuses automated or unknown ones', async () => {
    // Prepare
    aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'gone-soon', clusterIdentifier: 'analytics' });
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'auto', automatedSnapshots: 1 });
    const del = (SnapshotIdentifier: string, SnapshotClusterIdentifier?: string) =>
      redshift.send(new DeleteClusterSnapshotCommand({ SnapshotIdentifier, SnapshotClusterIdentifier }));
    // Act
    const wrongCluster = await rejectionOf(del('gone-soon', 'other'));
    const deleted = await del('gone-soon', 'analytics');
    const again = await rejectionOf(del('gone-soon'));
    const auto = await rejectionOf(del(automatedIdentifier()));
    // Assess
    expect(wrongCluster).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(deleted.Snapshot?.Status).toBe('deleted');
    expect(again).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(auto).toBeInstanceOf(InvalidClusterSnapshotStateFault);
  });
});
