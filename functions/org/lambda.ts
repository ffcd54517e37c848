import { randomUUID } from 'node:crypto';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type ClientOptions, clientTimeouts } from '../aws/clients.ts';
import type { SnapshotEventRequest, SnapshotEventResult } from '../event-runtime.ts';
import type { Runtime } from '../runtime.ts';
import type { CloudTrailEvent } from '../triggers/cloudtrail.ts';
import { createOrganizationsClient } from './accounts.ts';
import { activeAccounts, runMemberEvent } from './event.ts';
import { runAccess } from './run.ts';
import { createSfnClient, type StartedRun, startOrganizationSweep } from './start.ts';
import type { MemberAccess } from './worker.ts';

/**
 * What the hub's Lambda functions build once per container in organisation mode, on first use (the
 * single-account handlers never load this module): the Organizations and Step Functions clients,
 * the organisation's active accounts, and a worker's member access for the run it is serving.
 * Every client is sized, as the runtime's own are, from the time the first invocation had left
 * less what the function keeps back (`callBudgetMs`), and bound by the run's call limits.
 */

type Timeouts = Omit<ClientOptions, 'homeRegion' | 'credentials'>;

let organizations: OrganizationsClient | undefined;
let sfn: SFNClient | undefined;
let active: (() => Promise<ReadonlySet<string>>) | undefined;
let serving: { runId: string; access: MemberAccess } | undefined;

const timeouts = (callBudgetMs: number | undefined): Timeouts =>
  callBudgetMs === undefined ? {} : clientTimeouts(callBudgetMs);

function organizationsClient(rt: Runtime, callBudgetMs: number | undefined): OrganizationsClient {
  organizations ??= createOrganizationsClient(rt.clients.homeRegion, timeouts(callBudgetMs));
  return organizations;
}

/** The scheduled trigger: plan the run and start its execution. */
export function startScheduledRun(
  rt: Runtime,
  request: { eventId?: string | undefined; dryRun: boolean },
  callBudgetMs?: number,
): Promise<StartedRun> {
  sfn ??= createSfnClient(rt.clients.homeRegion, timeouts(callBudgetMs));
  return startOrganizationSweep(
    rt,
    { organizations: organizationsClient(rt, callBudgetMs), sfn },
    { runId: request.eventId ?? randomUUID(), dryRun: request.dryRun },
  );
}

/** The hub's event function: a member's forwarded CloudTrail event. */
export function handleMemberEvent(
  rt: Runtime,
  event: CloudTrailEvent,
  request: SnapshotEventRequest,
  callBudgetMs?: number,
): Promise<SnapshotEventResult> {
  active ??= activeAccounts(organizationsClient(rt, callBudgetMs));
  return runMemberEvent({ hub: rt, active, memberClientOptions: timeouts(callBudgetMs) }, event, request);
}

/**
 * A worker's member access: kept while this container serves items of the same run, so another
 * region of an account it already assumed into reuses those credentials; a new run starts afresh.
 * Credentials stay keyed by account either way.
 */
export function memberAccessFor(rt: Runtime, runId: string, callBudgetMs?: number): MemberAccess {
  if (serving?.runId !== runId) {
    serving = { runId, access: runAccess(rt.loaded, rt.clients, runId, timeouts(callBudgetMs)) };
  }
  return serving.access;
}
