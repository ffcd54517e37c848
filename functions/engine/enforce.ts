import type { Policy } from '../policy/schema.ts';
import type { Planned } from './consume.ts';
import type { ActionResult } from './model.ts';
import type { SafetyStops } from './plan.ts';
import { mapPool } from './pool.ts';
import type { CallResult, Delete, Revoke, RunPorts } from './ports.ts';
import type { SnapshotEntry } from './run-report.ts';

/** Records one action's result on its snapshot's entry, and publishes the event it deserves. */
export type RecordResult = (entry: SnapshotEntry, result: ActionResult) => Promise<void>;

/** Why an action was not attempted when the host's time ran out; the run's report looks for it. */
export const TIME_UP = 'time ran out before this action; the next run will take it up';

export type EnforceOptions = {
  /** Enforcement calls in flight at once. */
  concurrency: number;
  /** Whether the host's time is up: checked before each action. */
  outOfTime: () => boolean;
  /** The safety limits the plan exceeded, each stopping its own kind of action. */
  stops: SafetyStops;
};

/** One snapshot's delete, with the allowed grants revoked only for it. */
type DeleteStep = { entry: SnapshotEntry; deletion: Delete; forDelete: Revoke[] };

/**
 * Records every planned action without sending it: a dry run (or audit mode), or `skipped` for a
 * delete already known to be blocked.
 */
export async function recordDryRun(planned: Planned[], policy: Policy, record: RecordResult): Promise<void> {
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
}

/** The plan in the order it is carried out: the not-allowed revokes, then each delete with its own revokes. */
function enforcementOrder(planned: Planned[]): {
  revokes: { action: Revoke; entry: SnapshotEntry }[];
  deletes: DeleteStep[];
} {
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
  return { revokes, deletes: [...deletes.values()] };
}

/**
 * Revokes the grants the policy does not allow, all in one pool; then, snapshot by snapshot,
 * each delete: only once every not-allowed grant of its snapshot is gone, its allowed grants are
 * revoked as the step right before it, and given back if the delete fails. Each safety limit
 * stops its own kind of action only; a delete that needs a revoke stops with the revokes.
 *
 * @example
 * await enforce(consumed.planned, ports, { concurrency: 8, outOfTime: () => false, stops: {} }, record);
 */
export async function enforce(
  planned: Planned[],
  ports: RunPorts,
  options: EnforceOptions,
  record: RecordResult,
): Promise<void> {
  const { revokes, deletes } = enforcementOrder(planned);
  const { stops, outOfTime } = options;
  const revokeStop = stops.revoke && `blast radius exceeded: ${stops.revoke}`;
  await mapPool(revokes, options.concurrency, async ({ action, entry }) => {
    const r: CallResult = revokeStop
      ? { outcome: 'skipped', reason: revokeStop }
      : outOfTime()
        ? { outcome: 'skipped', reason: TIME_UP }
        : await ports.revoke(action);
    await record(entry, { ...action, ...r });
  });
  await mapPool(deletes, options.concurrency, async (step) => {
    const why = whyNotDelete(step, stops, outOfTime);
    if (why === undefined) return deleteSnapshot(step, ports, record);
    for (const a of step.forDelete) await record(step.entry, { ...a, outcome: 'skipped', reason: why });
    await record(step.entry, { ...step.deletion, outcome: 'skipped', reason: why });
  });
}

/** Why a delete must not start, or undefined when it may: checked before anything is touched for it. */
function whyNotDelete(step: DeleteStep, stops: SafetyStops, outOfTime: () => boolean): string | undefined {
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
 * Deletes one snapshot after revoking its allowed grants (see `revokeForDelete`). If the delete
 * does not happen, every grant revoked for it is given back, and the delete is reported as failed
 * with what failed and what was given back.
 */
async function deleteSnapshot(step: DeleteStep, ports: RunPorts, record: RecordResult): Promise<void> {
  const { entry, deletion } = step;
  const first = await revokeForDelete(step, ports, record);
  if (first.notAttempted !== undefined && first.taken.length === 0) {
    await record(entry, { ...deletion, outcome: 'skipped', reason: first.notAttempted });
    return;
  }
  let failure =
    first.failure ?? (first.notAttempted === undefined ? undefined : { reason: first.notAttempted });
  if (!failure) {
    const r = await ports.delete(deletion);
    if (r.outcome === 'applied' || r.outcome === 'already-done' || first.taken.length === 0) {
      await record(entry, { ...deletion, ...r });
      return;
    }
    failure = { reason: r.reason ?? r.outcome, attempts: r.attempts };
  }
  await record(entry, await giveBack(deletion, failure, first.taken, ports));
}

/** What revoking a delete's allowed grants came to. */
type RevokedForDelete = {
  /** The grants that may have been taken, to give back if the delete does not happen. */
  taken: Revoke[];
  /** A revoke failed after others were made: the delete is failed, and they are given back. */
  failure?: { reason: string; attempts?: number };
  /** The first revoke failed: the delete is not attempted (what it may have taken is given back). */
  notAttempted?: string;
};

/**
 * Whether a revoke may have taken the account's access, whatever its answer said: applied; failed
 * without AWS showing nothing changed (a time-out or a lost answer can follow a revoke that
 * landed); or already done after a retry (the first attempt landed, the second found nothing).
 */
function mayHaveTaken(r: CallResult): boolean {
  if (r.outcome === 'applied') return true;
  if (r.outcome === 'failed') return r.unchanged !== true;
  return r.outcome === 'already-done' && (r.attempts ?? 1) > 1;
}

/**
 * Revokes the allowed grants one at a time, stopping at the first that is not confirmed gone (the
 * rest are recorded as skipped).
 */
async function revokeForDelete(
  step: DeleteStep,
  ports: RunPorts,
  record: RecordResult,
): Promise<RevokedForDelete> {
  const { entry, forDelete } = step;
  const taken: Revoke[] = [];
  for (const [i, action] of forDelete.entries()) {
    const r = await ports.revoke(action);
    await record(entry, { ...action, ...r });
    const begun = taken.length > 0;
    if (mayHaveTaken(r)) taken.push(action);
    if (r.outcome === 'applied' || r.outcome === 'already-done') continue;
    const reason = `revoking ${action.account} before the delete failed (${r.reason ?? r.outcome})`;
    for (const rest of forDelete.slice(i + 1)) {
      await record(entry, { ...rest, outcome: 'skipped', reason: `not revoked: ${reason}` });
    }
    if (!begun) {
      return { taken, notAttempted: `a grant could not be revoked first (${action.account}: ${r.outcome})` };
    }
    return { taken, failure: { reason } };
  }
  return { taken };
}

/**
 * Gives back every grant revoked for a delete that did not happen (AuthorizeSnapshotAccess), and
 * returns the failed delete's result: what failed, and to whom access was given back or not.
 */
async function giveBack(
  deletion: Delete,
  failure: { reason: string; attempts?: number },
  revoked: Revoke[],
  ports: RunPorts,
): Promise<ActionResult> {
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
  return {
    ...deletion,
    outcome: 'failed',
    reason: `the snapshot was not deleted: ${failure.reason}${gaveBack}${kept}`,
    attempts: failure.attempts,
    restored,
    notRestored,
  };
}
