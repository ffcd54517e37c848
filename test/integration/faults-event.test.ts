import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { mapPool } from '../../functions/engine/pool.ts';
import type { RunReport } from '../../functions/engine/run-report.ts';
import { runSnapshotEvent, type SnapshotEventResult } from '../../functions/event-runtime.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type Runtime, runtimeFor } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import {
  ACCOUNT,
  busEvents,
  CLUSTER,
  clients,
  createBus,
  eventKey,
  expectEnforced,
  expectFailuresVisible,
  expectLeftoversExplained,
  type Fleet,
  lambdaContext,
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
/** 30 snapshots, 11 unauthorized grants: one CloudTrail event each. */
const FLEET = 30;
/** Lambda's concurrency for the event function in these tests. */
const CONCURRENCY = 4;

const local = useStandIn(PRODUCT_VIEW);
let workdir: string;

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'faults-event-'));
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await createBus();
});

const template = readFileSync(
  new URL('../fixtures/events/authorize-snapshot-access.json', import.meta.url),
  'utf8',
);

/** The CloudTrail record of someone sharing `id` with `account`, as EventBridge delivers it. */
function authorizeEvent(id: string, account: string, n = 0): CloudTrailEvent {
  const raw = JSON.parse(template);
  raw.id = `6a7e8feb-b491-4cf7-a9f1-${String(n).padStart(12, '0')}`;
  raw.detail.eventID = `9d8c7b6a-5f4e-4d3c-8b2a-${String(n).padStart(12, '0')}`;
  raw.detail.requestParameters = {
    snapshotIdentifier: id,
    snapshotClusterIdentifier: CLUSTER,
    accountWithRestoreAccess: account,
  };
  return CloudTrailEventSchema.parse(raw);
}

/** One event per unauthorized grant in the fleet: what CloudTrail recorded while it was being shared. */
function shareEvents(fleet: Fleet): CloudTrailEvent[] {
  const grants = fleet.owned.flatMap((s) => s.unauthorized.map((account) => ({ id: s.id, account })));
  return grants.map(({ id, account }, n) => authorizeEvent(id, account, n));
}

/** Every event handled by warm Lambda containers, a few at a time. */
async function deliver(rt: Runtime, events: CloudTrailEvent[]): Promise<SnapshotEventResult[]> {
  return mapPool(events, CONCURRENCY, (event) => runSnapshotEvent(rt, event));
}

/** The events' runs, then the next scheduled sweep: the run that takes up whatever the events could not. */
async function eventsThenSweep(rt: Runtime, fleet: Fleet, beforeSweep?: () => Promise<void> | void) {
  const results = await deliver(rt, shareEvents(fleet));
  const reports = results.map((r) => r.report);
  expectLeftoversExplained(local, fleet, reports);
  await beforeSweep?.();
  const sweep = await runSweep(rt, { trigger: 'schedule' });
  return { results, reports, sweep };
}

const applied = (runs: RunReport[]) => runs.reduce((n, r) => n + (r.totals.revocations.applied ?? 0), 0);
const calls = (action: string) => local.calls()[action] ?? 0;

