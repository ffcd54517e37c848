import { type AwsClients, callLimits, withCallLimits } from '../aws/clients.ts';
import { sweepPorts } from '../aws/sweep-ports.ts';
import { type ComplianceEvent, DETAIL_TYPES } from '../engine/compliance-events.ts';
import { complianceEvent, type RunContext } from '../engine/event-builders.ts';
import { countPlanned } from '../engine/plan.ts';
import type { PublishPort, SweepPorts } from '../engine/ports.ts';
import type { RunReport } from '../engine/run-report.ts';
import { sweep } from '../engine/sweep.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { cutShort, type Runtime, runContext, SWEEP_RESERVE_MS } from '../runtime.ts';
import { destroyMemberClients, type MemberCredentials, memberRoleArn, unreachableReason } from './assume.ts';
import type { Budget, Stops, WorkItem, WorkResult } from './model.ts';
import { hubPublisher, publishAll } from './publish.ts';

/** How a worker reaches a member account. */
export type MemberAccess = {
  /** The member role's credentials: assumed once per account per run (see credentialsPerAccount). */
  credentials: (account: string) => Promise<MemberCredentials>;
  /** SDK clients acting as the account in one region (see memberClients). */
  clients: (credentials: MemberCredentials, region: string) => AwsClients;
};

export type WorkerDeps = {
  loaded: LoadedPolicy;
  /** The hub's own clients: its event bus and its home region. */
  hub: AwsClients;
  access: MemberAccess;
  /**
   * Time left before the host stops the worker (Lambda's remaining time, or the in-process
   * deadline): every call, AssumeRole included, is abandoned before it (see `callLimits`).
   */
  remainingMs?: () => number;
  /** Fires just before the host stops the worker (middy's `timeoutEarlyInMillis`). */
  signal?: AbortSignal;
  /** Kept back from `remainingMs` for publishing the last events and returning. */
  reserveMs?: number;
};

/** The result Step Functions gathers, and the engine's full report for the in-process report. */
export type WorkOutcome = { result: WorkResult; report?: RunReport };

const HELD = 'held until the run has been checked against its safety limits';

/**
 * The policy an account-region enforces in the second pass: its own limits, lowered to what it
 * planned in the first. If it now plans more (a grant appeared in between), the engine's own
 * check stops it and says so, and the run as a whole never exceeds what its gate allowed.
 */
function withBudget(loaded: LoadedPolicy, budget: Budget): LoadedPolicy {
  const { safety } = loaded.policy;
  return {
    ...loaded,
    policy: {
      ...loaded.policy,
      safety: {
        maxRevocationsPerRun: Math.min(safety.maxRevocationsPerRun, budget.revocations),
        maxDeletionsPerRun: Math.min(safety.maxDeletionsPerRun, budget.deletions),
        maxListingConcurrency: safety.maxListingConcurrency,
      },
    },
  };
}

/**
 * Refuses the kinds of change the run's limits stop, with the run's reason; the other kind goes
 * ahead. A delete's own revokes stop with the deletes, so no allowed grant is taken for a delete
 * that will not happen; a delete that needs a revoke stops with the revokes (the engine skips it
 * once its first revoke is refused).
 */
function refusing(real: SweepPorts, stops: Stops): SweepPorts {
  const skip = (why: string) => ({
    outcome: 'skipped' as const,
    reason: `blast radius exceeded for the organisation run: ${why}`,
  });
  return {
    ...real,
    revoke: async (action) => {
      if (stops.revoke) return skip(stops.revoke);
      if (stops.delete && action.purpose === 'delete') return skip(stops.delete);
      return real.revoke(action);
    },
    delete: async (action) => (stops.delete ? skip(stops.delete) : real.delete(action)),
  };
}

/** The ports of each pass: real ones, ones that hold every change back, or ones that refuse some. */
function portsFor(real: SweepPorts, work: WorkItem, hold: boolean) {
  const buffered: ComplianceEvent[] = [];
  if (work.phase === 'blocked') return { ports: refusing(real, work.stops ?? {}), buffered: undefined };
  if (!hold) return { ports: real, buffered: undefined };
  const skip = async () => ({ outcome: 'skipped' as const, reason: HELD });
  // Events wait for the end: a held account-region publishes nothing in this pass.
  const publish: PublishPort = async (events) => {
    buffered.push(...events);
    return { published: events.length, failed: [] };
  };
  // Its findings go to Security Hub in the pass that enforces, not twice.
  return {
    ports: { ...real, revoke: skip, delete: skip, publish, findings: undefined },
    buffered,
  };
}

/** What a pass planned, counted as the safety limits count (the engine's `countPlanned`). */
function plannedOf(report: RunReport): Budget {
  return countPlanned(report.snapshots.flatMap((e) => e.results));
}

function totalsOf(report: RunReport): NonNullable<WorkResult['totals']> {
  const { findingsByKind: _kinds, unreadable: _unreadable, ...totals } = report.totals;
  return totals;
}

/**
 * What a finished engine run comes to for the run: held (it changes nothing yet), or swept or
 * failed, with the events this pass kept back (and, when time ran out, the worker's own
 * `Inventory Failed`) published now.
 */
