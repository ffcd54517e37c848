import { paginateListSnapshots, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import type { SeededFleet } from '../../local/server.ts';
import {
  ACCOUNT,
  ALLOWED,
  BUS,
  busEvents,
  createBus,
  describeOwned,
  PRODUCT_VIEW,
  REGION,
  UNKNOWN,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/** Sharing only (no tag criteria, so no Serverless tag reads): revocations are exactly the unknown grants. */
const SHARING = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
  allowSupportAccess: false
  requireEncryption: false
safety:
  maxRevocationsPerRun: 1000
events:
  busName: ${BUS}
`;

/** Deletes manual snapshots older than 30 days, after revoking every grant on them. */
const DELETING = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
retention:
  manual:
    maxAgeDays: 30
    onViolation: delete
safety:
  maxDeletionsPerRun: 10
events:
  busName: ${BUS}
`;

const local = useStandIn(PRODUCT_VIEW);

/** Every grant on ACCOUNT's Serverless snapshots, either way of restoring, read through the SDK paginator. */
async function serverlessGrantsLeft(): Promise<{ restore: string[]; provisioned: string[] }> {
  const client = new RedshiftServerlessClient({ region: REGION, maxAttempts: 1 });
  const left = { restore: [] as string[], provisioned: [] as string[] };
  for await (const page of paginateListSnapshots({ client, pageSize: 100 }, {})) {
    for (const s of page.snapshots ?? []) {
      if (s.ownerAccount !== ACCOUNT) continue;
      left.restore.push(...(s.accountsWithRestoreAccess ?? []));
      left.provisioned.push(...(s.accountsWithProvisionedRestoreAccess ?? []));
    }
  }
  client.destroy();
  return left;
}

beforeEach(async () => {
  await createBus();
});

describe('a sweep over provisioned and Serverless snapshots', () => {
  let fleet: SeededFleet;

  beforeEach(() => {
    [fleet] = local.seedFleet({
      count: 250,
      serverlessCount: 230,
      seed: 21,
      allowedAccounts: [ALLOWED],
      sharedShare: 0.2,
      unauthorizedShare: 0.08,
    }) as [SeededFleet];
    local.resetCalls();
  });

  it('leaves exactly the allowed grants on both kinds, with the fewest calls', async () => {
    // Prepare
    const provisioned = fleet.stats;
    const serverless = fleet.stats.serverless;
    if (!serverless) throw new Error('the fleet has no Serverless part');
    const revocations =
      provisioned.unauthorizedGrants + provisioned.supportGrants + serverless.unauthorizedGrants;
    expect(serverless.unauthorizedGrants).toBeGreaterThan(5);
    const rt = await warmRuntime({}, SHARING);
    local.resetCalls();

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess: ceil(n/100) + ceil(m/100) listing calls, one revoke per unauthorized grant, one
    // GetSnapshot to confirm each Serverless revoke (a provisioned one is confirmed by its answer)
    expect(report.compliant).toBe(true);
    expect(report.totals.snapshots).toBe(provisioned.snapshots + serverless.snapshots);
    expect(report.totals.revocations).toEqual({ applied: revocations });
    const events = busEvents(local);
    expect(local.calls()).toEqual({
      'redshift.DescribeClusterSnapshots': Math.ceil(provisioned.snapshots / 100),
      'redshift-serverless.ListSnapshots': Math.ceil(serverless.snapshots / 100),
      'redshift.RevokeSnapshotAccess': revocations,
      'redshift-serverless.GetSnapshot': serverless.unauthorizedGrants,
      'events.PutEvents': Math.ceil(events.length / 10),
    });
    const left = await serverlessGrantsLeft();
    expect(left.restore).toHaveLength(serverless.allowedGrants);
    expect(new Set([...left.restore, ...left.provisioned])).toEqual(new Set([ALLOWED]));
    const owned = [...(await describeOwned(local)).values()].flat();
    expect(owned).toHaveLength(provisioned.allowedGrants);
    expect(new Set(owned)).toEqual(new Set([ALLOWED]));
  });

  it('reports Serverless violations on a dry run and changes nothing', async () => {
    const rt = await warmRuntime({}, SHARING);
    local.resetCalls();

    const report = await runSweep(rt, { trigger: 'cli', dryRun: true });

    const serverlessEntries = report.snapshots.filter((s) => s.snapshot.kind === 'serverless');
    expect(serverlessEntries.length).toBe(fleet.stats.serverless?.snapshotsWithUnauthorizedGrants);
    expect(serverlessEntries[0]?.snapshot.namespace).toMatch(/-serverless-\d{3}$/);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
  });
});

describe('retention on a Serverless snapshot', () => {
  const old = Date.now() - 60 * 86_400_000;

  function seedOld(): string {
    local.serverless.createNamespace(ACCOUNT, REGION, { name: 'sales-serverless' });
    return local.serverless.createSnapshot(ACCOUNT, REGION, {
      namespaceName: 'sales-serverless',
      name: 'sales-2026-q2',
      createTime: old,
      restoreAccess: [ALLOWED, UNKNOWN],
      provisionedRestoreAccess: [UNKNOWN],
    }).arn;
  }

  it('revokes every grant first, then deletes it through DeleteSnapshot', async () => {
    // Prepare
    const arn = seedOld();
    const rt = await warmRuntime({}, DELETING);
    local.resetCalls();

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess: the stand-in refuses to delete a shared snapshot, so the delete landing proves the order
    expect(report.totals.revocations).toEqual({ applied: 2 });
    expect(report.totals.deletions).toEqual({ applied: 1 });
    expect(local.calls()).toMatchObject({
      'redshift.RevokeSnapshotAccess': 2,
      'redshift-serverless.GetSnapshot': 2,
      'redshift-serverless.DeleteSnapshot': 1,
    });
    expect(local.serverless.getByArn(arn)).toBeUndefined();
    const deleted = busEvents(local).find((e) => e.detailType === DETAIL_TYPES.deleted);
    expect(deleted?.detail.snapshot).toMatchObject({
      kind: 'serverless',
      arn,
      namespace: 'sales-serverless',
    });
  });

  it('keeps the snapshot, and the allowed grant, when a grant that is not allowed cannot be revoked', async () => {
    // Prepare
    const arn = seedOld();
    const rt = await warmRuntime({ maxAttempts: 1 }, DELETING);
    local.faults.configure({
      rules: [
        {
          action: 'redshift.RevokeSnapshotAccess',
          params: { AccountWithRestoreAccess: UNKNOWN },
          error: { code: 'AccessDenied', status: 403, rate: 1 },
        },
      ],
    });
    local.resetCalls();

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    expect(local.calls()['redshift-serverless.DeleteSnapshot']).toBeUndefined();
    expect(local.serverless.getByArn(arn)?.restoreAccess).toEqual([ALLOWED, UNKNOWN]);
  });

  it('gives the allowed account its access back when DeleteSnapshot fails, and says so', async () => {
    // Prepare
    const arn = seedOld();
    const rt = await warmRuntime({ maxAttempts: 1 }, DELETING);
    local.faults.configure({
      rules: [
        {
          action: 'redshift-serverless.DeleteSnapshot',
          params: { snapshotName: 'sales-2026-q2' },
          error: { code: 'ConflictException', status: 409, message: 'snapshot in use', rate: 1 },
        },
      ],
    });
    local.resetCalls();

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess: the unknown account stays revoked; the allowed one may restore the snapshot again
    const left = local.serverless.getByArn(arn);
    expect([...new Set([...(left?.restoreAccess ?? []), ...(left?.provisionedRestoreAccess ?? [])])]).toEqual(
      [ALLOWED],
    );
    expect(local.calls()['redshift.AuthorizeSnapshotAccess']).toBe(1);
    expect(report.totals.deletions).toEqual({ failed: 1 });
    const failed = busEvents(local).find((e) => e.detailType === DETAIL_TYPES.failed)?.detail;
    expect(failed?.action).toMatchObject({ type: 'delete', restored: [ALLOWED], notRestored: [] });
    expect(failed?.reason).toBe(
      'the snapshot was not deleted: ConflictException: snapshot in use; ' +
        `access given back to ${ALLOWED} (AuthorizeSnapshotAccess)`,
    );
  });
});