describe('snapshot event under faults', () => {
  it('revokes every unauthorized grant while half the calls are throttled', async () => {
    // Prepare: 50% of every call throttled for a 3 s window (SDK delays scaled down 10x)
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime({ backoffScale: 10 });
    const windowMs = 3_000;
    const windowEnds = Date.now() + windowMs;
    local.faults.configure({ seed: 12, rules: [{ throttle: { rate: 0.5 }, activeForMs: windowMs }] });

    // Act: the events inside the window, the next sweep after it
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () =>
      sleep(Math.max(0, windowEnds - Date.now())),
    );

    // Assess
    const unthrottled = shareEvents(fleet).length + 1 + unauthorizedGrants(fleet);
    expect(calls(DESCRIBE) + calls(REVOKE)).toBeGreaterThan(unthrottled);
    expect(applied([...reports, sweep])).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('rides out a burst of HTTP 500 and 503 within its retries', async () => {
    // Prepare
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ seed: 3, rules: [{ serverError: { next: 4 } }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet);

    // Assess: the events did it all; the sweep finds nothing left
    expect(reports.every((r) => r.compliant)).toBe(true);
    expect(applied(reports)).toBe(unauthorizedGrants(fleet));
    expect(sweep.totals.revocations).toEqual({});
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('reports what an outage outlasted and leaves it to the next sweep', async () => {
    // Prepare: every Redshift call fails with 500/503 for 1.5 s, longer than the SDK's retries last
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ rules: [{ action: 'redshift.*', serverError: { forMs: 1_500 } }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());

    // Assess: an unreadable snapshot is an Inventory Failed event, never a guess from the event's copy
    const unreadable = reports.filter((r) => r.inventoryErrors.length > 0);
    expect(unreadable.length).toBeGreaterThan(0);
    const inventoryFailed = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.inventoryFailed);
    expect(inventoryFailed.map((e) => e.detail.reason)).toContainEqual(
      expect.stringMatching(/^snapshot prod-main\/nightly-\d{3}: (InternalFailure|ServiceUnavailable): /),
    );
    expect(applied([...reports, sweep])).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('recovers from connection resets', async () => {
    // Prepare
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ seed: 5, rules: [{ reset: { rate: 0.3 } }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());

    // Assess
    expect(applied([...reports, sweep])).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('abandons Redshift calls slower than the request timeout, retries them, and revokes once', async () => {
    // Prepare: each Redshift call takes 0-200 ms; the clients give up after 100 ms
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime({ requestTimeoutMs: 100 });
    local.faults.configure({ seed: 9, rules: [{ action: 'redshift.*', jitterMs: 200 }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());
    await sleep(200); // the abandoned calls land

    // Assess
    expect(calls(DESCRIBE)).toBeGreaterThan(shareEvents(fleet).length + 1);
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('publishes each event at least once when PutEvents calls outlast the timeout, never altered', async () => {
    // Prepare: each PutEvents call takes 0-400 ms; the client gives up after 200 ms, yet the call lands
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime({ requestTimeoutMs: 200, backoffScale: 10 });
    local.faults.configure({ seed: 4, rules: [{ action: PUT_EVENTS, jitterMs: 400 }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());
    await sleep(400); // the abandoned calls land

    // Assess
    const events = busEvents(local);
    const copies = new Set(events.map((e) => JSON.stringify([e.detailType, e.detail])));
    expect(events.length).toBeGreaterThan(copies.size);
    expect(copies.size).toBe(new Set(events.map(eventKey)).size);
    await expectEnforced(local, fleet, [...reports, sweep], { uniqueEvents: false });
  });

  it('counts a snapshot deleted between its describe and its revoke as already done', async () => {
    // Prepare: nightly-007 is deleted right after the event's describe returns it
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ vanishSnapshot: { afterPage: 1, snapshotIdentifier: 'nightly-007' } });

    // Act
    const result = await runSnapshotEvent(rt, authorizeEvent('nightly-007', UNKNOWN));

    // Assess
    expect(result.report.totals.revocations).toEqual({ 'already-done': 1 });
    expect(result.report.compliant).toBe(true);
    expect(result.gone).toEqual([]);
    const rest = { ...fleet, owned: fleet.owned.filter((s) => s.id !== 'nightly-007') };
    const sweep = await runSweep(rt, { trigger: 'schedule' });
    await expectEnforced(local, rest, [result.report, sweep]);
  });

  it('counts a grant someone else revoked between describe and revoke as already done', async () => {
    // Prepare
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ concurrentRevoke: { next: 1 } });

    // Act
    const result = await runSnapshotEvent(rt, authorizeEvent('nightly-007', UNKNOWN));

    // Assess: already done, and nothing on the bus claims this run revoked it
    expect(result.report.totals.revocations).toEqual({ 'already-done': 1 });
    expect(result.report.compliant).toBe(true);
    expect(busEvents(local)).toEqual([]);
    const sweep = await runSweep(rt, { trigger: 'schedule' });
    await expectEnforced(local, fleet, [result.report, sweep]);
  });

  it('reports a revoke AWS denies and leaves it to the next sweep once allowed', async () => {
    // Prepare: IAM denies revoking anything on nightly-014
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    const denied = {
      action: REVOKE,
      params: { SnapshotIdentifier: 'nightly-014' },
      error: { code: 'AccessDenied', status: 403, rate: 1, message: 'not authorized to revoke' },
    };
    local.faults.configure({ rules: [denied] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());

    // Assess
    const denial = reports.find((r) => r.totals.revocations.failed);
    expect(denial?.compliant).toBe(false);
    const events = busEvents(local).filter((e) => e.detail.runId === denial?.runId);
    expect(events.map((e) => e.detailType).sort()).toEqual([DETAIL_TYPES.failed, DETAIL_TYPES.violation]);
    expect(events.find((e) => e.detailType === DETAIL_TYPES.failed)?.detail).toMatchObject({
      trigger: 'event',
      snapshot: { identifier: 'nightly-014' },
      action: { type: 'revoke', account: UNKNOWN, status: 'failed', attempts: 1 },
      reason: 'AccessDenied: not authorized to revoke',
    });
    expect(sweep.totals.revocations).toEqual({ applied: 1 });
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('publishes every event or lists it as unpublished while PutEvents fails some entries', async () => {
    // Prepare
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime();
    local.faults.configure({ seed: 21, putEventsFailures: { rate: 0.3 } });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());

    // Assess
    for (const report of reports) {
      const onBus = busEvents(local).filter((e) => e.detail.runId === report.runId);
      expect(onBus).toHaveLength(report.events.published);
    }
    expect(applied(reports)).toBe(unauthorizedGrants(fleet));
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('enforces through an EventBridge outage and lists every event it could not publish', async () => {
    // Prepare: every PutEvents fails until the outage ends, after the events' runs and their retries
    const fleet = seedFleet(local, FLEET);
    const rt = await warmRuntime({ backoffScale: 10 });
    local.faults.configure({ rules: [{ action: PUT_EVENTS, serverError: { forMs: 60_000 } }] });

    // Act
    const { reports, sweep } = await eventsThenSweep(rt, fleet, () => local.faults.clear());

    // Assess
    expect(applied(reports)).toBe(unauthorizedGrants(fleet));
    const failedEvents = reports.flatMap((r) => r.events.failed);
    expect(failedEvents.length).toBeGreaterThan(0);
    expect(new Set(failedEvents.map((f) => f.detailType))).toEqual(new Set([DETAIL_TYPES.revoked]));
    expect(reports.map((r) => r.events.published)).toEqual(reports.map(() => 0));
    for (const r of reports) expect(r.compliant).toBe(r.events.failed.length === 0);
    await expectEnforced(local, fleet, [...reports, sweep]);
  });

  it('leaves the change to the next sweep when the Lambda has no time left', async () => {
    // Prepare: the event function is invoked with 4 s left, under its 5 s reserve
    const fleet = seedFleet(local, FLEET);
    const path = join(workdir, 'policy.yml');
    await writeFile(path, POLICY);
    process.env.POLICY_PATH = path;
    vi.resetModules();
    const { handler } = await import('../../functions/snapshot-event.ts');
    const raw = JSON.parse(JSON.stringify(authorizeEvent('nightly-007', UNKNOWN)));

    // Act
    const summary = await handler(
      raw,
      lambdaContext(() => 4_000),
    );
    const revokes = calls(REVOKE);
    const rt = await warmRuntime();
    const sweep = await runSweep(rt, { trigger: 'schedule' });

    // Assess
    expect(summary).toMatchObject({
      truncated: true,
      compliant: false,
      totals: { revocations: { skipped: 1 } },
    });
    expect(revokes).toBe(0);
    const violation = busEvents(local).find((e) => e.detail.runId === summary.runId);
    expect(violation).toMatchObject({
      detailType: DETAIL_TYPES.violation,
      detail: {
        trigger: 'event',
        snapshot: { identifier: 'nightly-007' },
        reason: expect.stringMatching(/^time ran out/),
      },
    });
    await expectEnforced(local, fleet, [sweep]);
  });

  it('changes nothing when the account lookup fails on a cold start', async () => {
    // Prepare
    const fleet = seedFleet(local, FLEET);
    const cold = runtimeFor(parsePolicy(POLICY, 'policy.yml'), clients({ maxAttempts: 2 }));
    local.resetCalls();
    local.faults.configure({ rules: [{ action: 'sts.*', serverError: { forMs: 60_000 } }] });

    // Act
    const error = await runSnapshotEvent(cold, authorizeEvent('nightly-007', UNKNOWN)).catch((e: Error) => e);

    // Assess: the invocation fails (Lambda retries it) before any Redshift or EventBridge call
    expect(error).toBeInstanceOf(Error);
    expect(Object.keys(local.calls())).toEqual(['sts.GetCallerIdentity']);
    for (const s of fleet.owned) {
      expect(local.store.getSnapshot(ACCOUNT, REGION, s.id)?.grants).toEqual([
        ...s.allowed,
        ...s.unauthorized,
      ]);
    }
  });

  it('lets events and a sweep overlap, and two deliveries of one event, revoking each grant once', async () => {
    // Prepare: slow reads so everything overlaps; every event delivered twice
    const fleet = seedFleet(local, FLEET);
    const [eventsRt, sweepRt] = await Promise.all([warmRuntime(), warmRuntime()]);
    local.faults.configure({ rules: [{ action: DESCRIBE, latencyMs: 20 }] });
    const events = shareEvents(fleet);

    // Act
    const [results, sweep] = await Promise.all([
      deliver(eventsRt, [...events, ...events]),
      sleep(30).then(() => runSweep(sweepRt, { trigger: 'schedule' })),
    ]);

    // Assess
    const runs = [...results.map((r) => r.report), sweep];
    expect(applied(runs)).toBe(unauthorizedGrants(fleet));
    expect(runs.every((r) => r.totals.failures === 0 && r.compliant)).toBe(true);
    const revoked = busEvents(local).filter((e) => e.detailType === DETAIL_TYPES.revoked);
    expect(revoked).toHaveLength(unauthorizedGrants(fleet));
    for (const run of runs) expectFailuresVisible(run, busEvents(local));
    await expectEnforced(local, fleet, runs);
  });
});
