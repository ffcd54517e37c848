import { randomUUID } from 'node:crypto';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsClients, ClientOptions } from '../aws/clients.ts';
import { mapPool } from '../engine/pool.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { listOrganizationAccounts } from './accounts.ts';
import { assumeMemberRole, credentialsPerAccount, memberClients } from './assume.ts';
import { finalResults, finishRun, hubContext, type OrganizationSummary } from './finish.ts';
import { gate } from './gate.ts';
import type { Gate, Phase, Run, RunPlan, WorkItem } from './model.ts';
import { planRun } from './plan.ts';
import { hubPublisher } from './publish.ts';
import { type MemberAccess, sweepAccountRegion, type WorkOutcome } from './worker.ts';

/** A Lambda worker's timeout: the in-process path gives each item the same time. */
export const ITEM_TIMEOUT_MS = 900_000;

export type OrganizationRunDeps = {
  loaded: LoadedPolicy;
  /** The hub's clients (its credentials, its home region, its bus). */
  hub: AwsClients;
  organizations: OrganizationsClient;
  /** The hub's own account (GetCallerIdentity), named in the run-level events. */
  hubAccount: () => Promise<string>;
  /** Retry and timeout settings of the member clients (the hub's defaults otherwise). */
  memberClientOptions?: Omit<ClientOptions, 'homeRegion' | 'credentials'>;
  /** Each item's time, as a Lambda worker's timeout bounds it. */
  itemTimeoutMs?: number;
  reserveMs?: number;
  /** Called as each item finishes (the CLI's progress). */
  onItem?: (outcome: WorkOutcome, phase: Phase) => void;
};

export type OrganizationRunRequest = {
  trigger: Run['trigger'];
  dryRun?: boolean;
  regions: string[];
  runId?: string;
  now?: Date;
};

/** Everything one in-process run produced: the plan, each item's final outcome, the summary. */
export type OrganizationReport = {
  plan: RunPlan;
  gate?: Gate;
  outcomes: WorkOutcome[];
  summary: OrganizationSummary;
};

/**
 * The member access of one run: one AssumeRole per account (shared by its regions, kept for the
 * run), and clients acting as the member per item.
 *
 * @example
 * const access = runAccess(loaded, hub, runId);
 * await access.credentials('111111111111'); // AssumeRole once; later calls for that account reuse it
 */
export function runAccess(
  loaded: LoadedPolicy,
  hub: AwsClients,
  runId: string,
  options?: Omit<ClientOptions, 'homeRegion' | 'credentials'>,
): MemberAccess {
  const org = loaded.policy.organization;
  if (!org) throw new Error('the policy has no organization block');
  const role = { roleName: org.roleName, externalId: org.externalId };
  return {
    credentials: credentialsPerAccount((account) =>
      assumeMemberRole(hub.sts, account, role, { purpose: 'sweep', runId }, hub.homeRegion),
    ),
    clients: (credentials, region) => memberClients(hub, credentials, region, options),
  };
}

/**
 * An organisation run in one process, with the modules the Lambda functions use: the plan
 * (ListAccounts), one worker per account-region with `organization.maxConcurrency` at once, the
 * gate, the second pass for held account-regions, and the summary events. What Step Functions
 * does on AWS (fan-out, concurrency limit, gathering results) is a worker pool here.
 *
 * @example
 * const report = await runOrganization(deps, { trigger: 'cli', regions: ['us-east-1'] });
 * report.summary.failures; // every account-region not swept, and why
 */
export async function runOrganization(
  deps: OrganizationRunDeps,
  request: OrganizationRunRequest,
): Promise<OrganizationReport> {
  const policy = deps.loaded.policy;
  const org = policy.organization;
  if (!org) throw new Error('the policy has no organization block');
  const run: Run = {
    runId: request.runId ?? randomUUID(),
    startedAt: (request.now ?? new Date()).toISOString(),
    dryRun: request.dryRun === true,
    trigger: request.trigger,
  };
  const plan = planRun(org, request.regions, await listOrganizationAccounts(deps.organizations), run);
  const access = runAccess(deps.loaded, deps.hub, run.runId, deps.memberClientOptions);
  const timeout = deps.itemTimeoutMs ?? ITEM_TIMEOUT_MS;
  const work = async (item: WorkItem) => {
    const deadline = Date.now() + timeout;
    const outcome = await sweepAccountRegion(
      {
        loaded: deps.loaded,
        hub: deps.hub,
        access,
        remainingMs: () => deadline - Date.now(),
        reserveMs: deps.reserveMs ?? Math.min(20_000, timeout / 10),
      },
      item,
    );
    deps.onItem?.(outcome, item.phase);
    return outcome;
  };

  const first = await mapPool(plan.items, org.maxConcurrency, (item) => work({ run, item, phase: 'sweep' }));
  const decision = gate(
    policy,
    first.map((o) => o.result),
  );
  const second =
    decision.held.length > 0
      ? await mapPool(decision.held, org.maxConcurrency, (item) =>
          work({ run, item, phase: decision.phase, reason: decision.reason, stops: decision.stops }),
        )
      : [];

  const byItem = new Map([...first, ...second].map((o) => [`${o.result.account}/${o.result.region}`, o]));
  const outcomes = plan.items.flatMap((i) => byItem.get(`${i.account}/${i.region}`) ?? []);
  const summary = await finishRun(hubPublisher(deps.hub, policy), {
    context: hubContext(policy, await deps.hubAccount(), run),
    homeRegion: deps.hub.homeRegion,
    plan,
    results: finalResults(
      plan.items,
      first.map((o) => o.result),
      second.map((o) => o.result),
    ),
    gate: decision.held.length > 0 ? decision : undefined,
  });
  return { plan, ...(decision.held.length > 0 ? { gate: decision } : {}), outcomes, summary };
}
