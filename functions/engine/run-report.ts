import type { EventDetail } from './compliance-events.ts';
import type { SweepPart } from './continuation.ts';
import { remainingViolations } from './event-builders.ts';
import type { Action, ActionResult, Finding, FindingKind, SnapshotRef } from './model.ts';
import type { FindingsOutcome } from './ports.ts';

/** A snapshot the run has something to say about (any finding, or owned by another account). */
export type SnapshotEntry = { snapshot: SnapshotRef; findings: Finding[]; results: ActionResult[] };

export type Totals = NonNullable<EventDetail['totals']> & {
  findingsByKind: Partial<Record<FindingKind, number>>;
  unreadable: number;
};

/**
 * A region, or one snapshot record in it, that could not be read. `cutByTime`: the run's own
 * deadline cut the region's listing short (a sweep's next part reads the rest).
 */
export type InventoryError = { region: string; identifier?: string; reason: string; cutByTime?: true };

/** The limits a run's plan exceeded, with what it planned: each stopped its own kind of action. */
export type BlastRadius = { revocations: number; deletions: number; reasons: string[] };

/** Everything one run found and did: what the Lambda summarizes and the CLI renders. */
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
  blastRadius?: BlastRadius;
  inventoryErrors: InventoryError[];
  /** True when the host's time ran out: some pages were not read or some actions not attempted. */
  truncated: boolean;
  /** A sweep's part in the whole, and what its next part reads when it read not everything. */
  sweep?: SweepPart;
  events: { published: number; failed: { detailType: string; reason: string }[] };
  /** What the findings port (Security Hub) did, when the policy turns it on. */
  securityHub?: FindingsOutcome;
  /** No violation remains, nothing failed, everything was read. */
  compliant: boolean;
};

/** Totals before the first page. */
export function emptyTotals(): Totals {
  return {
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
}

/**
 * Counts one snapshot's findings, by kind; says whether any is a violation.
 *
 * @example
 * countFindings(totals, evaluate(snapshot, policy, now)); // true when the snapshot violates the policy
 */
export function countFindings(totals: Totals, findings: readonly Finding[]): boolean {
  let violating = false;
  for (const f of findings) {
    totals.findings++;
    totals.findingsByKind[f.kind] = (totals.findingsByKind[f.kind] ?? 0) + 1;
    if (f.severity === 'violation') violating = true;
  }
  return violating;
}

function countBy(results: ActionResult[], type: Action['type']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) if (r.type === type) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}

/**
 * Counts what the run's actions came to once they are all done: revocations and deletions by
 * outcome, and failures (failed actions and unreadable inventory alike).
 */
export function countResults(totals: Totals, entries: readonly SnapshotEntry[], unread: number): void {
  const results = entries.flatMap((e) => e.results);
  totals.revocations = countBy(results, 'revoke');
  totals.deletions = countBy(results, 'delete');
  totals.failures = results.filter((r) => r.outcome === 'failed').length + unread;
}

/**
 * Violating snapshots before and after the run: how many were found, how many the run's actions
 * fixed, how many still violate the policy.
 *
 * @example
 * violationCounts(report); // { found: 1, fixed: 1, remaining: 0 } after one grant was revoked
 */
export function violationCounts(report: RunReport): { found: number; fixed: number; remaining: number } {
  const remaining = report.snapshots.filter(
    (e) => remainingViolations(e.findings, e.results).length > 0,
  ).length;
  const found = report.totals.violating;
  return { found, fixed: Math.max(found - remaining, 0), remaining };
}
