import { describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../functions/engine/compliance-events.ts';
import { DETAIL_TYPES, EventDetailSchema } from '../../../functions/engine/compliance-events.ts';
import type { Snapshot } from '../../../functions/engine/model.ts';
import type { RegionPage, RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { type PolicyInput, PolicySchema } from '../../../functions/policy/schema.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const ALLOWED = '111122223333';
const STRANGER = '999988887777';

function policy(overrides: Partial<PolicyInput> = {}) {
  return PolicySchema.parse({
    version: 1,
    mode: 'enforce',
    sharing: { allowedAccounts: [ALLOWED] },
    ...overrides,
  });
}

/** In-memory ports that record every call, in order, with optional scripted failures. */
function fakePorts(
  script: {
    revoke?: Record<string, string>;
    remove?: Record<string, string>;
    restore?: Record<string, string>;
    publishFails?: boolean;
  } = {},
) {
  const calls = {
    revoke: [] as string[],
    remove: [] as string[],
    restore: [] as string[],
    publish: [] as number[],
    log: [] as string[],
  };
  const events: ComplianceEvent[] = [];
  const ports: RunPorts = {
    revoke: async (a) => {
      calls.revoke.push(`${a.snapshot.id}:${a.account}`);
      calls.log.push(`revoke ${a.snapshot.id} ${a.account}`);
      const err = script.revoke?.[a.account];
      if (err === 'AuthorizationNotFoundFault') return { outcome: 'already-done', reason: err };
      if (err === 'AuthorizationNotFoundFault after a retry') {
        return { outcome: 'already-done', reason: err, attempts: 2 };
      }
      // As the adapter says it: AWS refusing the only attempt shows nothing changed.
      if (err?.startsWith('AccessDenied'))
        return { outcome: 'failed', reason: err, attempts: 1, unchanged: true };
      return err ? { outcome: 'failed', reason: err } : { outcome: 'applied', attempts: 1 };
    },
    delete: async (a) => {
      calls.remove.push(a.snapshot.id);
      calls.log.push(`delete ${a.snapshot.id}`);
      const err = script.remove?.[a.snapshot.id];
      return err ? { outcome: 'failed', reason: err, attempts: 1 } : { outcome: 'applied' };
    },
    restore: async (a) => {
      calls.restore.push(`${a.snapshot.id}:${a.account}`);
      calls.log.push(`restore ${a.snapshot.id} ${a.account}`);
      const err = script.restore?.[a.account];
      return err ? { outcome: 'failed', reason: err } : { outcome: 'applied', attempts: 1 };
    },
    publish: async (batch) => {
      calls.publish.push(batch.length);
      if (script.publishFails)
        return { published: 0, failed: batch.map((event) => ({ event, reason: 'InternalFailure' })) };
      events.push(...batch);
      return { published: batch.length, failed: [] };
    },
  };
  return { ports, calls, events };
}

async function* pagesOf(snapshots: Snapshot[], region = 'us-east-1'): AsyncGenerator<RegionPage> {
  for (let i = 0; i < snapshots.length; i += 100) {
    yield { region, items: snapshots.slice(i, i + 100).map((s) => ({ snapshot: s })) };
  }
}

function options(p = policy(), extra: Record<string, unknown> = {}) {
  return {
    runId: 'run-1',
    trigger: 'schedule' as const,
    account: OWNER,
    policy: p,
    dryRun: p.mode === 'audit',
    now: NOW,
    homeRegion: 'us-east-1',
    emitCompleted: true,
    ...extra,
  };
}

describe('runCompliance', () => {
  it('revokes an account that is not on the allowlist and keeps the allowed one', async () => {
    const { ports, calls, events } = fakePorts();
    const report = await runCompliance(
      pagesOf([snapshot({ grants: [ALLOWED, STRANGER] })]),
      options(),
      ports,
    );
    expect(calls.revoke).toEqual([`finance-prod-manual-1:${STRANGER}`]);
    expect(report.totals.revocations).toEqual({ applied: 1 });
    expect(report.compliant).toBe(true);
    expect(events.map((e) => e.detailType)).toEqual([DETAIL_TYPES.revoked, DETAIL_TYPES.completed]);
  });

  it('publishes events that match the documented schema', async () => {
    const { ports, events } = fakePorts();
    await runCompliance(
      pagesOf([snapshot({ grants: [STRANGER] }), snapshot({ id: 'old', retentionDays: -1 })]),
      options(policy({ retention: { manual: { maxRetentionDays: 35 } } })),
      ports,
    );
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(() => EventDetailSchema.parse(e.detail)).not.toThrow();
  });

  it('changes nothing in audit mode and reports the violation as a dry run', async () => {
    const { ports, calls, events } = fakePorts();
    const report = await runCompliance(
      pagesOf([snapshot({ grants: [STRANGER] })]),
      options(policy({ mode: 'audit' })),
      ports,
    );
    expect(calls.revoke).toEqual([]);
    expect(report.compliant).toBe(false);
    const violation = events.find((e) => e.detailType === DETAIL_TYPES.violation);
    expect(violation?.detail.action).toMatchObject({ type: 'revoke', account: STRANGER, status: 'dry-run' });
  });

  it('revokes nothing and emits a blast-radius event when revocations exceed the limit', async () => {
    const { ports, calls, events } = fakePorts();
    const fleet = Array.from({ length: 3 }, (_, i) => snapshot({ id: `s${i}`, grants: [STRANGER] }));
    const report = await runCompliance(
      pagesOf(fleet),
      options(policy({ safety: { maxRevocationsPerRun: 2 } })),
      ports,
    );
    expect(calls.revoke).toEqual([]);
    expect(report.blastRadius).toMatchObject({ revocations: 3, deletions: 0 });
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.blastRadius)).toHaveLength(1);
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.violation)).toHaveLength(3);
    expect(report.compliant).toBe(false);
  });

  it('enforces exactly at the limit', async () => {
    const { ports, calls } = fakePorts();
    const fleet = Array.from({ length: 2 }, (_, i) => snapshot({ id: `s${i}`, grants: [STRANGER] }));
    await runCompliance(pagesOf(fleet), options(policy({ safety: { maxRevocationsPerRun: 2 } })), ports);
    expect(calls.revoke).toHaveLength(2);
  });

  it('revokes every grant before deleting a snapshot the policy says to delete', async () => {
    const { ports, calls, events } = fakePorts();
    const old = snapshot({ id: 'ancient', grants: [ALLOWED], createdAt: new Date('2020-01-01T00:00:00Z') });
    const p = policy({ retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } } });
    const report = await runCompliance(pagesOf([old]), options(p), ports);
    expect(calls.revoke).toEqual([`ancient:${ALLOWED}`]);
    expect(calls.remove).toEqual(['ancient']);
    expect(report.totals.deletions).toEqual({ applied: 1 });
    expect(events.map((e) => e.detailType)).toContain(DETAIL_TYPES.deleted);
  });

  it('does not delete a snapshot whose grant could not be revoked', async () => {
    const { ports, calls } = fakePorts({ revoke: { [ALLOWED]: 'AccessDenied: nope' } });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED], createdAt: new Date('2020-01-01T00:00:00Z') });
    const p = policy({ retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } } });
    const report = await runCompliance(pagesOf([old]), options(p), ports);
    expect(calls.remove).toEqual([]);
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    expect(report.totals.failures).toBe(1);
  });

  it('treats a grant someone else already revoked as done, not failed', async () => {
    const { ports, events } = fakePorts({ revoke: { [STRANGER]: 'AuthorizationNotFoundFault' } });
    const report = await runCompliance(pagesOf([snapshot({ grants: [STRANGER] })]), options(), ports);
    expect(report.totals.revocations).toEqual({ 'already-done': 1 });
    expect(report.compliant).toBe(true);
    expect(events.map((e) => e.detailType)).toEqual([DETAIL_TYPES.completed]);
  });

  it('carries on after a failed revoke and reports it as an event', async () => {
    const { ports, calls, events } = fakePorts({ revoke: { '444455556666': 'AccessDenied: no' } });
    const fleet = [
      snapshot({ id: 'a', grants: ['444455556666'] }),
      snapshot({ id: 'b', grants: [STRANGER] }),
    ];
    const report = await runCompliance(pagesOf(fleet), options(), ports);
    expect(calls.revoke).toHaveLength(2);
    expect(report.totals.revocations).toEqual({ failed: 1, applied: 1 });
    expect(events.filter((e) => e.detailType === DETAIL_TYPES.failed)).toHaveLength(1);
    expect(report.compliant).toBe(false);
  });

  it('never touches a snapshot another account owns', async () => {
    const { ports, calls } = fakePorts();
    const foreign = snapshot({ owner: '222233334444', grants: [STRANGER] });
    const report = await runCompliance(pagesOf([foreign]), options(), ports);
    expect(calls.revoke).toEqual([]);
    expect(report.totals.foreign).toBe(1);
    expect(report.snapshots[0]?.findings[0]?.kind).toBe('foreign-owner');
  });

  it('publishes ten events a call', async () => {
    const { ports, calls } = fakePorts();
    const fleet = Array.from({ length: 25 }, (_, i) => snapshot({ id: `s${i}`, grants: [STRANGER] }));
    await runCompliance(pagesOf(fleet), options(policy({ safety: { maxRevocationsPerRun: 100 } })), ports);
    // 25 revoked + 1 completed = 26 events → 3 calls.
    expect(calls.publish.reduce((a, b) => a + b, 0)).toBe(26);
    expect(calls.publish).toHaveLength(3);
  });

  it('counts events that could not be published and is not compliant', async () => {
    const { ports } = fakePorts({ publishFails: true });
    const report = await runCompliance(pagesOf([snapshot({ grants: [STRANGER] })]), options(), ports);
    expect(report.events.failed.length).toBe(2);
    expect(report.compliant).toBe(false);
  });

  it('skips actions once the time left drops below the reserve', async () => {
    const { ports, calls } = fakePorts();
    const report = await runCompliance(
      pagesOf([snapshot({ grants: [STRANGER] })]),
      options(policy(), { remainingMs: () => 1_000, reserveMs: 5_000 }),
      ports,
    );
    expect(calls.revoke).toEqual([]);
    expect(report.truncated).toBe(true);
    expect(report.compliant).toBe(false);
  });
});

