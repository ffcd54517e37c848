import { RedshiftClient, RevokeSnapshotAccessCommand } from '@aws-sdk/client-redshift';
import { GetSnapshotCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import {
  ACCOUNT,
  ALLOWED,
  BUS,
  busEvents,
  CLUSTER,
  createBus,
  describeOwned,
  POLICY,
  PRODUCT_VIEW,
  REGION,
  UNKNOWN,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * A revoke is done only when AWS shows the account gone: a provisioned revoke from its answer, a
 * Redshift Serverless one by reading the snapshot back. The stand-in's `revokeKeepsAccess` fault
 * accepts a revoke and leaves the grant in place.
 */

const NAMESPACE = 'sales-serverless';
const DELETING = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
retention:
  manual:
    maxAgeDays: 30
    onViolation: delete
events:
  busName: ${BUS}
`;

const local = useStandIn(PRODUCT_VIEW);

beforeEach(async () => {
  await createBus();
});

function seedProvisioned(grants: string[], createTime = Date.now() - 86_400_000): void {
  local.store.createCluster(ACCOUNT, REGION, { identifier: CLUSTER });
  local.store.createSnapshot(ACCOUNT, REGION, {
    identifier: 'nightly',
    clusterIdentifier: CLUSTER,
    createTime,
    encrypted: true,
    manualSnapshotRetentionPeriod: 30,
    grants,
  });
}

/** A Serverless snapshot shared through its resource policy, both ways for the unknown account. */
function seedServerless(): string {
  local.serverless.createNamespace(ACCOUNT, REGION, { name: NAMESPACE });
  return local.serverless.createSnapshot(ACCOUNT, REGION, {
    namespaceName: NAMESPACE,
    name: 'sales-weekly',
    retentionPeriod: 30,
    restoreAccess: [ALLOWED, UNKNOWN],
    provisionedRestoreAccess: [UNKNOWN],
  }).arn;
}

const sweep = async (policy = POLICY): Promise<RunReport> => {
  const rt = await warmRuntime({ maxAttempts: 1 }, policy);
  local.resetCalls();
  return runSweep(rt, { trigger: 'schedule' });
};

const failures = () =>
  busEvents(local)
    .filter((e) => e.detailType === DETAIL_TYPES.failed)
    .map((e) => e.detail);

describe("the stand-in's revokeKeepsAccess fault", () => {
  it('accepts a revoke and keeps the grant: a provisioned answer still lists it', async () => {
    seedProvisioned([UNKNOWN]);
    local.faults.configure({ revokeKeepsAccess: { next: 1 } });
    const client = new RedshiftClient({ region: REGION, maxAttempts: 1 });

    const out = await client.send(
      new RevokeSnapshotAccessCommand({
        SnapshotIdentifier: 'nightly',
        SnapshotClusterIdentifier: CLUSTER,
        AccountWithRestoreAccess: UNKNOWN,
      }),
    );
    client.destroy();

    expect(out.Snapshot?.AccountsWithRestoreAccess).toEqual([{ AccountId: UNKNOWN }]);
    expect(local.store.getSnapshot(ACCOUNT, REGION, 'nightly')?.grants).toEqual([UNKNOWN]);
  });

  it('for a Serverless ARN, answers without the account while GetSnapshot still lists it', async () => {
    const arn = seedServerless();
    local.faults.configure({ revokeKeepsAccess: { next: 1, account: UNKNOWN } });
    const redshift = new RedshiftClient({ region: REGION, maxAttempts: 1 });
    const serverless = new RedshiftServerlessClient({ region: REGION, maxAttempts: 1 });

    const out = await redshift.send(
      new RevokeSnapshotAccessCommand({ SnapshotArn: arn, AccountWithRestoreAccess: UNKNOWN }),
    );
    const back = await serverless.send(new GetSnapshotCommand({ snapshotArn: arn }));
    redshift.destroy();
    serverless.destroy();

    expect(out.Snapshot?.AccountsWithRestoreAccess).toEqual([{ AccountId: ALLOWED }]);
    expect(back.snapshot?.accountsWithRestoreAccess).toEqual([ALLOWED, UNKNOWN]);
    expect(back.snapshot?.accountsWithProvisionedRestoreAccess).toEqual([UNKNOWN]);
  });
});

describe('a revoke is done only when AWS shows the account gone', () => {
  it('fails a provisioned revoke whose answer still lists the account, with no extra call', async () => {
    // Prepare
    seedProvisioned([ALLOWED, UNKNOWN]);
    local.faults.configure({ revokeKeepsAccess: { next: 1 } });

    // Act
    const report = await sweep();

    // Assess
    expect(report.totals.revocations).toEqual({ failed: 1 });
    expect(report.compliant).toBe(false);
    expect(failures().map((d) => [d.action?.account, d.action?.status, d.reason])).toEqual([
      [
        UNKNOWN,
        'failed',
        `revoke accepted, access remains: account ${UNKNOWN} can still restore the snapshot (the answer still lists it)`,
      ],
    ]);
    const events = busEvents(local);
    expect(local.calls()).toEqual({
      'redshift.DescribeClusterSnapshots': 1,
      'redshift-serverless.ListSnapshots': 1,
      'redshift.RevokeSnapshotAccess': 1,
      'events.PutEvents': Math.ceil(events.length / 10),
    });
    expect(events.some((e) => e.detailType === DETAIL_TYPES.revoked)).toBe(false);
    expect((await describeOwned(local)).get('nightly')).toEqual([ALLOWED, UNKNOWN].sort());
  });

  it('confirms a Serverless revoke by one GetSnapshot, and fails it when the grant survives', async () => {
    // Prepare
    const arn = seedServerless();
    local.faults.configure({ revokeKeepsAccess: { next: 1 } });

    // Act
    const report = await sweep();

    // Assess
    expect(report.totals.revocations).toEqual({ failed: 1 });
    expect(local.calls()).toMatchObject({
      'redshift.RevokeSnapshotAccess': 1,
      'redshift-serverless.GetSnapshot': 1,
    });
    expect(failures()[0]?.reason).toBe(
      `revoke accepted, access remains: account ${UNKNOWN} can still restore the snapshot (GetSnapshot still lists it)`,
    );
    expect(local.serverless.getByArn(arn)?.provisionedRestoreAccess).toEqual([UNKNOWN]);

    // Act again, the fault spent: the revoke takes and is confirmed
    const next = await sweep();
    expect(next.totals.revocations).toEqual({ applied: 1 });
    expect(next.compliant).toBe(true);
    expect(local.serverless.getByArn(arn)?.restoreAccess).toEqual([ALLOWED]);
  });

  it('does not take AuthorizationNotFound on a Serverless ARN for done while the snapshot still lists the account', async () => {
    // Prepare: Redshift says the account holds no authorization; the resource policy still grants it
    seedServerless();
    local.faults.configure({
      rules: [
        {
          action: 'redshift.RevokeSnapshotAccess',
          error: { code: 'AuthorizationNotFound', status: 404, message: 'not authorized', rate: 1 },
        },
      ],
    });

    // Act
    const report = await sweep();

    // Assess
    expect(report.totals.revocations).toEqual({ failed: 1 });
    expect(local.calls()['redshift-serverless.GetSnapshot']).toBe(1);
    expect(failures()[0]?.reason).toBe(
      'revoke not applied, access remains: RevokeSnapshotAccess answered AuthorizationNotFoundFault: not authorized, ' +
        `but GetSnapshot still lists account ${UNKNOWN}`,
    );
  });

  it('does not delete when the revoke a delete needs was accepted but access remains', async () => {
    // Prepare: a too-old snapshot shared with the allowed account only
    seedProvisioned([ALLOWED], Date.now() - 90 * 86_400_000);
    local.faults.configure({ revokeKeepsAccess: { next: 1 } });

    // Act
    const report = await sweep(DELETING);

    // Assess
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    expect(failures().map((d) => [d.action?.type, d.action?.purpose])).toEqual([['revoke', 'delete']]);
    expect((await describeOwned(local)).get('nightly')).toEqual([ALLOWED]);
  });
});
