import { remainingViolations } from './event-builders.ts';
import type { ActionResult, Finding, FindingKind, SnapshotRef } from './model.ts';

/**
 * The findings a run leaves open, one per (snapshot, kind), for a findings service such as AWS
 * Security Hub: what it should show as open now, and where it may close what is no longer open.
 */

/** One open finding: one snapshot, one kind, every account it concerns. */
export type OpenFinding = {
  snapshot: SnapshotRef;
  kind: FindingKind;
  /** The rule of the first finding of this kind (one snapshot's findings of a kind share their rule). */
  rule: string;
  /** The grantees concerned, for sharing findings, in the order found. */
  accounts: string[];
  messages: string[];
  remediation: Finding['remediation'];
  /** What the run did about it: `reported` (report only), or the open action's outcome (`dry-run`, `skipped`, `failed`). */
  status: 'reported' | ActionResult['outcome'];
};

/**
 * Where the run's open findings are the whole truth, so a finding open in the service but not
 * in the run is resolved: every region a sweep read in full, or the snapshots an event run read.
 */
export type FindingsScope = { regions: string[] } | { snapshots: { arn: string; region: string }[] };

/**
 * The violations a snapshot's run leaves open, grouped by kind: one entry per (snapshot, kind).
 *
 * @example
 * openFindings([{ snapshot, findings, results }]);
 * // [{ kind: 'unauthorized-grant', accounts: ['999988887777', '555566667777'], status: 'dry-run', ... }]
 */
export function openFindings(
  entries: readonly { snapshot: SnapshotRef; findings: Finding[]; results: ActionResult[] }[],
): OpenFinding[] {
  const open: OpenFinding[] = [];
  for (const entry of entries) {
    const byKind = new Map<FindingKind, OpenFinding>();
    for (const f of remainingViolations(entry.findings, entry.results)) {
      let group = byKind.get(f.kind);
      if (!group) {
        group = {
          snapshot: entry.snapshot,
          kind: f.kind,
          rule: f.rule,
          accounts: [],
          messages: [],
          remediation: f.remediation,
          status: 'reported',
        };
        byKind.set(f.kind, group);
        open.push(group);
      }
      if (f.account !== undefined && !group.accounts.includes(f.account)) group.accounts.push(f.account);
      group.messages.push(f.message);
      const result = entry.results.find(
        (r) =>
          r.outcome !== 'applied' &&
          r.outcome !== 'already-done' &&
          (r.type === 'delete' ? f.remediation === 'delete' : r.account === f.account),
      );
      if (result && group.status === 'reported') group.status = result.outcome;
    }
  }
  return open;
}

/**
 * The regions where a sweep may close findings: those it read in full. A region with an
 * inventory error, or any region of a run that ran out of time, closes nothing.
 *
 * @example
 * completeRegions(['us-east-1', 'eu-west-1'], [{ region: 'eu-west-1', reason: '...' }], false);
 * // { regions: ['us-east-1'], notes: ['eu-west-1 was read in part: no finding is archived there this run'] }
 */
export function completeRegions(
  regions: readonly string[],
  errors: readonly { region: string }[],
  truncated: boolean,
): { regions: string[]; notes: string[] } {
  const partial = new Set(truncated ? regions : errors.map((e) => e.region));
  const notes = [...partial]
    .filter((r) => regions.includes(r))
    .map((r) => `${r} was read in part: no finding is archived there this run`);
  return { regions: regions.filter((r) => !partial.has(r)), notes };
}
