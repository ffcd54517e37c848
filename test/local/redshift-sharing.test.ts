import {
  AccessToSnapshotDeniedFault,
  AuthorizationAlreadyExistsFault,
  AuthorizationNotFoundFault,
  AuthorizationQuotaExceededFault,
  AuthorizeSnapshotAccessCommand,
  ClusterSnapshotNotFoundFault,
  DeleteClusterSnapshotCommand,
  DescribeClusterSnapshotsCommand,
  InvalidClusterSnapshotStateFault,
  type RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient, rejectionOf } from '../helpers/stand-in-clients.ts';

const OWNER = '123456789012';
const PARTNER = '111122223333';
const REGION = 'us-east-1';
const ARN = `arn:aws:redshift:${REGION}:${OWNER}:snapshot:finance/q3-export`;

describe('local redshift sharing', () => {
  const aws = useStandIn({ accounts: { AKIDPARTNER: PARTNER } });
  let owner: RedshiftClient;
  let partner: RedshiftClient;

  beforeAll(() => {
    owner = redshiftClient(aws);
    partner = redshiftClient(aws, { accessKeyId: 'AKIDPARTNER', maxAttempts: 1 });
  });

  afterAll(() => {
    owner.destroy();
    partner.destroy();
  });

  beforeEach(() => {
    aws.store.createCluster(OWNER, REGION, { identifier: 'finance', automatedSnapshots: 1 });
    aws.store.createSnapshot(OWNER, REGION, { identifier: 'q3-export', clusterIdentifier: 'finance' });
  });

  const authorize = (account: string, ref: { SnapshotIdentifier?: string; SnapshotArn?: string }) =>
    owner.send(new AuthorizeSnapshotAccessCommand({ AccountWithRestoreAccess: account, ...ref }));
  const revoke = (client: RedshiftClient, account: string, ref: Record<string, string>) =>
    client.send(new RevokeSnapshotAccessCommand({ AccountWithRestoreAccess: account, ...ref }));

  it('authorizes accounts and AWS Support, listing support by its alias', async () => {
    // Act
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    const out = await authorize('amazon-redshift-support', { SnapshotArn: ARN });
    // Assess
    expect(out.Snapshot?.AccountsWithRestoreAccess).toEqual([
      { AccountId: PARTNER },
      { AccountAlias: 'amazon-redshift-support' },
    ]);
    expect(aws.store.getSnapshot(OWNER, REGION, 'q3-export')?.grants).toEqual([
      PARTNER,
      'amazon-redshift-support',
    ]);
  });

  it('returns AuthorizationAlreadyExistsFault for a duplicate grant', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    // Act
    const error = await rejectionOf(authorize(PARTNER, { SnapshotIdentifier: 'q3-export' }));
    // Assess
    expect(error).toBeInstanceOf(AuthorizationAlreadyExistsFault);
  });

  it('rejects a malformed account, an automated snapshot and the 21st account', async () => {
    // Prepare
    const automated = aws.store.listSnapshots(OWNER, REGION).find((s) => s.snapshotType === 'automated');
    const full = aws.store.createSnapshot(OWNER, REGION, {
      identifier: 'crowded',
      clusterIdentifier: 'finance',
      grants: Array.from({ length: 20 }, (_, i) => String(100000000000 + i)),
    });
    // Act
    const malformed = await rejectionOf(authorize('12345', { SnapshotIdentifier: 'q3-export' }));
    const notManual = await rejectionOf(
      authorize(PARTNER, { SnapshotIdentifier: automated?.identifier ?? '' }),
    );
    const quota = await rejectionOf(authorize(PARTNER, { SnapshotIdentifier: full.identifier }));
    const unknown = await rejectionOf(authorize(PARTNER, { SnapshotIdentifier: 'nope' }));
    // Assess
    expect(malformed.name).toBe('InvalidParameterValue');
    expect(notManual).toBeInstanceOf(InvalidClusterSnapshotStateFault);
    expect(quota).toBeInstanceOf(AuthorizationQuotaExceededFault);
    expect(unknown).toBeInstanceOf(ClusterSnapshotNotFoundFault);
  });

  it('revokes by identifier and cluster, and by ARN', async () => {
    // Prepare
    aws.store.authorize(OWNER, REGION, { identifier: 'q3-export' }, PARTNER);
    aws.store.authorize(OWNER, REGION, { identifier: 'q3-export' }, 'amazon-redshift-support');
    // Act
    const first = await revoke(owner, PARTNER, {
      SnapshotIdentifier: 'q3-export',
      SnapshotClusterIdentifier: 'finance',
    });
    const second = await revoke(owner, 'amazon-redshift-support', { SnapshotArn: ARN });
    // Assess
    expect(first.Snapshot?.AccountsWithRestoreAccess).toEqual([{ AccountAlias: 'amazon-redshift-support' }]);
    expect(second.Snapshot?.AccountsWithRestoreAccess).toBeUndefined();
  });

  it('returns AuthorizationNotFoundFault when the account holds no grant', async () => {
    // Act
    const error = await rejectionOf(revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export' }));
    // Assess
    expect(error).toBeInstanceOf(AuthorizationNotFoundFault);
    expect((error as AuthorizationNotFoundFault).$metadata.httpStatusCode).toBe(404);
  });

  it('returns ClusterSnapshotNotFoundFault for an unknown snapshot or the wrong cluster', async () => {
    // Act
    const unknown = await rejectionOf(revoke(owner, PARTNER, { SnapshotIdentifier: 'nope' }));
    const wrongCluster = await rejectionOf(
      revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export', SnapshotClusterIdentifier: 'other' }),
    );
    const both = await rejectionOf(
      revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export', SnapshotArn: ARN }),
    );
    // Assess
    expect(unknown).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(wrongCluster).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(both.name).toBe('InvalidParameterCombination');
  });

  it('lists a shared snapshot to the grantee with its real owner and without the grant list', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    await authorize('999988887777', { SnapshotIdentifier: 'q3-export' });
    // Act
    const seen = await partner.send(new DescribeClusterSnapshotsCommand({}));
    const byOwner = await partner.send(new DescribeClusterSnapshotsCommand({ OwnerAccount: OWNER }));
    const byTag = await partner.send(new DescribeClusterSnapshotsCommand({ TagKeys: ['team'] }));
    // Assess
    expect(seen.Snapshots).toHaveLength(1);
    expect(seen.Snapshots?.[0]).toMatchObject({ SnapshotIdentifier: 'q3-export', OwnerAccount: OWNER });
    expect(seen.Snapshots?.[0]?.AccountsWithRestoreAccess).toBeUndefined();
    expect(byOwner.Snapshots).toHaveLength(1);
    expect(byTag.Snapshots).toEqual([]);
  });

  it('describes a same-named snapshot shared in beside the caller’s own, in listing order, until OwnerAccount narrows it', async () => {
    // Prepare: PARTNER owns an older 'q3-export' of its own and shares it with OWNER
    aws.store.createCluster(PARTNER, REGION, { identifier: 'partner' });
    aws.store.createSnapshot(PARTNER, REGION, {
      identifier: 'q3-export',
      clusterIdentifier: 'partner',
      createTime: Date.now() - 86_400_000,
      grants: [OWNER],
    });
    // Act
    const both = await owner.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'q3-export' }));
    const own = await owner.send(
      new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'q3-export', OwnerAccount: OWNER }),
    );
    await authorize('999988887777', { SnapshotIdentifier: 'q3-export' });
    // Assess: nothing puts the caller's own first; a change by identifier still means its own
    expect(both.Snapshots?.map((s) => s.OwnerAccount)).toEqual([PARTNER, OWNER]);
    expect(own.Snapshots?.map((s) => `${s.OwnerAccount}/${s.ClusterIdentifier}`)).toEqual([
      `${OWNER}/finance`,
    ]);
    expect(aws.store.getSnapshot(OWNER, REGION, 'q3-export')?.grants).toEqual(['999988887777']);
    expect(aws.store.getSnapshot(PARTNER, REGION, 'q3-export')?.grants).toEqual([OWNER]);
  });

  it('denies the grantee any change to a snapshot it does not own', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    // Act
    const byArn = await rejectionOf(revoke(partner, PARTNER, { SnapshotArn: ARN }));
    const byId = await rejectionOf(revoke(partner, PARTNER, { SnapshotIdentifier: 'q3-export' }));
    const deletion = await rejectionOf(
      partner.send(new DeleteClusterSnapshotCommand({ SnapshotIdentifier: 'q3-export' })),
    );
    // Assess
    expect(byArn).toBeInstanceOf(AccessToSnapshotDeniedFault);
    expect(byId).toBeInstanceOf(AccessToSnapshotDeniedFault);
    expect(deletion).toBeInstanceOf(ClusterSnapshotNotFoundFault);
    expect(aws.store.getSnapshot(OWNER, REGION, 'q3-export')?.grants).toEqual([PARTNER]);
  });

  it('hides a snapshot from the grantee once access is revoked', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    // Act
    await revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export' });
    const seen = await partner.send(new DescribeClusterSnapshotsCommand({}));
    // Assess
    expect(seen.Snapshots).toEqual([]);
  });

  it('refuses to delete a snapshot while grants exist with InvalidClusterSnapshotStateFault', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    const del = () => owner.send(new DeleteClusterSnapshotCommand({ SnapshotIdentifier: 'q3-export' }));
    // Act
    const refused = await rejectionOf(del());
    await revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export' });
    const deleted = await del();
    // Assess
    expect(refused).toBeInstanceOf(InvalidClusterSnapshotStateFault);
    expect(deleted.Snapshot?.Status).toBe('deleted');
  });

  it('keeps regions apart: same identifier in two regions, each visible only in its own', async () => {
    // Prepare
    const west = redshiftClient(aws, { region: 'eu-west-1', maxAttempts: 1 });
    aws.store.createSnapshot(OWNER, 'eu-west-1', { identifier: 'q3-export', clusterIdentifier: 'finance' });
    aws.store.createSnapshot(OWNER, 'eu-west-1', { identifier: 'west-only', clusterIdentifier: 'finance' });
    // Act
    const inWest = await west.send(new DescribeClusterSnapshotsCommand({}));
    const inEast = await owner.send(new DescribeClusterSnapshotsCommand({ SnapshotType: 'manual' }));
    const missing = await rejectionOf(
      owner.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'west-only' })),
    );
    west.destroy();
    // Assess
    expect(inWest.Snapshots?.map((s) => s.SnapshotIdentifier).sort()).toEqual(['q3-export', 'west-only']);
    expect(inWest.Snapshots?.[0]?.SnapshotArn).toContain(':eu-west-1:');
    expect(inEast.Snapshots?.map((s) => s.SnapshotIdentifier)).toEqual(['q3-export']);
    expect(missing).toBeInstanceOf(ClusterSnapshotNotFoundFault);
  });

  it('loses the race when someone else revokes the grant first', async () => {
    // Prepare
    await authorize(PARTNER, { SnapshotIdentifier: 'q3-export' });
    aws.faults.configure({ concurrentRevoke: { next: 1 } });
    // Act
    const error = await rejectionOf(revoke(owner, PARTNER, { SnapshotIdentifier: 'q3-export' }));
    // Assess
    expect(error).toBeInstanceOf(AuthorizationNotFoundFault);
    expect(aws.store.getSnapshot(OWNER, REGION, 'q3-export')?.grants).toEqual([]);
  });
});
