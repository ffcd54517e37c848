import { DETAIL_TYPES, type EventDetail } from './compliance-events.ts';
import { evaluate } from './evaluate.ts';
import { actionEvent, complianceEvent, type RunContext, violationEvent } from './event-builders.ts';
import type { Action, ActionResult, Finding, FindingKind, SnapshotRef } from './model.ts';
import { checkSafety, countPlanned, plan, type SafetyStops } from './plan.ts';
import { mapPool } from './pool.ts';
import type { CallResult, Delete, RegionPage, Revoke, RunPorts } from './ports.ts';
import { eventPublisher } from './publisher.ts';
import { toSnapshotRef } from './snapshot-ref.ts';

export type RunOptions = RunContext & {
  /** The region run-level events (completed, blast radius) are published for. */
  homeRegion: string;
  /** Enforcement calls in flight at once. */
  concurrency?: number;
  /** PutEvents calls in flight at once. */
  publishConcurrency?: number;
  /** Time left before the host (Lambda) stops the run; checked before each page and each action. */
  remainingMs?: () => number;
  /** Time kept back for publishing and returning the report. */
  reserveMs?: number;
  /** Publish `Compliance Sweep Completed` (sweeps do; single-snapshot event runs do not). */
  emitCompleted?: boolean;
  /** Called after each page with the snapshots read so far (the CLI's progress line). */
  onProgress?: (snapshotsRead: number) => void;
};

/** A snapshot the run has something to say about (any finding, or owned by another account). */
export type SnapshotEntry = { snapshot: SnapshotRef; findings: Finding[]; results: ActionResult[] };

export type Totals = NonNullable<EventDetail['totals']> & {
  findingsByKind: Partial<Record<FindingKind, number>>;
  unreadable: number;
};

export type RunReport = {
  runId: string;
  trigger: EventDetail['trigger'];
  triggerEventId?: string;
  account: string;
  mode: 'audit' | 'enforce';
  dryRun: boolean;
  startedAt: string;
  totals: Totals;
  snapshots: SnapshotEntry[];
  blastRadius?: { revocations: number; deletions: number; reasons: string[] };
  inventoryErrors: { region: string; identifier?: string; reason: string }[];
  /** True when the host's time ran out: some pages were not read or some actions not attempted. */
  truncated: boolean;
  events: { published: number; failed: { detailType: string; reason: string }[] };
  /** No violation remains, nothing failed, everything was read. */
  compliant: boolean;
};

function countBy(results: ActionResult[], type: Action['type']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) if (r.type === type) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}

/**
 * Runs the flow after inventory: evaluate each snapshot as its page arrives (memory stays at one
 * page plus the snapshots with findings), plan the whole run, check the safety limits, enforce
 * with bounded concurrency, and publish events in batches of ten while it goes.
 */
