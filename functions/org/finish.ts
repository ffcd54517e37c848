import {
  type ComplianceEvent,
  DETAIL_TYPES,
  type EventDetail,
  MAX_FAILURES_PER_EVENT,
} from '../engine/compliance-events.ts';
import { complianceEvent, type RunContext } from '../engine/event-builders.ts';
import type { PublishPort, PublishResult } from '../engine/ports.ts';
import type { Policy } from '../policy/schema.ts';
import {
  type Gate,
  type ItemTotals,
  type ParsedWorkResult,
  type RunPlan,
  WorkResultSchema,
} from './model.ts';
import { publishAll } from './publish.ts';

/** Kept back from the run step's Lambda timeout for returning the summary once the events are out. */
export const FINISH_RESERVE_MS = 5_000;

type Failure = NonNullable<EventDetail['organization']>['failures'][number];

/** What one organisation run came to. */
export type OrganizationSummary = {
  runId: string;
  accounts: number;
  accountRegions: number;
  swept: number;
  compliant: boolean;
  totals: ItemTotals;
  /** Every account or account-region that was not swept to the end. */
  failures: Failure[];
  /** The run's own limits stopped every change (the reason), when they did. */
  blastRadius?: string;
  events: { published: number; failed: number };
};

const key = (r: { account: string; region: string }) => `${r.account}/${r.region}`;

/**
 * Each planned item's last word: its second-pass result when it had one, else its first. An item
 * with neither (its worker crashed, or Step Functions returned something else) is a failure.
 * Results arrive from outside (a Map state's output) and are parsed; one that does not parse
 * counts as no result.
 *
 * @example
 * finalResults(plan.items, firstPass, secondPass); // one result per item, in plan order
 */
export function finalResults(
  items: readonly { account: string; region: string }[],
  first: readonly unknown[],
  second: readonly unknown[],
): ParsedWorkResult[] {
  const byItem = new Map<string, ParsedWorkResult>();
  for (const raw of [...first, ...second]) {
    const parsed = WorkResultSchema.safeParse(raw);
    if (parsed.success) byItem.set(key(parsed.data), parsed.data);
  }
  return items.map((item) => {
    const result = byItem.get(key(item));
    if (result?.status === 'held') {
      // Held for the run's limits and never given its second pass: its changes were not made.
      return WorkResultSchema.parse({
        ...item,
        status: 'failed',
        reason: 'held for the run limits, but its second pass returned no result; nothing was changed',
      });
    }
    return (
      result ??
      WorkResultSchema.parse({
        ...item,
        status: 'failed',
        reason: 'the worker returned no result (it failed or timed out)',
      })
    );
  });
}

function addTotals(sum: ItemTotals, t: ItemTotals): void {
  for (const k of ['snapshots', 'foreign', 'compliant', 'violating', 'findings', 'failures'] as const) {
    sum[k] += t[k];
  }
  for (const k of ['revocations', 'deletions'] as const) {
    for (const [outcome, n] of Object.entries(t[k])) sum[k][outcome] = (sum[k][outcome] ?? 0) + n;
  }
}

/**
 * The run's summary and the events only the end of the run can publish: `Account Unreachable` for
 * accounts the plan could not include, `Inventory Failed` for items whose worker could not say so
 * itself, `Blast Radius Exceeded` for each limit the run exceeded, and one `Organization Sweep
 * Completed` with the totals and every failure. Events go out through `publish` (never throws).
 *
 * @example
 * const summary = await finishRun(publish, { context, plan, results, gate });
 * summary.failures; // [{ account: '333333333333', detailType: 'Account Unreachable', reason: '…' }]
 */
export async function finishRun(
  publish: PublishPort,
  input: {
    /** The hub's context: its account, the policy, the run's clock. */
    context: RunContext;
    homeRegion: string;
    plan: Pick<RunPlan, 'accounts' | 'items' | 'unreachable'>;
    results: readonly ParsedWorkResult[];
    gate?: Gate | undefined;
  },
): Promise<OrganizationSummary> {
  const { context, homeRegion, plan, results } = input;
  const events: ComplianceEvent[] = [];
  const failures: Failure[] = [];
  for (const u of plan.unreachable) {
    failures.push({ account: u.account, detailType: DETAIL_TYPES.unreachable, reason: u.reason });
    events.push(
      complianceEvent({ ...context, account: u.account }, DETAIL_TYPES.unreachable, homeRegion, {
        reason: u.reason,
      }),
    );
  }
  const totals: ItemTotals = {
    snapshots: 0,
    foreign: 0,
    compliant: 0,
    violating: 0,
    findings: 0,
    revocations: {},
    deletions: {},
    failures: 0,
  };
  let swept = 0;
  let compliant = plan.unreachable.length === 0;
  for (const r of results) {
    if (r.totals) addTotals(totals, r.totals);
    if (r.status === 'swept') swept++;
    if (!r.compliant) compliant = false;
    if (r.status !== 'unreachable' && r.status !== 'failed') continue;
    const detailType = r.status === 'unreachable' ? DETAIL_TYPES.unreachable : DETAIL_TYPES.inventoryFailed;
    const reason = r.reason ?? r.status;
    failures.push({ account: r.account, region: r.region, detailType, reason });
    if (!r.reported) {
      events.push(complianceEvent({ ...context, account: r.account }, detailType, r.region, { reason }));
    }
  }
  totals.failures += failures.length;
  const blastRadius = input.gate?.phase === 'blocked' ? input.gate.reason : undefined;
  if (blastRadius) compliant = false;
  // One event per limit exceeded, as in a single account's run: each stopped its own kind only.
  const stops = input.gate?.phase === 'blocked' ? input.gate.stops : {};
  for (const reason of [stops.revoke, stops.delete]) {
    if (reason) events.push(complianceEvent(context, DETAIL_TYPES.blastRadius, homeRegion, { reason }));
  }
  const accountRegions = plan.items.length;
  const word = compliant ? 'compliant' : 'violations or failures remain';
  events.push(
    complianceEvent(context, DETAIL_TYPES.organizationCompleted, homeRegion, {
      reason: `${swept} of ${accountRegions} account-regions in ${plan.accounts} accounts swept; ${failures.length} failed or unreachable; ${word}`,
      totals,
      organization: {
        accounts: plan.accounts,
        accountRegions,
        swept,
        failures: failures.slice(0, MAX_FAILURES_PER_EVENT),
        ...(failures.length > MAX_FAILURES_PER_EVENT
          ? { moreFailures: failures.length - MAX_FAILURES_PER_EVENT }
          : {}),
      },
    }),
  );
  const sent: PublishResult = await publishAll(publish, events);
  return {
    runId: context.runId,
    accounts: plan.accounts,
    accountRegions,
    swept,
    compliant: compliant && sent.failed.length === 0,
    totals,
    failures,
    ...(blastRadius ? { blastRadius } : {}),
    events: { published: sent.published, failed: sent.failed.length },
  };
}

/** The run context of the hub's own events (completed, blast radius, plan-level unreachable). */
export function hubContext(
  policy: Policy,
  hubAccount: string,
  run: { runId: string; trigger: RunContext['trigger']; dryRun: boolean; startedAt: string },
): RunContext {
  return {
    runId: run.runId,
    trigger: run.trigger,
    account: hubAccount,
    policy,
    dryRun: run.dryRun || policy.mode === 'audit',
    now: new Date(run.startedAt),
  };
}
