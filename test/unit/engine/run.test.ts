import { describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../functions/engine/events.ts';
import { DETAIL_TYPES, EventDetailSchema } from '../../../functions/engine/events.ts';
import type { Snapshot } from '../../../functions/engine/model.ts';
import { type RegionPage, type RunPorts, runCompliance } from '../../../functions/engine/run.ts';
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

/** In-memory ports that record every call, with optional scripted failures. */
function fakePorts(
  script: { revoke?: Record<string, string>; remove?: Record<string, string>; publishFails?: boolean } = {},
) {
  const calls = { revoke: [] as string[], remove: [] as string[], publish: [] as number[] };
  const events: ComplianceEvent[] = [];
  const ports: RunPorts = {
    revoke: async (a) => {
      calls.revoke.push(`${a.snapshot.id}:${a.account}`);
      const err = script.revoke?.[a.account];
      if (err === 'AuthorizationNotFoundFault') return { outcome: 'already-done', reason: err };
      return err ? { outcome: 'failed', reason: err } : { outcome: 'applied', attempts: 1 };
    },
    remove: async (a) => {
      calls.remove.push(a.snapshot.id);
      const err = script.remove?.[a.snapshot.id];
      return err ? { outcome: 'failed', reason: err } : { outcome: 'applied' };
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

  it('changes nothing and emits a blast-radius event when revocations exceed the limit', async () => {
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

describe('sweep', () => {
  it('reads every region and reports a region that fails without stopping the others', async () => {
    const { ports, calls, events } = fakePorts();
    const inventory = (region: string) => {
      if (region === 'eu-west-1') {
        return (async function* () {
          yield [] as { snapshot: Snapshot }[];
          throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        })();
      }
      return (async function* () {
        yield [{ snapshot: snapshot({ region, grants: [STRANGER] }) }];
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
