import {
  DescribeClusterSnapshotsCommand,
  paginateDescribeClusterSnapshots,
  type Snapshot,
} from '@aws-sdk/client-redshift';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../local/fleet.ts';
import { DEMO } from '../../local/fleet-demo.ts';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient } from '../helpers/stand-in-clients.ts';

const DAY = 86_400_000;

describe('local fleet', () => {
  const aws = useStandIn();

  it('generates the same fleet for the same seed and a different one for another seed', () => {
    // Act
    const now = Date.UTC(2025, 0, 1);
    const a = generateFleet({ count: 500, seed: 11, now });
    const b = generateFleet({ count: 500, seed: 11, now });
    const c = generateFleet({ count: 500, seed: 12, now });
    // Assess
    expect(a).toEqual(b);
    expect(a.plan.snapshots).not.toEqual(c.plan.snapshots);
  });

  it('reports stats that match what the stand-in then serves', async () => {
    // Prepare
    const allowed = ['111122223333', '444455556666'];
    const [fleet] = aws.seedFleet({
      count: 2000,
      seed: 5,
      sharedShare: 0.2,
      unauthorizedShare: 0.05,
      supportShare: 0.02,
      unencryptedShare: 0.1,
      allowedAccounts: allowed,
    });
    const client = redshiftClient(aws);
    // Act
    const all: Snapshot[] = [];
    for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
      all.push(...(page.Snapshots ?? []));
    }
    client.destroy();
    // Assess
    const stats = fleet?.stats;
    const grants = all.flatMap((s) => s.AccountsWithRestoreAccess ?? []);
    expect(all).toHaveLength(2000);
    expect(all.filter((s) => s.SnapshotType === 'automated')).toHaveLength(stats?.automated ?? -1);
    expect(grants.filter((g) => g.AccountAlias === 'amazon-redshift-support')).toHaveLength(
      stats?.supportGrants ?? -1,
    );
    expect(grants.filter((g) => g.AccountId && !allowed.includes(g.AccountId))).toHaveLength(
      stats?.unauthorizedGrants ?? -1,
    );
    expect(all.filter((s) => !s.Encrypted && s.AccountsWithRestoreAccess)).toHaveLength(
      stats?.unencryptedShared ?? -1,
    );
    expect(stats?.unauthorizedGrants).toBeGreaterThan(0);
    expect(stats?.pages).toBe(20);
    // Nothing generated is already past its retention period.
    expect(all.every((s) => (s.ManualSnapshotRemainingDays ?? 1) !== 0)).toBe(true);
  });

  it('seeds a demo fleet that shows every kind of finding', async () => {
    // Prepare
    aws.seedFleet({ demo: true });
    const client = redshiftClient(aws);
    // Act
    const out = await client.send(new DescribeClusterSnapshotsCommand({}));
    client.destroy();
    // Assess
    const byId = new Map((out.Snapshots ?? []).map((s) => [s.SnapshotIdentifier, s]));
    const grantsOf = (id: string) =>
      byId.get(id)?.AccountsWithRestoreAccess?.map((g) => g.AccountId ?? g.AccountAlias) ?? [];
    const { expectations: x } = DEMO;
    for (const g of [...x.allowedGrants, ...x.unauthorizedGrants, ...x.supportGrants]) {
      expect(grantsOf(g.snapshot)).toContain(g.account);
    }
    for (const id of x.unencryptedShared) expect(byId.get(id)).toMatchObject({ Encrypted: false });
    for (const id of x.indefiniteRetention) expect(byId.get(id)?.ManualSnapshotRetentionPeriod).toBe(-1);
    for (const id of x.maxRetention) expect(byId.get(id)?.ManualSnapshotRetentionPeriod).toBe(3653);
    for (const id of x.staleManual) {
      expect(Date.now() - (byId.get(id)?.SnapshotCreateTime?.getTime() ?? 0)).toBeGreaterThan(400 * DAY);
    }
    for (const id of x.clean) expect(grantsOf(id)).toEqual([]);
    expect(byId.get(x.legalHold[0])?.SnapshotIdentifier).toMatch(/^legal-hold-/);
    expect([...byId.values()].filter((s) => s.SnapshotType === 'automated')).toHaveLength(1);
    expect(byId.get(x.taggedShare.snapshot)?.Tags).toContainEqual({ Key: 'team', Value: 'analytics' });
    expect(byId.get(x.sharedWithDemoAccount.snapshot)).toMatchObject({ OwnerAccount: DEMO.otherAccount });
    expect(new Set([...byId.values()].map((s) => s.ClusterIdentifier))).toEqual(
      new Set([...DEMO.clusters, x.sharedWithDemoAccount.cluster]),
    );
  });
});
