import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type Runtime, runtimeFor } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import {
  ACCOUNT,
  busEvents,
  clients,
  createBus,
  describeOwned,
  eventKey,
  expectEnforced,
  expectFailuresVisible,
  expectLeftoversExplained,
  type Fleet,
  POLICY,
  PRODUCT_VIEW,
  REGION,
  seedFleet,
  UNKNOWN,
  unauthorizedGrants,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const DESCRIBE = 'redshift.DescribeClusterSnapshots';
const REVOKE = 'redshift.RevokeSnapshotAccess';
const PUT_EVENTS = 'events.PutEvents';
/** Three DescribeClusterSnapshots pages. */
const LARGE_FLEET = 250;
/** Two pages, and about 30 unauthorized grants. */
const STORM_FLEET = 120;

const local = useStandIn(PRODUCT_VIEW);

beforeEach(async () => {
  await createBus();
});

const sweep = (rt: Runtime, remainingMs?: () => number): Promise<RunReport> =>
  runSweep(rt, { trigger: 'schedule', ...(remainingMs ? { remainingMs } : {}) });

const calls = (action: string) => local.calls()[action] ?? 0;
const applied = (run: RunReport) => run.totals.revocations.applied ?? 0;
const outcomes = (run: RunReport) => Object.values(run.totals.revocations).reduce((sum, n) => sum + n, 0);

/** A run and the next one, as a schedule runs them; whatever the first leaves undone, its report explains. */
async function sweepTwice(rt: Runtime, fleet: Fleet, beforeSecond?: () => Promise<void> | void) {
  const first = await sweep(rt);
  expectLeftoversExplained(local, fleet, first);
  await beforeSecond?.();
  const second = await sweep(rt);
  return [first, second] as const;
}

describe('sweep under faults', () => {
  it('revokes every unauthorized grant while half the calls are throttled', async () => {
    // Prepare: 50% of every call throttled for a 3 s window (SDK delays scaled down 10x). The
    // pacer slows down while it lasts and grows back slowly after it, so the fleet is small.
    const fleet = seedFleet(local, STORM_FLEET);
    const rt = await warmRuntime({ backoffScale: 10 });
    local.resetCalls();
    const windowMs = 3_000;
    const windowEnds = Date.now() + windowMs;
    local.faults.configure({ seed: 11, rules: [{ throttle: { rate: 0.5 }, activeForMs: windowMs }] });

    // Act: the first sweep inside the window, the next one after it
    const [first, second] = await sweepTwice(rt, fleet, () => sleep(Math.max(0, windowEnds - Date.now())));

    // Assess
    // The storm reached the revokes: some were throttled and retried.
    expect(calls(REVOKE)).toBeGreaterThan(unauthorizedGrants(fleet) + 5);
    expect(applied(first) + applied(second)).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [first, second]);
  });

  it('rides out a burst of HTTP 500 and 503 within its retries', async () => {
    // Prepare
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.resetCalls();
    local.faults.configure({ seed: 3, rules: [{ serverError: { next: 4 } }] });

    // Act
    const run = await sweep(rt);

    // Assess
    expect(run.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) });
    // The four errors land on the first calls: Serverless is listed first in a region.
    expect(calls(DESCRIBE) + calls('redshift-serverless.ListSnapshots')).toBe(6);
    await expectEnforced(local, fleet, [run]);
  });

  it('reports revokes an outage outlasted and takes them up on the next sweep', async () => {
    // Prepare: every revoke fails with 500/503 for 1.5 s, longer than the SDK's retries last
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.faults.configure({ rules: [{ action: REVOKE, serverError: { forMs: 1_500 } }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());

    // Assess
    expect(first.totals.revocations.failed).toBeGreaterThan(0);
    expect(first.compliant).toBe(false);
    const failed = busEvents(local).filter(
      (e) => e.detail.runId === first.runId && e.detailType === DETAIL_TYPES.failed,
    );
    expect(failed.map((e) => e.detail.reason)).toContainEqual(
      expect.stringMatching(/^(InternalFailure|ServiceUnavailable): /),
    );
    expect(applied(first) + applied(second)).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [first, second]);
  });

  it('reports a region it cannot read, changes nothing there, and the next sweep reads it', async () => {
    // Prepare: DescribeClusterSnapshots fails with 500/503 until the outage ends
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.faults.configure({ rules: [{ action: DESCRIBE, serverError: { forMs: 60_000 } }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());

    // Assess
    expect(first.inventoryErrors).toEqual([
      { region: REGION, reason: expect.stringMatching(/^(InternalFailure|ServiceUnavailable): /) },
    ]);
    expect(first.totals.revocations).toEqual({});
    const events = busEvents(local).filter((e) => e.detail.runId === first.runId);
    expect(events.map((e) => e.detailType).sort()).toEqual([
      DETAIL_TYPES.completed,
      DETAIL_TYPES.inventoryFailed,
    ]);
    expect(second.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) });
    await expectEnforced(local, fleet, [first, second]);
  });

  it('recovers from connection resets', async () => {
    // Prepare
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.faults.configure({ seed: 5, rules: [{ reset: { rate: 0.3 } }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());

    // Assess
    expect(applied(first) + applied(second)).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [first, second]);
  });

  it('abandons Redshift calls slower than the request timeout, retries them, and revokes once', async () => {
    // Prepare: each Redshift call takes 0-200 ms; the clients give up after 100 ms
    const fleet = seedFleet(local);
    const rt = await warmRuntime({ requestTimeoutMs: 100 });
    local.faults.configure({ seed: 9, rules: [{ action: 'redshift.*', jitterMs: 200 }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());
    await sleep(200); // the abandoned calls land

    // Assess: a revoke that landed after its attempt was abandoned comes back as already done,
    // announced by no event of its own; every other revoke by exactly one
    const attempts = first.snapshots.flatMap((s) => s.results.map((r) => r.attempts ?? 1));
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    expect(outcomes(first) + outcomes(second)).toBeGreaterThanOrEqual(unauthorizedGrants(fleet));
    const revoked = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.revoked);
    expect(revoked).toHaveLength(applied(first) + applied(second));
    await expectEnforced(local, fleet, [first, second]);
  });

  it('publishes each event at least once when PutEvents calls outlast the timeout, never altered', async () => {
    // Prepare: each PutEvents call takes 0-400 ms; the client gives up after 200 ms, yet the call lands
    const fleet = seedFleet(local);
    const rt = await warmRuntime({ requestTimeoutMs: 200, backoffScale: 10 });
    local.faults.configure({ seed: 4, rules: [{ action: PUT_EVENTS, jitterMs: 400 }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());
    await sleep(400); // the abandoned calls land

    // Assess: events arrive more than once, each copy identical; what never arrived is in the report
    expect(first.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) });
    const events = busEvents(local).filter((e) => e.detail.runId === first.runId);
    const copies = new Set(events.map((e) => JSON.stringify([e.detailType, e.detail])));
    const keys = new Set(events.map(eventKey));
    expect(events.length).toBeGreaterThan(copies.size);
    expect(copies.size).toBe(keys.size);
    const unpublished = first.events.failed.length;
    expect(keys.size).toBeGreaterThanOrEqual(unauthorizedGrants(fleet) + 1 - unpublished);
    expect(keys.size).toBeLessThanOrEqual(unauthorizedGrants(fleet) + 1);
    await expectEnforced(local, fleet, [first, second], { uniqueEvents: false });
  });

  it('skips a snapshot deleted between two pages and reads the rest', async () => {
    // Prepare: right after page 1, the first snapshot page 2 would have returned is deleted
    const fleet = seedFleet(local, LARGE_FLEET);
    const rt = await warmRuntime();
    const before = await describeOwned(local);
    local.resetCalls();
    local.faults.configure({ vanishSnapshot: { afterPage: 1 } });

    // Act
    const run = await sweep(rt);
    const describes = calls(DESCRIBE);

    // Assess: one call per page, no page read twice; the vanished snapshot is simply not there
    const after = await describeOwned(local);
    const gone = [...before.keys()].filter((id) => !after.has(id));
    expect(gone).toHaveLength(1);
    expect(run.snapshots.map((s) => s.snapshot.id)).not.toContain(gone[0]);
    expect(run.totals.snapshots).toBe(before.size + fleet.partner.length - 1);
    expect(run.totals.failures).toBe(0);
    expect(describes).toBe(3);
    const rest = { ...fleet, owned: fleet.owned.filter((s) => s.id !== gone[0]) };
    await expectEnforced(local, rest, [run]);
  });

  it('counts a snapshot deleted after it was read, before its revoke, as already done', async () => {
    // Prepare: nightly-007 (shared with an unknown account) is on page 1, deleted right after it
    const fleet = seedFleet(local, LARGE_FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ vanishSnapshot: { afterPage: 1, snapshotIdentifier: 'nightly-007' } });

    // Act
    const run = await sweep(rt);

    // Assess
    const entry = run.snapshots.find((s) => s.snapshot.id === 'nightly-007');
    expect(entry?.results).toEqual([
      expect.objectContaining({ type: 'revoke', account: UNKNOWN, outcome: 'already-done' }),
    ]);
    expect(entry?.results[0]?.reason).toMatch(/^ClusterSnapshotNotFoundFault: /);
    expect(run.compliant).toBe(true);
    expect(await describeOwned(local)).not.toHaveProperty('nightly-007');
    const rest = { ...fleet, owned: fleet.owned.filter((s) => s.id !== 'nightly-007') };
    await expectEnforced(local, rest, [run]);
  });

  it('counts a grant someone else revoked between describe and revoke as already done', async () => {
    // Prepare
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.faults.configure({ concurrentRevoke: { next: 5 } });

    // Act
    const run = await sweep(rt);

    // Assess
    expect(run.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) - 5, 'already-done': 5 });
    expect(run.totals.failures).toBe(0);
    const revoked = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.revoked);
    expect(revoked).toHaveLength(unauthorizedGrants(fleet) - 5);
    await expectEnforced(local, fleet, [run]);
  });

  it('reports a revoke AWS denies, enforces everything else, and retries it on each sweep', async () => {
    // Prepare: IAM denies revoking anything on nightly-014 (shared with an unknown account)
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    const denied = {
      action: REVOKE,
      params: { SnapshotIdentifier: 'nightly-014' },
      error: { code: 'AccessDenied', status: 403, rate: 1, message: 'not authorized to revoke' },
    };
    local.faults.configure({ rules: [denied] });

    // Act: two sweeps while denied, one after the permission is fixed
    const [first, second] = await sweepTwice(rt, fleet);
    local.faults.clear();
    const third = await sweep(rt);

    // Assess
    for (const run of [first, second]) {
      expect(run.totals.revocations.failed).toBe(1);
      expect(run.compliant).toBe(false);
      const events = busEvents(local).filter((e) => e.detail.runId === run.runId);
      expect(events.find((e) => e.detailType === DETAIL_TYPES.failed)?.detail).toMatchObject({
        snapshot: { identifier: 'nightly-014' },
        action: { type: 'revoke', account: UNKNOWN, status: 'failed', attempts: 1 },
        reason: 'AccessDenied: not authorized to revoke',
      });
      expect(events.find((e) => e.detailType === DETAIL_TYPES.violation)?.detail).toMatchObject({
        snapshot: { identifier: 'nightly-014' },
        action: { status: 'failed' },
      });
    }
    expect(applied(first)).toBe(unauthorizedGrants(fleet) - 1);
    expect(second.totals.revocations).toEqual({ failed: 1 });
    expect(third.totals.revocations).toEqual({ applied: 1 });
    await expectEnforced(local, fleet, [first, second, third]);
  });

  it('publishes every event or lists it as unpublished while PutEvents fails some entries', async () => {
    // Prepare
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.faults.configure({ seed: 21, putEventsFailures: { rate: 0.3 } });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());

    // Assess
    expect(first.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) });
    const onBus = busEvents(local).filter((e) => e.detail.runId === first.runId);
    expect(onBus).toHaveLength(first.events.published);
    expect(first.events.published + first.events.failed.length).toBe(unauthorizedGrants(fleet) + 1);
    expect(first.compliant).toBe(first.events.failed.length === 0);
    expect(second.totals.revocations).toEqual({});
    await expectEnforced(local, fleet, [first, second]);
  });

  it('enforces through an EventBridge outage and lists every event it could not publish', async () => {
    // Prepare: every PutEvents fails until the outage ends, after the run and its retries
    const fleet = seedFleet(local);
    const rt = await warmRuntime({ backoffScale: 10 });
    local.faults.configure({ rules: [{ action: PUT_EVENTS, serverError: { forMs: 60_000 } }] });

    // Act
    const [first, second] = await sweepTwice(rt, fleet, () => local.faults.clear());

    // Assess: the grants are gone, the events are not on the bus, the report says which
    expect(first.totals.revocations).toEqual({ applied: unauthorizedGrants(fleet) });
    expect(first.events.published).toBe(0);
    expect(first.events.failed).toHaveLength(unauthorizedGrants(fleet) + 1);
    expect(first.events.failed[0]?.reason).toMatch(/^(InternalException|ServiceUnavailable): /);
    expect(first.compliant).toBe(false);
    expect(busEvents(local).map((e) => e.detail.runId)).toEqual([second.runId]);
    await expectEnforced(local, fleet, [first, second]);
  });

  it('stops reading when the Lambda runs out of time and the next sweep finishes', async () => {
    // Prepare: the time left drops below the 20 s reserve once two pages are read
    const fleet = seedFleet(local, LARGE_FLEET);
    const rt = await warmRuntime();
    local.resetCalls();
    const remaining = () => (calls(DESCRIBE) >= 2 ? 19_000 : 600_000);

    // Act
    const first = await sweep(rt, remaining);
    expectLeftoversExplained(local, fleet, first);
    const revokesInFirst = calls(REVOKE);
    const second = await sweep(rt, () => 600_000);

    // Assess: nothing changed after time ran out; what was found is reported as not done
    expect(first.truncated).toBe(true);
    // Two pages read; the snapshots of a page's last second wait for the next page to be judged.
    expect(first.totals.snapshots).toBeGreaterThanOrEqual(198);
    expect(first.totals.snapshots).toBeLessThanOrEqual(200);
    expect(revokesInFirst).toBe(0);
    expect(first.totals.revocations).toEqual({ skipped: expect.any(Number) });
    const violations = busEvents(local).filter(
      (e) => e.detail.runId === first.runId && e.detailType === DETAIL_TYPES.violation,
    );
    expect(violations.length).toBeGreaterThan(0);
    expect(violations[0]?.detail.reason).toMatch(/^time ran out/);
    await expectEnforced(local, fleet, [first, second]);
  });

  it('stops enforcing when the Lambda runs out of time and the next sweep finishes', async () => {
    // Prepare: the time left drops below the reserve after the tenth revoke
    const fleet = seedFleet(local);
    const rt = await warmRuntime();
    local.resetCalls();
    const remaining = () => (calls(REVOKE) >= 10 ? 19_000 : 600_000);

    // Act
    const first = await sweep(rt, remaining);
    expectLeftoversExplained(local, fleet, first);
    const second = await sweep(rt);

    // Assess
    expect(first.truncated).toBe(true);
    expect(first.totals.revocations.skipped).toBeGreaterThan(0);
    expect(applied(first) + applied(second)).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [first, second]);
  });

  it('lets a second sweep start while one runs, revoking each grant once', async () => {
    // Prepare: two warm Lambda containers; slow pages so the runs overlap
    const fleet = seedFleet(local, LARGE_FLEET);
    const [a, b] = await Promise.all([warmRuntime(), warmRuntime()]);
    local.faults.configure({ rules: [{ action: DESCRIBE, latencyMs: 30 }] });

    // Act
    const runs = await Promise.all([sweep(a), sleep(45).then(() => sweep(b))]);

    // Assess
    expect(runs.map(applied).reduce((x, y) => x + y)).toBe(unauthorizedGrants(fleet));
    expect(runs.map((r) => r.totals.revocations.failed ?? 0)).toEqual([0, 0]);
    const revoked = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.revoked);
    expect(new Set(revoked.map((e) => `${e.detail.snapshot?.arn} ${e.detail.action?.account}`)).size).toBe(
      unauthorizedGrants(fleet),
    );
    expect(revoked).toHaveLength(unauthorizedGrants(fleet));
    for (const run of runs) expectFailuresVisible(run, busEvents(local));
    expect(runs.every((r) => r.compliant)).toBe(true);
    await expectEnforced(local, fleet, runs);
  });

  it('changes nothing when the account lookup fails on a cold start', async () => {
    // Prepare
    const fleet = seedFleet(local);
    const cold = runtimeFor(parsePolicy(POLICY, 'policy.yml'), clients({ maxAttempts: 2 }));
    local.resetCalls();
    local.faults.configure({ rules: [{ action: 'sts.*', serverError: { forMs: 60_000 } }] });

    // Act
    const error = await sweep(cold).catch((e: Error) => e);

    // Assess: the invocation fails (Lambda retries it) before any Redshift or EventBridge call
    expect(error).toBeInstanceOf(Error);
    expect(Object.keys(local.calls())).toEqual(['sts.GetCallerIdentity']);
    for (const s of fleet.owned) {
      expect(local.store.getSnapshot(ACCOUNT, REGION, s.id)?.grants).toEqual([
        ...s.allowed,
        ...s.unauthorized,
      ]);
    }
    expect(busEvents(local)).toEqual([]);
  });
});
