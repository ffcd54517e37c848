import { checkSafety } from '../engine/plan.ts';
import type { Policy } from '../policy/schema.ts';
import type { Gate, WorkResult } from './model.ts';

/**
 * The run's blast-radius check, between the two passes: the changes every held account-region
 * planned, added up, against `safety.max*PerRun`. Within the limits, each held account-region is
 * enforced within what it planned (its budget); beyond them, nothing changes anywhere and each is
 * reported as blocked. Pure.
 *
 * @example
 * gate(policy, results); // { phase: 'enforce', held: [{ account, region, budget }], planned: { revocations: 3, deletions: 0 } }
 */
export function gate(policy: Policy, results: readonly WorkResult[]): Gate {
  const held = results.flatMap((r) =>
    r.status === 'held' && r.planned ? [{ account: r.account, region: r.region, budget: r.planned }] : [],
  );
  const planned = {
    revocations: held.reduce((n, h) => n + h.budget.revocations, 0),
    deletions: held.reduce((n, h) => n + h.budget.deletions, 0),
  };
  const safety = checkSafety(planned, policy);
  if (safety.ok) return { phase: 'enforce', held, planned };
  const where = `${held.length} account-region${held.length === 1 ? '' : 's'}`;
  return {
    phase: 'blocked',
    reason: `over the whole organisation run (${where}): ${safety.reasons.join('; ')}`,
    held,
    planned,
  };
}