async function conclude(
  report: RunReport,
  held: Budget | undefined,
  late: ComplianceEvent[],
  publish: PublishPort,
  context: RunContext,
  base: { account: string; region: string },
): Promise<WorkOutcome> {
  if (held) return { result: { ...base, status: 'held', planned: held }, report };
  const buffered = late.length;
  if (report.truncated) {
    late.push(
      complianceEvent(context, DETAIL_TYPES.inventoryFailed, base.region, {
        reason:
          "the worker's time ran out before this account-region was swept to the end; the next run takes it up",
      }),
    );
  }
  const sent = late.length > 0 ? await publishAll(publish, late) : { published: 0, failed: [] };
  const failed = report.inventoryErrors.length > 0 || report.truncated;
  const reason = report.truncated
    ? 'time ran out before the account-region was swept to the end'
    : report.inventoryErrors
        .map((e) => (e.identifier ? `${e.identifier}: ${e.reason}` : e.reason))
        .join('; ');
  const eventsFailed = report.events.failed.length + sent.failed.length;
  return {
    result: {
      ...base,
      status: failed ? 'failed' : 'swept',
      compliant: report.compliant && sent.failed.length === 0,
      totals: totalsOf(report),
      ...(failed ? { reason, reported: eventsFailed === 0 } : {}),
    },
    report: {
      ...report,
      events: {
        // The kept-back events were counted as published when the engine handed them over.
        published: report.events.published - buffered + sent.published,
        failed: [
          ...report.events.failed,
          ...sent.failed.map((f) => ({ detailType: f.event.detailType, reason: f.reason })),
        ],
      },
    },
  };
}

/**
 * One work item: assume the member role of the item's account, then run the unchanged engine
 * (inventory, evaluate, plan, enforce, publish) for that account in that region, with clients
 * acting as the member and events going to the hub's bus. A role that cannot be assumed is an
 * `Account Unreachable` event; a region that could not be read to the end is an `Inventory
 * Failed` event (the engine's own, or this worker's when time ran out). Every call, AssumeRole to
 * the last event, is bound by the host's time (`remainingMs`) as a single-account sweep's are.
 * Never throws for anything AWS answers.
 *
 * @example
 * const { result } = await sweepAccountRegion(deps, { run, item: { account, region }, phase: 'sweep' });
 * result.status; // 'swept' | 'held' | 'unreachable' | 'failed'
 */
export async function sweepAccountRegion(deps: WorkerDeps, work: WorkItem): Promise<WorkOutcome> {
  const reserveMs = deps.reserveMs ?? SWEEP_RESERVE_MS;
  // One set of limits for the whole item: a step that starts after they passed sends nothing.
  const limits = deps.remainingMs ? callLimits(deps.remainingMs(), reserveMs, deps.signal) : undefined;
  try {
    return await sweepItem(deps, work, {
      reserveMs,
      inTime: (step) => (limits ? withCallLimits(limits, step) : step()),
      cut: () => limits?.cut ?? 0,
    });
  } finally {
    limits?.dispose();
  }
}

type ItemLimits = {
  reserveMs: number;
  /** Runs a step with every call it makes bound by the item's limits. */
  inTime: <T>(step: () => Promise<T>) => Promise<T>;
  /** Calls abandoned so far because time ran out. */
  cut: () => number;
};

async function sweepItem(deps: WorkerDeps, work: WorkItem, limits: ItemLimits): Promise<WorkOutcome> {
  const { run, item, phase } = work;
  const { reserveMs, inTime } = limits;
  const policy = deps.loaded.policy;
  const publish = hubPublisher(deps.hub, policy);
  const context: RunContext = {
    runId: run.runId,
    trigger: run.trigger,
    account: item.account,
    policy,
    dryRun: run.dryRun || policy.mode === 'audit',
    now: new Date(run.startedAt),
  };
  const base = { account: item.account, region: item.region };

  let credentials: MemberCredentials;
  try {
    credentials = await inTime(() => deps.access.credentials(item.account));
  } catch (error) {
    const arn = memberRoleArn(item.account, policy.organization?.roleName ?? '', deps.hub.homeRegion);
    const reason = unreachableReason(error, arn);
    const sent = await inTime(() =>
      publishAll(publish, [complianceEvent(context, DETAIL_TYPES.unreachable, item.region, { reason })]),
    );
    return { result: { ...base, status: 'unreachable', reason, reported: sent.failed.length === 0 } };
  }

  const clients = deps.access.clients(credentials, item.region);
  try {
    const budget = phase !== 'sweep' ? item.budget : undefined;
    const loaded = budget ? withBudget(deps.loaded, budget) : deps.loaded;
    const rt: Runtime = { loaded, clients, account: async () => item.account };
    const hold =
      phase === 'sweep' && policy.organization?.safetyScope !== 'account-region' && !context.dryRun;
    const real = sweepPorts(clients, loaded.policy, item.account);
    const { ports, buffered } = portsFor({ ...real, publish }, work, hold);
    const swept = await inTime(() =>
      sweep(
        {
          ...runContext(rt, item.account, { ...run, now: context.now, remainingMs: deps.remainingMs }),
          regions: [item.region],
          reserveMs,
        },
        ports,
      ),
    );
    const report = cutShort(swept, limits.cut());
    const planned = plannedOf(report);
    // Whatever it plans waits for the run's limits, even what its own limits already stop: the
    // run as a whole is then over that limit too, and the gate says so once for the run.
    const held = hold && planned.revocations + planned.deletions > 0 ? planned : undefined;
    const late = [...(buffered ?? [])];
    return await inTime(() => conclude(report, held, late, publish, context, base));
  } finally {
    destroyMemberClients(clients, [item.region]);
  }
}
