import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { EVENT_DEFERS_DELETES } from '../../functions/engine/consume.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { runSnapshotEvent } from '../../functions/event-runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import { CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import {
  ACCOUNT,
  ALLOWED,
  BUS,
  busEvents,
  CLUSTER,
  createBus,
  describeOwned,
  PRODUCT_VIEW,
  REGION,
  UNKNOWN,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * `onViolation: delete` against the stand-in: an allowed account never ends up without access to
 * a snapshot that still exists, and each safety limit stops only its own kind of action.
 */

const ALLOWED_TOO = '222233334444';
const OLD = Date.now() - 90 * 86_400_000;

const deleting = (safety = 'maxRevocationsPerRun: 100\n  maxDeletionsPerRun: 10') => `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}", "${ALLOWED_TOO}"]
retention:
  manual:
    maxAgeDays: 30
    onViolation: delete
safety:
  ${safety}
events:
  busName: ${BUS}
`;

const local = useStandIn(PRODUCT_VIEW);

beforeEach(async () => {
  await createBus();
  local.store.createCluster(ACCOUNT, REGION, { identifier: CLUSTER });
});

function seed(id: string, grants: string[], extra: { status?: string; createTime?: number } = {}): void {
  local.store.createSnapshot(ACCOUNT, REGION, {
    identifier: id,
    clusterIdentifier: CLUSTER,
    createTime: OLD,
    encrypted: true,
    manualSnapshotRetentionPeriod: -1,
    grants,
    ...extra,
  });
}

/** DeleteClusterSnapshot refused for one snapshot, as an SCP would refuse it. */
function refuseDelete(id: string): void {
  local.faults.configure({
    rules: [
      {
        action: 'redshift.DeleteClusterSnapshot',
        params: { SnapshotIdentifier: id },
        error: { code: 'AccessDenied', status: 403, message: 'denied by an SCP', rate: 1 },
      },
    ],
  });
}

const sweep = async (policy = deleting()): Promise<RunReport> => {
  const rt = await warmRuntime({ maxAttempts: 1 }, policy);
  local.resetCalls();
  return runSweep(rt, { trigger: 'schedule' });
};

const ofType = (type: string) => busEvents(local).filter((e) => e.detailType === type);

describe('onViolation: delete, when the delete fails', () => {
  it('gives the allowed accounts their access back and says what failed and what was given back', async () => {
    // Prepare: a too-old snapshot shared with two allowed accounts and one unknown account
    seed('ancient', [ALLOWED, ALLOWED_TOO, UNKNOWN]);
    refuseDelete('ancient');

    // Act
    const report = await sweep();

    // Assess: the snapshot stays, with exactly its allowed grants
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED_TOO, ALLOWED].sort());
    expect(local.calls()).toMatchObject({
      'redshift.RevokeSnapshotAccess': 3,
      'redshift.DeleteClusterSnapshot': 1,
      'redshift.AuthorizeSnapshotAccess': 2,
    });
    const [failed, ...more] = ofType(DETAIL_TYPES.failed).map((e) => e.detail);
    expect(more).toEqual([]);
    expect(failed?.action).toEqual({
      type: 'delete',
      status: 'failed',
      attempts: 1,
      restored: [ALLOWED, ALLOWED_TOO],
      notRestored: [],
    });
    expect(failed?.reason).toBe(
      'the snapshot was not deleted: AccessDenied: denied by an SCP; ' +
        `access given back to ${ALLOWED}, ${ALLOWED_TOO} (AuthorizeSnapshotAccess)`,
    );
    expect(report.compliant).toBe(false);

    // Act again, the delete still refused: the same, and the allowed grants still in place
    const again = await sweep();
    expect(again.totals.deletions).toEqual({ failed: 1 });
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED_TOO, ALLOWED].sort());

    // Act once more, the refusal lifted: deleted
    local.faults.clear();
    const last = await sweep();
    expect(last.totals.deletions).toEqual({ applied: 1 });
    expect((await describeOwned(local)).has('ancient')).toBe(false);
    expect(last.compliant).toBe(true);
  });

  it('tells a grant revoked because it is not allowed from one revoked to delete', async () => {
    seed('ancient', [ALLOWED, UNKNOWN]);
    refuseDelete('ancient');

    await sweep();

    const revoked = ofType(DETAIL_TYPES.revoked).map((e) => e.detail);
    expect(revoked.map((d) => [d.action?.account, d.action?.purpose])).toEqual([
      [UNKNOWN, 'not-allowed'],
      [ALLOWED, 'delete'],
    ]);
    expect(revoked[0]?.reason).toBe(
      `account ${UNKNOWN} is not allowed to restore snapshots of cluster ${CLUSTER}`,
    );
    expect(revoked[1]?.reason).toMatch(
      new RegExp(`^revoked to delete: account ${ALLOWED} may restore this snapshot`),
    );
    expect(revoked[1]?.reason).not.toContain('not allowed');
  });

  it('says so when an allowed account cannot be given its access back', async () => {
    seed('ancient', [ALLOWED]);
    refuseDelete('ancient');
    local.faults.configure({
      rules: [
        {
          action: 'redshift.AuthorizeSnapshotAccess',
          error: { code: 'AccessDenied', status: 403, message: 'no authorize', rate: 1 },
        },
      ],
    });

    await sweep();

    const [failed] = ofType(DETAIL_TYPES.failed).map((e) => e.detail);
    expect(failed?.action).toMatchObject({ type: 'delete', restored: [], notRestored: [ALLOWED] });
    expect(failed?.reason).toBe(
      'the snapshot was not deleted: AccessDenied: denied by an SCP; ' +
        `access could NOT be given back to ${ALLOWED} (AccessDenied: no authorize)`,
    );
  });

  it('gives access back when a later revoke for the delete fails, and never calls the delete', async () => {
    seed('ancient', [ALLOWED, ALLOWED_TOO]);
    local.faults.configure({
      rules: [
        {
          action: 'redshift.RevokeSnapshotAccess',
          params: { AccountWithRestoreAccess: ALLOWED_TOO },
          error: { code: 'AccessDenied', status: 403, rate: 1 },
        },
      ],
    });

    const report = await sweep();

    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED_TOO, ALLOWED].sort());
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect(report.totals.deletions).toEqual({ failed: 1 });
  });
});