const ALLOWED_TOO = '444455556666';
const OLD = new Date('2020-01-01T00:00:00Z');
const deleting = (extra: Partial<PolicyInput> = {}) =>
  policy({
    sharing: { allowedAccounts: [ALLOWED, ALLOWED_TOO] },
    retention: { manual: { maxAgeDays: 400, onViolation: 'delete' } },
    ...extra,
  });
const ofType = (events: ComplianceEvent[], type: string) => events.filter((e) => e.detailType === type);

describe('runCompliance: deleting a snapshot shared with an allowed account', () => {
  it('revokes the allowed grant only as the step right before the delete', async () => {
    // Prepare
    const { ports, calls, events } = fakePorts();
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, STRANGER], createdAt: OLD });
    const fresh = snapshot({ id: 'fresh', grants: [STRANGER] });

    // Act
    const report = await runCompliance(pagesOf([old, fresh]), options(deleting()), ports);

    // Assess
    expect(calls.log).toEqual([
      `revoke ancient ${STRANGER}`,
      `revoke fresh ${STRANGER}`,
      `revoke ancient ${ALLOWED}`,
      'delete ancient',
    ]);
    expect(report.compliant).toBe(true);
    const revoked = ofType(events, DETAIL_TYPES.revoked).map((e) => e.detail);
    expect(revoked.map((d) => [d.snapshot?.identifier, d.action?.account, d.action?.purpose])).toEqual([
      ['ancient', STRANGER, 'not-allowed'],
      ['fresh', STRANGER, 'not-allowed'],
      ['ancient', ALLOWED, 'delete'],
    ]);
    const forDelete = revoked.find((d) => d.action?.purpose === 'delete');
    expect(forDelete?.reason).toMatch(/^revoked to delete: account 111122223333 may restore this snapshot/);
    expect(forDelete?.reason).not.toMatch(/not allowed/);
    expect(forDelete?.findings?.map((f) => f.kind)).toEqual(['too-old']);
    for (const e of events) expect(() => EventDetailSchema.parse(e.detail)).not.toThrow();
  });

  it('gives the allowed grants back when the delete fails, and says what failed and what was given back', async () => {
    // Prepare
    const { ports, calls, events } = fakePorts({
      remove: { ancient: 'InvalidClusterSnapshotStateFault: in use' },
    });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, ALLOWED_TOO, STRANGER], createdAt: OLD });

    // Act
    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    // Assess
    expect(calls.log).toEqual([
      `revoke ancient ${STRANGER}`,
      `revoke ancient ${ALLOWED}`,
      `revoke ancient ${ALLOWED_TOO}`,
      'delete ancient',
      `restore ancient ${ALLOWED}`,
      `restore ancient ${ALLOWED_TOO}`,
    ]);
    const [failed] = ofType(events, DETAIL_TYPES.failed).map((e) => e.detail);
    expect(failed?.action).toMatchObject({
      type: 'delete',
      status: 'failed',
      restored: [ALLOWED, ALLOWED_TOO],
      notRestored: [],
    });
    expect(failed?.reason).toBe(
      'the snapshot was not deleted: InvalidClusterSnapshotStateFault: in use; ' +
        `access given back to ${ALLOWED}, ${ALLOWED_TOO} (AuthorizeSnapshotAccess)`,
    );
    expect(report.totals.deletions).toEqual({ failed: 1 });
    expect(report.compliant).toBe(false);
    expect(ofType(events, DETAIL_TYPES.violation)).toHaveLength(1);
  });

  it('says which grants could not be given back', async () => {
    const { ports, events } = fakePorts({
      remove: { ancient: 'AccessDenied: scp' },
      restore: { [ALLOWED_TOO]: 'AccessDenied: no authorize' },
    });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, ALLOWED_TOO], createdAt: OLD });

    await runCompliance(pagesOf([old]), options(deleting()), ports);

    const [failed] = ofType(events, DETAIL_TYPES.failed).map((e) => e.detail);
    expect(failed?.action).toMatchObject({ restored: [ALLOWED], notRestored: [ALLOWED_TOO] });
    expect(failed?.reason).toBe(
      `the snapshot was not deleted: AccessDenied: scp; access given back to ${ALLOWED} (AuthorizeSnapshotAccess); ` +
        `access could NOT be given back to ${ALLOWED_TOO} (AccessDenied: no authorize)`,
    );
  });

  it('gives back the grants already revoked when a later revoke for the delete fails, and does not delete', async () => {
    const { ports, calls, events } = fakePorts({
      revoke: { [ALLOWED_TOO]: 'ThrottlingException: slow down' },
    });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, ALLOWED_TOO], createdAt: OLD });

    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    // A throttled revoke may have landed on an earlier attempt: it is given back too.
    expect(calls.log).toEqual([
      `revoke ancient ${ALLOWED}`,
      `revoke ancient ${ALLOWED_TOO}`,
      `restore ancient ${ALLOWED}`,
      `restore ancient ${ALLOWED_TOO}`,
    ]);
    const failed = ofType(events, DETAIL_TYPES.failed).map((e) => e.detail.action);
    expect(failed).toEqual([
      expect.objectContaining({ type: 'revoke', account: ALLOWED_TOO, purpose: 'delete', status: 'failed' }),
      expect.objectContaining({ type: 'delete', status: 'failed', restored: [ALLOWED, ALLOWED_TOO] }),
    ]);
    expect(report.totals.deletions).toEqual({ failed: 1 });
  });

  it('gives back a grant whose revoke for the delete timed out, since it may have landed', async () => {
    const { ports, calls, events } = fakePorts({ revoke: { [ALLOWED]: 'TimeoutError: socket timed out' } });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED], createdAt: OLD });

    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.log).toEqual([`revoke ancient ${ALLOWED}`, `restore ancient ${ALLOWED}`]);
    const failed = ofType(events, DETAIL_TYPES.failed).map((e) => e.detail.action);
    expect(failed).toContainEqual(expect.objectContaining({ type: 'delete', restored: [ALLOWED] }));
    expect(report.totals.deletions).toEqual({ failed: 1 });
  });

  it('gives back a grant a retry found already revoked when the delete then fails', async () => {
    const { ports, calls } = fakePorts({
      revoke: { [ALLOWED]: 'AuthorizationNotFoundFault after a retry' },
      remove: { ancient: 'AccessDenied: scp' },
    });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED], createdAt: OLD });

    await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.log).toEqual([`revoke ancient ${ALLOWED}`, 'delete ancient', `restore ancient ${ALLOWED}`]);
  });

  it('gives nothing back for a grant AWS refused to revoke, and does not delete', async () => {
    const { ports, calls } = fakePorts({ revoke: { [ALLOWED]: 'AccessDenied: not yours' } });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED], createdAt: OLD });

    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.log).toEqual([`revoke ancient ${ALLOWED}`]);
    expect(report.totals.deletions).toEqual({ skipped: 1 });
  });

  it('does not delete, nor touch an allowed grant, while a grant that is not allowed stays', async () => {
    const { ports, calls } = fakePorts({ revoke: { [STRANGER]: 'AccessDenied: nope' } });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, STRANGER], createdAt: OLD });

    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.log).toEqual([`revoke ancient ${STRANGER}`]);
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    expect(report.totals.revocations).toEqual({ failed: 1, skipped: 1 });
  });

  it('gives back only what it revoked: a grant someone else removed meanwhile stays removed', async () => {
    const { ports, calls } = fakePorts({
      revoke: { [ALLOWED]: 'AuthorizationNotFoundFault' },
      remove: { ancient: 'AccessDenied: scp' },
    });
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, ALLOWED_TOO], createdAt: OLD });

    await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.restore).toEqual([`ancient:${ALLOWED_TOO}`]);
  });

  it('touches nothing for the delete of a snapshot that is not available', async () => {
    const { ports, calls, events } = fakePorts();
    const old = snapshot({
      id: 'ancient',
      status: 'final snapshot',
      grants: [ALLOWED, STRANGER],
      createdAt: OLD,
    });

    const report = await runCompliance(pagesOf([old]), options(deleting()), ports);

    expect(calls.log).toEqual([`revoke ancient ${STRANGER}`]);
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    const violation = ofType(events, DETAIL_TYPES.violation)[0]?.detail;
    expect(violation?.action).toMatchObject({ type: 'delete', status: 'skipped' });
    expect(violation?.reason).toMatch(/status "final snapshot", not available/);
  });
});

