import { randomUUID } from 'node:crypto';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { SnapshotEventRequest, SnapshotEventResult } from '../event-runtime.ts';
import type { CloudTrailEvent } from '../events/cloudtrail.ts';
import type { Runtime } from '../runtime.ts';
import { organizationsRegion } from './accounts.ts';
import { activeAccounts, runMemberEvent } from './event.ts';
import { runAccess } from './run.ts';
import { type StartedRun, startOrganizationSweep } from './start.ts';
import type { MemberAccess } from './worker.ts';

/**
 * What the hub's Lambda functions build once per container in organisation mode, on first use (the
 * single-account handlers never load this module): the Organizations and Step Functions clients,
 * the organisation's active accounts, and a worker's member access for the run it is serving.
 */

let organizations: OrganizationsClient | undefined;
let sfn: SFNClient | undefined;
let active: (() => Promise<ReadonlySet<string>>) | undefined;
let serving: { runId: string; access: MemberAccess } | undefined;

function organizationsClient(rt: Runtime): OrganizationsClient {
  organizations ??= new OrganizationsClient({
    region: organizationsRegion(rt.clients.homeRegion),
    maxAttempts: 6,
  });
  return organizations;
}

/** The scheduled trigger: plan the run and start its execution. */
export function startScheduledRun(
  rt: Runtime,
  request: { eventId?: string | undefined; dryRun: boolean },
): Promise<StartedRun> {
  sfn ??= new SFNClient({ region: rt.clients.homeRegion, maxAttempts: 6 });
  return startOrganizationSweep(
    rt,
    { organizations: organizationsClient(rt), sfn },
    { runId: request.eventId ?? randomUUID(), dryRun: request.dryRun },
  );
}

/** The hub's event function: a member's forwarded CloudTrail event. */
export function handleMemberEvent(
  rt: Runtime,
  event: CloudTrailEvent,
  request: SnapshotEventRequest,
): Promise<SnapshotEventResult> {
  active ??= activeAccounts(organizationsClient(rt));
  return runMemberEvent({ hub: rt, active }, event, request);
}

/**
 * A worker's member access: kept while this container serves items of the same run, so another
 * region of an account it already assumed into reuses those credentials; a new run starts afresh.
 * Credentials stay keyed by account either way.
 */
export function memberAccessFor(rt: Runtime, runId: string): MemberAccess {
  if (serving?.runId !== runId) serving = { runId, access: runAccess(rt.loaded, rt.clients, runId) };
  return serving.access;
}
