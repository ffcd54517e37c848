import { actionEvent, event, type RunContext, violationEvent } from './detail.ts';
import { evaluate, toRef } from './evaluate.ts';
import { DETAIL_TYPES, type EventDetail } from './events.ts';
import {
  completeRegions,
  type FindingsOutcome,
  type FindingsPort,
  type FindingsScope,
  openFindings,
} from './findings.ts';
import type { Action, ActionResult, Finding, FindingKind, Outcome, Snapshot, SnapshotRef } from './model.ts';
import { checkSafety, plan } from './plan.ts';
import { mapPool } from './pool.ts';
import { eventSink, type PublishPort } from './sink.ts';

/** One page of inventory from one region, or why that region could not be read. */
export type RegionPage =
  | { region: string; items: ({ snapshot: Snapshot } | { error: Error; identifier: string })[] }
  | { region: string; error: Error };

type Revoke = Extract<Action, { type: 'revoke' }>;
type Delete = Extract<Action, { type: 'delete' }>;
type CallResult = { outcome: Outcome; reason?: string; attempts?: number };

/** The only ways the engine reaches AWS. Ports never throw: failures come back as results. */
export type RunPorts = {
  revoke: (action: Revoke) => Promise<CallResult>;
  remove: (action: Delete) => Promise<CallResult>;
  publish: PublishPort;
  /** Where open findings also go (Security Hub), when the policy asks for it. */
  findings?: FindingsPort | undefined;
};

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
  /** Where this run's open findings are the whole truth, so the findings port may close the rest. */
  findingsScope?: FindingsScope;
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
  /** What the findings port (Security Hub) did, when the policy turns it on. */
  securityHub?: FindingsOutcome;
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
  const sink = eventSink(ports.publish, options.publishConcurrency ?? 4);
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
        const ref = toRef(snapshot);
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
        continue;
      }
      const findings = evaluate(snapshot, policy, now);
      if (findings.length === 0) {
        totals.compliant++;
        continue;
      }
      const entry: SnapshotEntry = {
        snapshot: findings[0]?.snapshot ?? toRef(snapshot),
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

  const counts = {
    revocations: planned.filter((p) => p.action.type === 'revoke').length,
    deletions: planned.filter((p) => p.action.type === 'delete').length,
  };
  const safety = checkSafety(counts, policy);
  let blastRadius: RunReport['blastRadius'];
  const record = async (entry: SnapshotEntry, result: ActionResult) => {
    entry.results.push(result);
    const e = actionEvent(options, result, entry.findings);
    if (e) await sink.push(e);
  };
  const skipAll = (reason: string, outcome: Outcome) =>
    Promise.all(planned.map(({ action, entry }) => record(entry, { ...action, outcome, reason })));

  if (options.dryRun) {
    await skipAll(
      policy.mode === 'audit' ? 'audit mode: planned, not applied' : 'dry run: planned, not applied',
      'dry-run',
    );
  } else if (!safety.ok) {
    blastRadius = { ...counts, reasons: safety.reasons };
    await skipAll(`blast radius exceeded: ${safety.reasons.join('; ')}`, 'skipped');
    await sink.push(
      event(options, DETAIL_TYPES.blastRadius, options.homeRegion, { reason: safety.reasons.join('; ') }),
    );
  } else {
    await enforce(planned, ports, options.concurrency ?? 8, outOfTime, record);
  }

  // A violation event is exactly a violation that outlived the run: it also decides `compliant`.
  let violationsRemain = false;
  for (const entry of entries) {
    const e = violationEvent(options, entry.snapshot, entry.findings, entry.results);
    if (!e) continue;
    violationsRemain = true;
    await sink.push(e);
  }
  for (const err of inventoryErrors) {
    await sink.push(
      event(options, DETAIL_TYPES.inventoryFailed, err.region, {
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
    await sink.push(
      event(options, DETAIL_TYPES.completed, options.homeRegion, {
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
  const securityHub = ports.findings
    ? await ports.findings({
        open: openFindings(entries),
        context: options,
        ...findingsScope(options, inventoryErrors, truncated),
      })
    : undefined;
  const published = await sink.close();
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
    ...(securityHub ? { securityHub } : {}),
    compliant: compliant && published.failed.length === 0 && (securityHub?.failed.length ?? 0) === 0,
  };
}

/** The scope the findings port may close findings in: regions read in full, or the snapshots an event read. */
function findingsScope(
  options: RunOptions,
  errors: RunReport['inventoryErrors'],
  truncated: boolean,
): { scope: FindingsScope; notes: string[] } {
  const scope = options.findingsScope ?? { regions: [] };
  if (!('regions' in scope)) return { scope, notes: [] };
  const complete = completeRegions(scope.regions, errors, truncated);
  return { scope: { regions: complete.regions }, notes: complete.notes };
}

/**
 * Revokes first, all in one pool; then deletes, each only once every grant of its snapshot is
 * gone (AWS refuses to delete a shared snapshot, and a half-revoked snapshot must stay put).
 */
async function enforce(
  planned: { action: Action; entry: SnapshotEntry }[],
  ports: RunPorts,
  concurrency: number,
  outOfTime: () => boolean,
  record: (entry: SnapshotEntry, result: ActionResult) => Promise<void>,
): Promise<void> {
  const timeUp = 'time ran out before this action; the next run will take it up';
  await mapPool(
    planned.filter((p) => p.action.type === 'revoke'),
    concurrency,
    async ({ action, entry }) => {
      const a = action as Revoke;
      const r = outOfTime() ? { outcome: 'skipped' as const, reason: timeUp } : await ports.revoke(a);
      await record(entry, { ...a, ...r });
    },
  );
  await mapPool(
    planned.filter((p) => p.action.type === 'delete'),
    concurrency,
    async ({ action, entry }) => {
      const a = action as Delete;
      const blocked = entry.results.find(
        (r): r is Extract<ActionResult, { type: 'revoke' }> =>
          r.type === 'revoke' && r.outcome !== 'applied' && r.outcome !== 'already-done',
      );
      const r: CallResult = blocked
        ? {
            outcome: 'skipped',
            reason: `a grant could not be revoked first (${blocked.account}: ${blocked.outcome})`,
          }
        : outOfTime()
          ? { outcome: 'skipped', reason: timeUp }
          : await ports.remove(a);
      await record(entry, { ...a, ...r });
    },
  );
}
