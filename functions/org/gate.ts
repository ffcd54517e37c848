import { checkSafety } from '../engine/plan.ts';
import type { Policy } from '../policy/schema.ts';
import type { Gate, WorkResult } from './model.ts';

/**
 * The run's blast-radius check, between the two passes: the changes every held account-region
 * planned, added up, against `safety.max*PerRun`, counted as a single account's run counts them.
 * Within the limits, each held account-region is enforced within what it planned (its budget).
 * A limit the run exceeds stops its own kind of change everywhere (`stops`), as it does in one
 * account: more deletions than allowed, and no snapshot is deleted (nor an allowed grant revoked
 * for a delete) while grants the policy does not allow are still revoked; more revocations, and
 * no grant is revoked (nor a snapshot that still has one deleted). Pure.
 *
 * @example
 * gate(policy, results); // { phase: 'enforce', stops: {}, held: [{ account, region, budget }], planned: { revocations: 3, deletions: 0 } }
 */
export function gate(policy: Policy, results: readonly WorkResult[]): Gate {
  const held = results.flatMap((r) =>
    r.status === 'held' && r.planned ? [{ account: r.account, region: r.region, budget: r.planned }] : [],
  );
  const planned = {
    revocations: held.reduce((n, h) => n + h.budget.revocations, 0),
    deletions: held.reduce((n, h) => n + h.budget.deletions, 0),
  };
  const stops = checkSafety(planned, policy);
  const reasons = [stops.revoke, stops.delete].filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return { phase: 'enforce', stops: {}, held, planned };
  const where = `${held.length} account-region${held.length === 1 ? '' : 's'}`;
  const over = (reason: string) => `over the whole organisation run (${where}): ${reason}`;
  return {
    phase: 'blocked',
    reason: over(reasons.join('; ')),
    stops: {
      ...(stops.revoke ? { revoke: over(stops.revoke) } : {}),
      ...(stops.delete ? { delete: over(stops.delete) } : {}),
    },
    held,
    planned,
  };
}
