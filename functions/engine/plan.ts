import type { Policy } from '../policy/schema.ts';
import type { Action, Finding, FindingKind, Snapshot } from './model.ts';
import { toRef } from './ref.ts';

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
 * The actions one snapshot's findings call for: one `revoke` per account a finding says to
 * revoke, and for a manual snapshot a finding says to delete, a `revoke` of every other grant
 * followed by the `delete` (Redshift refuses to delete a snapshot that is still shared).
 * Returns no action for a snapshot `context.account` does not own, whatever the findings say.
 * A snapshot needing nothing gets a shared, frozen empty array: copy before pushing.
 *
 * @example
 * plan(snapshot, evaluate(snapshot, policy, now), { account: '123456789012' });
 * // [{ type: 'revoke', account: '999988887777', findings: ['unauthorized-grant'],
 * //    rule: 'sharing.allowedAccounts', snapshot: { id: 'finance-prod-2026-05-01', ... } }]
 */
export function plan(
  snapshot: Snapshot,
  findings: readonly Finding[],
  context: { account: string },
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
  const remove = snapshot.type === 'manual' ? deletion : undefined;
  if (revocations.size === 0 && remove === undefined) return NO_ACTIONS;

  const ref = toRef(snapshot);
  const actions: Action[] = [];
  for (const [account, reason] of revocations) {
    actions.push({ type: 'revoke', snapshot: ref, account, findings: reason.kinds, rule: reason.rule });
  }
  if (remove !== undefined) {
    for (const account of snapshot.grants) {
      if (revocations.has(account)) continue;
      // Marking it keeps a grant listed twice from being revoked twice.
      revocations.set(account, remove);
      actions.push({
        type: 'revoke',
        snapshot: ref,
        account,
        findings: [...remove.kinds],
        rule: remove.rule,
      });
    }
    actions.push({ type: 'delete', snapshot: ref, findings: [...remove.kinds], rule: remove.rule });
  }
  return actions;
}

/**
 * Whether a run may go ahead: planning more revocations or deletions than `safety` allows
 * (strictly more) stops the whole run before anything changes, because a policy typo that
 * revokes a whole fleet must cost an alert, not an outage.
 *
 * @example
 * checkSafety({ revocations: 51, deletions: 0 }, policy);
 * // { ok: false, reasons: ['51 revocations planned; safety.maxRevocationsPerRun allows 50'] }
 */
export function checkSafety(
  counts: { revocations: number; deletions: number },
  policy: Policy,
): { ok: true } | { ok: false; reasons: string[] } {
  const { maxRevocationsPerRun, maxDeletionsPerRun } = policy.safety;
  const reasons: string[] = [];
  if (counts.revocations > maxRevocationsPerRun) {
    reasons.push(
      `${counts.revocations} revocations planned; safety.maxRevocationsPerRun allows ${maxRevocationsPerRun}`,
    );
  }
  if (counts.deletions > maxDeletionsPerRun) {
    reasons.push(
      `${counts.deletions} deletions planned; safety.maxDeletionsPerRun allows ${maxDeletionsPerRun}`,
    );
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}