export async function runCompliance(
  pages: AsyncIterable<RegionPage>,
  options: RunOptions,
  ports: RunPorts,
): Promise<RunReport> {
  const { policy, account, now } = options;
  const reserve = options.reserveMs ?? 0;
  const outOfTime = () => options.remainingMs !== undefined && options.remainingMs() < reserve;
  const publisher = eventPublisher(ports.publish, options.publishConcurrency ?? 4);
  const totals: Totals = {
    snapshots: 0,
    foreign: 0,
    compliant: 0,
    violating: 0,
    findings: 0,
    revocations: {},
    deletions: {},
    failures: 0,
    findingsByKind: {},
    unreadable: 0,
  };
  const entries: SnapshotEntry[] = [];
  const planned: { action: Action; entry: SnapshotEntry }[] = [];
  const inventoryErrors: RunReport['inventoryErrors'] = [];
  let truncated = false;

  for await (const page of pages) {
    if ('error' in page) {
      inventoryErrors.push({ region: page.region, reason: `${page.error.name}: ${page.error.message}` });
      continue;
    }
    for (const item of page.items) {
      if ('error' in item) {
        totals.unreadable++;
        inventoryErrors.push({
          region: page.region,
          identifier: item.identifier,
          reason: `${item.error.name}: ${item.error.message}`,
        });
        continue;
      }
      const snapshot = item.snapshot;
      totals.snapshots++;
      if (snapshot.owner !== account) {
        // Shared with us by its owner: ours to report, never to change.
        totals.foreign++;
        const ref = toSnapshotRef(snapshot);
        const message = `owned by account ${snapshot.owner}; shared with this account, so it is reported, never changed`;
        const finding: Finding = {
          kind: 'foreign-owner',
          severity: 'info',
          snapshot: ref,
          rule: '',
          message,
          remediation: 'none',
        };
        entries.push({ snapshot: ref, findings: [finding], results: [] });
        // Counted like every other finding, so the summary, the JSON and the events agree with the list.
        totals.findings++;
        totals.findingsByKind['foreign-owner'] = (totals.findingsByKind['foreign-owner'] ?? 0) + 1;
        continue;
      }
      const findings = evaluate(snapshot, policy, now);
      if (findings.length === 0) {
        totals.compliant++;
        continue;
      }
      const entry: SnapshotEntry = {
        snapshot: findings[0]?.snapshot ?? toSnapshotRef(snapshot),
        findings,
        results: [],
      };
      entries.push(entry);
      let violating = false;
      for (const f of findings) {
        totals.findings++;
        totals.findingsByKind[f.kind] = (totals.findingsByKind[f.kind] ?? 0) + 1;
        if (f.severity === 'violation') violating = true;
      }
      if (violating) totals.violating++;
      else totals.compliant++;
      for (const action of plan(snapshot, findings, { account })) planned.push({ action, entry });
    }
    options.onProgress?.(totals.snapshots);
    if (outOfTime()) {
      truncated = true;
      break;
    }
  }

  const counts = countPlanned(planned.map((p) => p.action));
  const stops = checkSafety(counts, policy);
  const reasons = [stops.revoke, stops.delete].filter((r): r is string => r !== undefined);
  let blastRadius: RunReport['blastRadius'];
  const record = async (entry: SnapshotEntry, result: ActionResult) => {
    entry.results.push(result);
    const e = actionEvent(options, result, entry.findings);
    if (e) await publisher.push(e);
  };

  if (options.dryRun) {
    const reason =
      policy.mode === 'audit' ? 'audit mode: planned, not applied' : 'dry run: planned, not applied';
    await Promise.all(
      planned.map(({ action, entry }) =>
        record(entry, {
          ...action,
          ...(action.type === 'delete' && action.blocked
            ? { outcome: 'skipped', reason: action.blocked }
            : { outcome: 'dry-run', reason }),
        }),
      ),
    );
  } else {
    if (reasons.length > 0) {
      blastRadius = { ...counts, reasons };
      // One event per limit exceeded: each stops its own kind of action only.
      for (const reason of reasons) {
        await publisher.push(
          complianceEvent(options, DETAIL_TYPES.blastRadius, options.homeRegion, { reason }),
        );
      }
    }
    await enforce(planned, ports, options.concurrency ?? 8, outOfTime, stops, record);
  }

  // A violation event is exactly a violation that outlived the run: it also decides `compliant`.
  let violationsRemain = false;
  for (const entry of entries) {
    const e = violationEvent(options, entry.snapshot, entry.findings, entry.results);
    if (!e) continue;
    violationsRemain = true;
    await publisher.push(e);
  }
  for (const err of inventoryErrors) {
    await publisher.push(
      complianceEvent(options, DETAIL_TYPES.inventoryFailed, err.region, {
        reason: err.identifier ? `snapshot ${err.identifier}: ${err.reason}` : err.reason,
      }),
    );
  }

  const results = entries.flatMap((e) => e.results);
  totals.revocations = countBy(results, 'revoke');
  totals.deletions = countBy(results, 'delete');
  totals.failures = results.filter((r) => r.outcome === 'failed').length + inventoryErrors.length;
  truncated ||= results.some((r) => r.reason?.startsWith('time ran out'));
  const compliant = !violationsRemain && totals.failures === 0 && !truncated;
  if (options.emitCompleted) {
    const summary = compliant ? 'compliant' : 'violations or failures remain';
    await publisher.push(
      complianceEvent(options, DETAIL_TYPES.completed, options.homeRegion, {
        reason: `${totals.snapshots} snapshots checked; ${summary}`,
        totals: {
          snapshots: totals.snapshots,
          foreign: totals.foreign,
          compliant: totals.compliant,
          violating: totals.violating,
          findings: totals.findings,
          revocations: totals.revocations,
          deletions: totals.deletions,
          failures: totals.failures,
        },
      }),
    );
  }
  const published = await publisher.close();
  return {
    runId: options.runId,
    trigger: options.trigger,
    triggerEventId: options.triggerEventId,
    account,
    mode: policy.mode,
    dryRun: options.dryRun,
    startedAt: now.toISOString(),
    totals,
    snapshots: entries,
    blastRadius,
    inventoryErrors,
    truncated,
    events: {
      published: published.published,
      failed: published.failed.map((f) => ({ detailType: f.event.detailType, reason: f.reason })),
    },
    compliant: compliant && published.failed.length === 0,
  };
}

type Planned = { action: Action; entry: SnapshotEntry };
type RecordResult = (entry: SnapshotEntry, result: ActionResult) => Promise<void>;

const TIME_UP = 'time ran out before this action; the next run will take it up';

/** One snapshot's delete with the allowed grants revoked only for it. */
type DeleteStep = { entry: SnapshotEntry; deletion: Delete; forDelete: Revoke[] };

/**
 * Revokes the grants the policy does not allow, all in one pool; then, snapshot by snapshot,
 * each delete: only once every not-allowed grant of its snapshot is gone, its allowed grants are
 * revoked as the step right before it, and given back if the delete fails. Each safety limit
 * stops its own kind of action only; a delete that needs a revoke stops with the revokes.
 */