describe('runCompliance: each safety limit stops only its own kind of action', () => {
  it('still revokes grants that are not allowed when deletions exceed their limit', async () => {
    // Prepare: the delete limit is 0; one too-old snapshot shared with an allowed account and a stranger
    const { ports, calls, events } = fakePorts();
    const old = snapshot({ id: 'ancient', grants: [ALLOWED, STRANGER], createdAt: OLD });
    const fresh = snapshot({ id: 'fresh', grants: [STRANGER] });
    const p = deleting({ safety: { maxRevocationsPerRun: 50, maxDeletionsPerRun: 0 } });

    // Act
    const report = await runCompliance(pagesOf([old, fresh]), options(p), ports);

    // Assess
    expect(calls.log).toEqual([`revoke ancient ${STRANGER}`, `revoke fresh ${STRANGER}`]);
    expect(report.blastRadius).toEqual({
      revocations: 2,
      deletions: 1,
      reasons: ['1 deletions planned; safety.maxDeletionsPerRun allows 0'],
    });
    const blast = ofType(events, DETAIL_TYPES.blastRadius).map((e) => e.detail.reason);
    expect(blast).toEqual(['1 deletions planned; safety.maxDeletionsPerRun allows 0']);
    expect(report.totals.revocations).toEqual({ applied: 2, skipped: 1 });
    expect(report.totals.deletions).toEqual({ skipped: 1 });
    const kept = report.snapshots[0]?.results.find((r) => r.type === 'revoke' && r.account === ALLOWED);
    expect(kept).toMatchObject({ outcome: 'skipped', purpose: 'delete' });
    expect(kept?.reason).toMatch(/^blast radius exceeded: 1 deletions planned/);
  });

  it('stops every revoke, and each delete that needs one, when revocations exceed their limit', async () => {
    // Prepare: two grants not allowed against a limit of one; two too-old snapshots, one shared
    const { ports, calls, events } = fakePorts();
    const fleet = [
      snapshot({ id: 'a', grants: [STRANGER] }),
      snapshot({ id: 'b', grants: ['555566667777'] }),
      snapshot({ id: 'old-shared', grants: [ALLOWED], createdAt: OLD }),
      snapshot({ id: 'old-alone', grants: [], createdAt: OLD }),
    ];
    const p = deleting({ safety: { maxRevocationsPerRun: 1, maxDeletionsPerRun: 5 } });

    // Act
    const report = await runCompliance(pagesOf(fleet), options(p), ports);

    // Assess
    expect(calls.log).toEqual(['delete old-alone']);
    expect(ofType(events, DETAIL_TYPES.blastRadius).map((e) => e.detail.reason)).toEqual([
      '2 revocations planned; safety.maxRevocationsPerRun allows 1',
    ]);
    const shared = report.snapshots.find((s) => s.snapshot.id === 'old-shared');
    expect(shared?.results.find((r) => r.type === 'delete')?.reason).toBe(
      'blast radius exceeded: 2 revocations planned; safety.maxRevocationsPerRun allows 1; this delete needs its allowed grants revoked first',
    );
    expect(report.totals.deletions).toEqual({ skipped: 1, applied: 1 });
  });

  it('emits one blast-radius event per limit exceeded', async () => {
    const { ports, calls, events } = fakePorts();
    const fleet = [
      snapshot({ id: 'a', grants: [STRANGER] }),
      snapshot({ id: 'old', grants: [], createdAt: OLD }),
    ];
    const p = deleting({ safety: { maxRevocationsPerRun: 0, maxDeletionsPerRun: 0 } });

    const report = await runCompliance(pagesOf(fleet), options(p), ports);

    expect(calls.log).toEqual([]);
    expect(ofType(events, DETAIL_TYPES.blastRadius)).toHaveLength(2);
    expect(report.blastRadius?.reasons).toHaveLength(2);
  });
});

describe('sweep', () => {
  it('reads every region and reports a region that fails without stopping the others', async () => {
    const { ports, calls, events } = fakePorts();
    const inventory = (region: string) => {
      if (region === 'eu-west-1') {
        return (async function* () {
          yield { items: [] as { snapshot: Snapshot }[], left: { provisioned: [{}], serverless: [{}] } };
          throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        })();
      }
      return (async function* () {
        yield {
          items: [{ snapshot: snapshot({ region, grants: [STRANGER] }) }],
          left: { provisioned: [], serverless: [] },
        };
      })();
    };
    const report = await sweep(
      { ...options(), regions: ['us-east-1', 'eu-west-1'] },
      { ...ports, inventory },
    );
    expect(calls.revoke).toHaveLength(1);
    expect(report.inventoryErrors).toEqual([{ region: 'eu-west-1', reason: 'Throttling: Rate exceeded' }]);
    expect(events.map((e) => e.detailType)).toContain(DETAIL_TYPES.inventoryFailed);
    expect(report.compliant).toBe(false);
  });
});
