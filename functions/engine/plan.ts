import type { Policy } from '../policy/schema.ts';
import type { Action, Finding, FindingKind, Snapshot } from './model.ts';
import { toSnapshotRef } from './snapshot-ref.ts';

// Shared by every snapshot that needs nothing done; frozen so a caller pushing onto it fails loudly.
const NO_ACTIONS = Object.freeze([]) as unknown as Action[];

type Reason = { kinds: FindingKind[]; rule: string };

// The first finding names the rule; later ones only add their kinds.
function reasonOf(finding: Finding): Reason {
  return { kinds: [finding.kind], rule: finding.rule };
}

function merge(reason: Reason, finding: Finding): void {
  if (!reason.kinds.includes(finding.kind)) reason.kinds.push(finding.kind);
}

/**
 * Why `snapshot` cannot be deleted, when that is known before anything is touched: Redshift
 * deletes only an `available` snapshot (DeleteClusterSnapshot; Serverless spells it `AVAILABLE`),
 * so revoking allowed grants from one in any other status would take their access for nothing.
 */
function deleteBlocker(snapshot: Snapshot): string | undefined {
  if (snapshot.status.toLowerCase() === 'available') return undefined;
  return `the snapshot is in status "${snapshot.status}", not available: it is deleted only when available, and nothing was touched for the delete`;
}

/**
 * The actions one snapshot's findings call for: one `revoke` (purpose `not-allowed`) per account
 * a finding says to revoke, and for a manual snapshot a finding says to delete, a `revoke`
 * (purpose `delete`) of every other grant followed by the `delete` (Redshift refuses to delete a
 * snapshot that is still shared). Those delete-purpose revokes are the delete's own first steps:
 * the engine makes them right before the delete and gives them back if it fails. A snapshot that
 * is not `available`, or whose deletes `context.deferDeletes` leaves to another run (saying why),
 * gets a `blocked` delete and no delete-purpose revoke at all.
 * Returns no action for a snapshot `context.account` does not own, whatever the findings say.
 * A snapshot needing nothing gets a shared, frozen empty array: copy before pushing.
 *
 * @example
 * plan(snapshot, evaluate(snapshot, policy, now), { account: '123456789012' });
 * // [{ type: 'revoke', account: '999988887777', purpose: 'not-allowed', findings: ['unauthorized-grant'],
 * //    rule: 'sharing.allowedAccounts', snapshot: { id: 'finance-prod-2026-05-01', ... } }]
 */
export function plan(
  snapshot: Snapshot,
  findings: readonly Finding[],
  context: { account: string; deferDeletes?: string },
): Action[] {
  // Checked here as well as upstream: acting on another account's snapshot is never right, and
  // the cost of asking twice is one string comparison.
  if (findings.length === 0 || snapshot.owner !== context.account) return NO_ACTIONS;
  const revocations = new Map<string, Reason>();
  let deletion: Reason | undefined;
  for (const finding of findings) {
    if (finding.remediation === 'revoke' && finding.account !== undefined) {
      const reason = revocations.get(finding.account);
      if (reason === undefined) revocations.set(finding.account, reasonOf(finding));
      else merge(reason, finding);
    } else if (finding.remediation === 'delete') {
      if (deletion === undefined) deletion = reasonOf(finding);
      else merge(deletion, finding);
    }
  }
  // Automated snapshots cannot be deleted through the API; Redshift expires them on its own.
  const deletable = snapshot.type === 'manual' ? deletion : undefined;
  if (revocations.size === 0 && deletable === undefined) return NO_ACTIONS;

  const ref = toSnapshotRef(snapshot);
  const actions: Action[] = [];
  for (const [account, reason] of revocations) {
    actions.push({
      type: 'revoke',
      snapshot: ref,
      account,
      findings: reason.kinds,
      rule: reason.rule,
      purpose: 'not-allowed',
    });
  }
  if (deletable !== undefined) {
    const blocked = context.deferDeletes ?? deleteBlocker(snapshot);
    if (blocked !== undefined) {
      actions.push({
        type: 'delete',
        snapshot: ref,
        findings: [...deletable.kinds],
        rule: deletable.rule,
        blocked,
      });
      return actions;
    }
    for (const account of snapshot.grants) {
      if (revocations.has(account)) continue;
      // Marking it keeps a grant listed twice from being revoked twice.
      revocations.set(account, deletable);
      actions.push({
        type: 'revoke',
        snapshot: ref,
        account,
        findings: [...deletable.kinds],
        rule: deletable.rule,
        purpose: 'delete',
      });
    }
    actions.push({ type: 'delete', snapshot: ref, findings: [...deletable.kinds], rule: deletable.rule });
  }
  return actions;
}

/** The changes a run plans, counted the way the safety limits count them. */
export type PlannedCounts = {
  /** Revokes of grants the policy does not allow (purpose `not-allowed`). */
  revocations: number;
  /** Deletes that can go ahead; each one's delete-purpose revokes count with it, not above. */
  deletions: number;
};

/** Which kinds of change a run must not make, each with the limit that stops it. */
export type SafetyStops = { revoke?: string; delete?: string };

/**
 * Which safety limits a run's plan exceeds (strictly more than allowed), because a policy typo
 * that revokes or deletes across a whole fleet must cost an alert, not an outage. Each limit
 * stops only its own kind of action: too many deletions stop every delete (and the revokes made
 * only for them), while grants the policy does not allow are still revoked; too many
 * revocations stop every revoke, and with them every delete that would need one. A later part of
 * a sweep passes what the earlier parts planned (`earlier`): the limits hold for the whole sweep.
 *
 * @example
 * checkSafety({ revocations: 51, deletions: 0 }, policy);
 * // { revoke: '51 revocations planned; safety.maxRevocationsPerRun allows 50' }
 */
export function checkSafety(
  counts: PlannedCounts,
  policy: Policy,
  earlier: PlannedCounts = { revocations: 0, deletions: 0 },
): SafetyStops {
  const { maxRevocationsPerRun, maxDeletionsPerRun } = policy.safety;
  const stops: SafetyStops = {};
  const planned = (n: number, before: number, what: string) =>
    before > 0
      ? `${n + before} ${what} planned (${before} by earlier parts of this sweep)`
      : `${n} ${what} planned`;
  if (counts.revocations + earlier.revocations > maxRevocationsPerRun) {
    stops.revoke = `${planned(counts.revocations, earlier.revocations, 'revocations')}; safety.maxRevocationsPerRun allows ${maxRevocationsPerRun}`;
  }
  if (counts.deletions + earlier.deletions > maxDeletionsPerRun) {
    stops.delete = `${planned(counts.deletions, earlier.deletions, 'deletions')}; safety.maxDeletionsPerRun allows ${maxDeletionsPerRun}`;
  }
  return stops;
}

/**
 * Counts a plan for `checkSafety`: revokes of grants the policy does not allow, and deletes that
 * are not blocked (a delete's own revokes count with it).
 *
 * @example
 * countPlanned(actions); // { revocations: 3, deletions: 1 }
 */
export function countPlanned(actions: Iterable<Action>): PlannedCounts {
  const counts = { revocations: 0, deletions: 0 };
  for (const a of actions) {
    if (a.type === 'revoke' && a.purpose === 'not-allowed') counts.revocations++;
    else if (a.type === 'delete' && a.blocked === undefined) counts.deletions++;
  }
  return counts;
}