async function enforce(
  planned: Planned[],
  ports: RunPorts,
  concurrency: number,
  outOfTime: () => boolean,
  stops: SafetyStops,
  record: RecordResult,
): Promise<void> {
  const revokes: { action: Revoke; entry: SnapshotEntry }[] = [];
  const deletes = new Map<SnapshotEntry, DeleteStep>();
  for (const { action, entry } of planned) {
    if (action.type === 'delete') deletes.set(entry, { entry, deletion: action, forDelete: [] });
  }
  for (const { action, entry } of planned) {
    if (action.type !== 'revoke') continue;
    // `plan` gives every delete-purpose revoke its snapshot's delete.
    if (action.purpose === 'delete') deletes.get(entry)?.forDelete.push(action);
    else revokes.push({ action, entry });
  }

  const revokeStop = stops.revoke && `blast radius exceeded: ${stops.revoke}`;
  await mapPool(revokes, concurrency, async ({ action, entry }) => {
    const r: CallResult = revokeStop
      ? { outcome: 'skipped', reason: revokeStop }
      : outOfTime()
        ? { outcome: 'skipped', reason: TIME_UP }
        : await ports.revoke(action);
    await record(entry, { ...action, ...r });
  });
  await mapPool([...deletes.values()], concurrency, async (step) => {
    const why = deleteStop(step, stops, outOfTime);
    if (why === undefined) return deleteSnapshot(step, ports, record);
    for (const a of step.forDelete) await record(step.entry, { ...a, outcome: 'skipped', reason: why });
    await record(step.entry, { ...step.deletion, outcome: 'skipped', reason: why });
  });
}

/** Why a delete must not start, or undefined when it may: checked before anything is touched for it. */
function deleteStop(step: DeleteStep, stops: SafetyStops, outOfTime: () => boolean): string | undefined {
  if (step.deletion.blocked) return step.deletion.blocked;
  if (stops.delete) return `blast radius exceeded: ${stops.delete}`;
  const blocked = step.entry.results.find(
    (r): r is Extract<ActionResult, { type: 'revoke' }> =>
      r.type === 'revoke' && r.outcome !== 'applied' && r.outcome !== 'already-done',
  );
  if (blocked) return `a grant could not be revoked first (${blocked.account}: ${blocked.outcome})`;
  if (stops.revoke && step.forDelete.length > 0) {
    return `blast radius exceeded: ${stops.revoke}; this delete needs its allowed grants revoked first`;
  }
  return outOfTime() ? TIME_UP : undefined;
}

/**
 * Revokes the allowed grants one at a time (stopping at the first that is not confirmed gone),
 * then deletes. If the delete does not happen, every grant revoked for it is given back, and the
 * delete is reported as failed with what failed and what was given back.
 */
async function deleteSnapshot(step: DeleteStep, ports: RunPorts, record: RecordResult): Promise<void> {
  const { entry, deletion, forDelete } = step;
  const revoked: Revoke[] = [];
  let failure: { reason: string; attempts?: number } | undefined;
  for (const [i, action] of forDelete.entries()) {
    const r = await ports.revoke(action);
    await record(entry, { ...action, ...r });
    if (r.outcome === 'applied') revoked.push(action);
    else if (r.outcome !== 'already-done') {
      const reason = `revoking ${action.account} before the delete failed (${r.reason ?? r.outcome})`;
      for (const rest of forDelete.slice(i + 1)) {
        await record(entry, { ...rest, outcome: 'skipped', reason: `not revoked: ${reason}` });
      }
      if (revoked.length === 0) {
        // Nothing was taken for this delete yet: it is simply not attempted.
        const skip = `a grant could not be revoked first (${action.account}: ${r.outcome})`;
        await record(entry, { ...deletion, outcome: 'skipped', reason: skip });
        return;
      }
      failure = { reason };
      break;
    }
  }
  if (!failure) {
    const r = await ports.delete(deletion);
    if (r.outcome === 'applied' || r.outcome === 'already-done' || revoked.length === 0) {
      await record(entry, { ...deletion, ...r });
      return;
    }
    failure = { reason: r.reason ?? r.outcome, attempts: r.attempts };
  }
  const restored: string[] = [];
  const notRestored: string[] = [];
  const notes: string[] = [];
  for (const action of revoked) {
    const r = await ports.restore(action);
    if (r.outcome === 'applied' || r.outcome === 'already-done') restored.push(action.account);
    else {
      notRestored.push(action.account);
      notes.push(`${action.account} (${r.reason ?? r.outcome})`);
    }
  }
  const gaveBack =
    restored.length > 0 ? `; access given back to ${restored.join(', ')} (AuthorizeSnapshotAccess)` : '';
  const kept = notRestored.length > 0 ? `; access could NOT be given back to ${notes.join(', ')}` : '';
  await record(entry, {
    ...deletion,
    outcome: 'failed',
    reason: `the snapshot was not deleted: ${failure.reason}${gaveBack}${kept}`,
    attempts: failure.attempts,
    restored,
    notRestored,
  });
}
