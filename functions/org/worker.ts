import type { AwsClients } from '../aws/clients.ts';
import { awsPorts } from '../aws/ports.ts';
import { event, type RunContext } from '../engine/detail.ts';
import { type ComplianceEvent, DETAIL_TYPES } from '../engine/events.ts';
import type { RunPorts, RunReport } from '../engine/run.ts';
import type { PublishPort } from '../engine/sink.ts';
import { type InventoryPort, sweep } from '../engine/sweep.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { type Runtime, runContext } from '../runtime.ts';
import { destroyMemberClients, type MemberCredentials, memberRoleArn, unreachableReason } from './assume.ts';
import type { Budget, Phase, WorkItem, WorkResult } from './model.ts';
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
  /** Time left before the host stops the worker (Lambda's remaining time, or the in-process deadline). */
  remainingMs?: () => number;
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
      },
    },
  };
}

type Ports = RunPorts & { inventory: InventoryPort };

/** The ports of each pass: real ones, ones that hold every change back, or ones that refuse them. */
function portsFor(real: Ports, phase: Phase, hold: boolean, reason: string | undefined) {
  const buffered: ComplianceEvent[] = [];
  if (phase === 'blocked') {
    const refused = `blast radius exceeded for the organisation run, nothing changed: ${reason ?? ''}`;
    const skip = async () => ({ outcome: 'skipped' as const, reason: refused });
    return { ports: { ...real, revoke: skip, remove: skip }, buffered: undefined };
  }
  if (!hold) return { ports: real, buffered: undefined };
  const skip = async () => ({ outcome: 'skipped' as const, reason: HELD });
  // Events wait for the end: a held account-region publishes nothing in this pass.
  const publish: PublishPort = async (events) => {
    buffered.push(...events);
    return { published: events.length, failed: [] };
  };
  return { ports: { ...real, revoke: skip, remove: skip, publish }, buffered };
}

function plannedOf(report: RunReport): Budget {
  const results = report.snapshots.flatMap((e) => e.results);
  return {
    revocations: results.filter((r) => r.type === 'revoke').length,
    deletions: results.filter((r) => r.type === 'delete').length,
  };
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
      event(context, DETAIL_TYPES.inventoryFailed, base.region, {
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
 * Failed` event (the engine's own, or this worker's when time ran out). Never throws for
 * anything AWS answers.
 *
 * @example
 * const { result } = await sweepAccountRegion(deps, { run, item: { account, region }, phase: 'sweep' });
 * result.status; // 'swept' | 'held' | 'unreachable' | 'failed'
 */
export async function sweepAccountRegion(deps: WorkerDeps, work: WorkItem): Promise<WorkOutcome> {
  const { run, item, phase } = work;
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
    credentials = await deps.access.credentials(item.account);
  } catch (error) {
    const arn = memberRoleArn(item.account, policy.organization?.roleName ?? '', deps.hub.homeRegion);
    const reason = unreachableReason(error, arn);
    const sent = await publishAll(publish, [
      event(context, DETAIL_TYPES.unreachable, item.region, { reason }),
    ]);
    return { result: { ...base, status: 'unreachable', reason, reported: sent.failed.length === 0 } };
  }

  const clients = deps.access.clients(credentials, item.region);
  try {
    const loaded = phase === 'enforce' && item.budget ? withBudget(deps.loaded, item.budget) : deps.loaded;
    const rt: Runtime = { loaded, clients, account: async () => item.account };
    const hold =
      phase === 'sweep' && policy.organization?.safetyScope !== 'account-region' && !context.dryRun;
    const real = awsPorts(clients, loaded.policy, item.account);
    const { ports, buffered } = portsFor({ ...real, publish }, phase, hold, work.reason);
    const report = await sweep(
      {
        ...runContext(rt, item.account, { ...run, now: context.now, remainingMs: deps.remainingMs }),
        regions: [item.region],
        reserveMs: deps.reserveMs ?? 20_000,
      },
      ports,
    );
    const planned = plannedOf(report);
    const held = hold && !report.blastRadius && planned.revocations + planned.deletions > 0;
    return await conclude(report, held ? planned : undefined, [...(buffered ?? [])], publish, context, base);
  } finally {
    destroyMemberClients(clients, [item.region]);
  }
}