describe('onViolation: delete, checked before anything is touched', () => {
  it('revokes no allowed grant of a snapshot that is not available', async () => {
    // Prepare: a final snapshot, which DeleteClusterSnapshot refuses
    seed('final', [ALLOWED, UNKNOWN], { status: 'final snapshot' });

    // Act
    const report = await sweep();

    // Assess: only the unknown account goes; no delete is attempted
    expect((await describeOwned(local)).get('final')).toEqual([ALLOWED]);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBe(1);
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    const [violation] = ofType(DETAIL_TYPES.violation).map((e) => e.detail);
    expect(violation?.action).toMatchObject({ type: 'delete', status: 'skipped' });
    expect(violation?.reason).toMatch(/status "final snapshot", not available/);
    expect(report.totals.deletions).toEqual({ skipped: 1 });
  });

  it('deletes a snapshot shared with an allowed account once the revoke is confirmed', async () => {
    seed('ancient', [ALLOWED]);

    const report = await sweep();

    expect((await describeOwned(local)).has('ancient')).toBe(false);
    expect(report.totals.deletions).toEqual({ applied: 1 });
    expect(local.calls()['redshift.AuthorizeSnapshotAccess']).toBeUndefined();
    expect(report.compliant).toBe(true);
  });
});

describe('safety limits, each for its own kind of action', () => {
  it('still revokes grants that are not allowed when deletions exceed maxDeletionsPerRun: 0', async () => {
    // Prepare: a too-old snapshot shared with an allowed and an unknown account, and a fresh one
    seed('ancient', [ALLOWED, UNKNOWN]);
    seed('fresh', [UNKNOWN], { createTime: Date.now() - 86_400_000 });

    // Act
    const report = await sweep(deleting('maxRevocationsPerRun: 100\n  maxDeletionsPerRun: 0'));

    // Assess
    const owned = await describeOwned(local);
    expect(owned.get('ancient')).toEqual([ALLOWED]);
    expect(owned.get('fresh')).toEqual([]);
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect(ofType(DETAIL_TYPES.blastRadius).map((e) => e.detail.reason)).toEqual([
      '1 deletions planned; safety.maxDeletionsPerRun allows 0',
    ]);
    expect(report.totals.revocations).toEqual({ applied: 2, skipped: 1 });
  });

  it('revokes nothing, and deletes only unshared snapshots, when revocations exceed their limit', async () => {
    seed('shared-a', [UNKNOWN], { createTime: Date.now() });
    seed('shared-b', ['555566667777'], { createTime: Date.now() });
    seed('old-shared', [ALLOWED]);
    seed('old-alone', []);

    const report = await sweep(deleting('maxRevocationsPerRun: 1\n  maxDeletionsPerRun: 10'));

    const owned = await describeOwned(local);
    expect(owned.get('shared-a')).toEqual([UNKNOWN]);
    expect(owned.get('old-shared')).toEqual([ALLOWED]);
    expect(owned.has('old-alone')).toBe(false);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    expect(ofType(DETAIL_TYPES.blastRadius).map((e) => e.detail.reason)).toEqual([
      '2 revocations planned; safety.maxRevocationsPerRun allows 1',
    ]);
    expect(report.totals.deletions).toEqual({ skipped: 1, applied: 1 });
  });
});

describe('onViolation: delete, when a revoke for it may have landed unseen', () => {
  it('gives the grant back when the first answer to a revoke was lost and the retry found it gone', async () => {
    // Prepare: the first RevokeSnapshotAccess lands but answers too late; the retry says
    // AuthorizationNotFound; the delete is refused
    seed('ancient', [ALLOWED]);
    const rt = await warmRuntime({ maxAttempts: 2, requestTimeoutMs: 500 }, deleting());
    local.faults.configure({
      rules: [
        {
          action: 'redshift.DeleteClusterSnapshot',
          error: { code: 'AccessDenied', status: 403, message: 'denied by an SCP', rate: 1 },
        },
        {
          action: 'redshift.RevokeSnapshotAccess',
          params: { AccountWithRestoreAccess: ALLOWED },
          activeForMs: 300,
          latencyMs: 2_000,
        },
      ],
    });
    local.resetCalls();

    // Act
    const report = await runSweep(rt, { trigger: 'schedule' });

    // Assess: the snapshot stays and the allowed account has its access back
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED]);
    expect(local.calls()['redshift.AuthorizeSnapshotAccess']).toBe(1);
    expect(report.snapshots.flatMap((e) => e.results)).toContainEqual(
      expect.objectContaining({ type: 'delete', outcome: 'failed', restored: [ALLOWED] }),
    );
  });
});

describe('onViolation: delete, and the events the sweep itself causes', () => {
  /** The CloudTrail record of the give-back: AuthorizeSnapshotAccess on our snapshot, to an allowed account. */
  function giveBackEvent(id: string, account: string) {
    const raw = JSON.parse(
      readFileSync(new URL('../fixtures/events/authorize-snapshot-access.json', import.meta.url), 'utf8'),
    );
    raw.detail.requestParameters = {
      snapshotIdentifier: id,
      snapshotClusterIdentifier: CLUSTER,
      accountWithRestoreAccess: account,
    };
    raw.detail.responseElements = null;
    return CloudTrailEventSchema.parse(raw);
  }

  it('never revokes, deletes or gives back from an event, so a give-back cannot start a loop', async () => {
    // Prepare: the sweep's delete is refused and it gives the allowed grant back
    seed('ancient', [ALLOWED]);
    refuseDelete('ancient');
    await sweep();
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED]);
    const rt = await warmRuntime({ maxAttempts: 1 }, deleting());
    local.resetCalls();

    // Act: the give-back's own CloudTrail event reaches the event function, three times
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await runSnapshotEvent(rt, giveBackEvent('ancient', ALLOWED)));

    // Assess: only reads and publishing; the allowed grant stays; the delete is left to the sweep
    const calls = local.calls();
    expect(calls['redshift.RevokeSnapshotAccess']).toBeUndefined();
    expect(calls['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect(calls['redshift.AuthorizeSnapshotAccess']).toBeUndefined();
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED]);
    for (const { report } of results) {
      expect(report.snapshots.flatMap((e) => e.results)).toEqual([
        expect.objectContaining({ type: 'delete', outcome: 'skipped', reason: EVENT_DEFERS_DELETES }),
      ]);
    }
  });

  it('still revokes a grant that is not allowed from an event on a snapshot it leaves to the sweep to delete', async () => {
    // Prepare
    seed('ancient', [ALLOWED, UNKNOWN]);
    const rt = await warmRuntime({ maxAttempts: 1 }, deleting());
    local.resetCalls();

    // Act
    await runSnapshotEvent(rt, giveBackEvent('ancient', UNKNOWN));

    // Assess
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBe(1);
    expect(local.calls()['redshift.DeleteClusterSnapshot']).toBeUndefined();
    expect((await describeOwned(local)).get('ancient')).toEqual([ALLOWED]);
  });
});
