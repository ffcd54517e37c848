import { randomUUID } from 'node:crypto';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsClients, ClientOptions } from '../aws/clients.ts';
import { DETAIL_TYPES } from '../engine/compliance-events.ts';
import { complianceEvent } from '../engine/event-builders.ts';
import type { PublishResult } from '../engine/ports.ts';
import { runCompliance } from '../engine/run.ts';
import type { RunReport } from '../engine/run-report.ts';
import {
  EVENT_RESERVE_MS,
  runSnapshotEvent,
  type SnapshotEventRequest,
  type SnapshotEventResult,
} from '../event-runtime.ts';
import { cutShort, type Runtime, runContext, withinTime } from '../runtime.ts';
import type { CloudTrailEvent } from '../triggers/cloudtrail.ts';
import { snapshotTargets } from '../triggers/targets.ts';
import { createOrganizationsClient, listOrganizationAccounts } from './accounts.ts';
import {
  assumeMemberRole,
  destroyMemberClients,
  memberClients,
  memberRoleArn,
  unreachableReason,
} from './assume.ts';
import { accountOutOfScope } from './plan.ts';
import { hubPublisher, publishAll } from './publish.ts';

/** How long the hub's event function trusts its list of active accounts before reading it again. */
export const ACCOUNTS_TTL_MS = 10 * 60_000;

/**
 * The organisation's active accounts, read with ListAccounts at most once per `ttlMs` (per
 * container): the event path checks every event's account without an AWS call per event.
 *
 * @example
 * const active = activeAccounts(organizations);
 * (await active()).has('111111111111');
 */
export function activeAccounts(
  client: OrganizationsClient,
  ttlMs = ACCOUNTS_TTL_MS,
  now: () => number = Date.now,
): () => Promise<ReadonlySet<string>> {
  let cached: { at: number; accounts: Promise<ReadonlySet<string>> } | undefined;
  return () => {
    if (!cached || now() - cached.at > ttlMs) {
      const accounts = listOrganizationAccounts(client).then(
        (list) => new Set(list.filter((a) => a.status === 'ACTIVE').map((a) => a.id)),
      );
      const entry = { at: now(), accounts };
      cached = entry;
      // A failed read is not kept: the next event reads again.
      accounts.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.accounts;
  };
}

type MemberClientOptions = Omit<ClientOptions, 'homeRegion' | 'credentials'>;

export type MemberEventDeps = {
  /** The hub's runtime: its policy (with `organization`) and its own clients. */
  hub: Runtime;
  /** Active accounts (needed only for `accounts: all`). */
  active: () => Promise<ReadonlySet<string>>;
  /** Retry and time-out settings of the member's clients (the SDK's defaults otherwise). */
  memberClientOptions?: MemberClientOptions;
};

/** An event run that changed nothing and made no AWS call: the report says so, and why. */
async function untouched(
  rt: Runtime,
  account: string,
  e: CloudTrailEvent,
  reason: string,
  request: SnapshotEventRequest,
) {
  const none: AsyncIterable<never> = { [Symbol.asyncIterator]: async function* () {} };
  const report: RunReport = await runCompliance(
    none,
    {
      ...runContext(rt, account, { ...request, trigger: 'event', triggerEventId: e.detail.eventID }),
      emitCompleted: false,
    },
    {
      revoke: async () => ({ outcome: 'skipped' }),
      delete: async () => ({ outcome: 'skipped' }),
      restore: async () => ({ outcome: 'skipped' }),
      publish: async () => ({ published: 0, failed: [] }),
    },
  );
  return { eventId: e.detail.eventID, eventName: e.detail.eventName, report, gone: [], ignored: reason };
}

/**
 * The hub's real-time path: a CloudTrail event a member account forwarded to the hub's bus. Events
 * from accounts outside the policy's scope (excluded, not listed, or not an active member of the
 * organisation) are ignored with the reason and no call into the member account; so are events
 * the single-account path would ignore. Otherwise the hub assumes the member role of the event's
 * account (one AssumeRole for this event, session named after its run) and runs the unchanged
 * event path as that account, publishing to the hub's bus: like the single-account event
 * function, it never deletes (a too-old snapshot's delete is left to the sweep). A role that
 * cannot be assumed is an `Account Unreachable` event. Every call, the organisation's list and
 * AssumeRole included, is bound by the time the host has left (`request.remainingMs`).
 *
 * @example
 * const result = await runMemberEvent({ hub, active }, event);
 * result.ignored; // e.g. 'account 999999999999 is not an active account of the organisation'
 */
export async function runMemberEvent(
  deps: MemberEventDeps,
  e: CloudTrailEvent,
  request: SnapshotEventRequest = {},
): Promise<SnapshotEventResult> {
  const { hub } = deps;
  const account = e.detail.recipientAccountId;
  const asked = { ...request, runId: request.runId ?? randomUUID() };
  const { value: before, cut } = await withinTime(request, EVENT_RESERVE_MS, () => prepare(deps, e, asked));
  if ('ignored' in before) return untouched(hub, account, e, before.ignored, asked);
  if ('unreachable' in before) {
    const result = await untouched(hub, account, e, before.unreachable, asked);
    const events = {
      published: before.sent.published,
      failed: before.sent.failed.map((f) => ({ detailType: f.event.detailType, reason: f.reason })),
    };
    return { ...result, report: cutShort({ ...result.report, events, compliant: false }, cut) };
  }
  const { clients } = before;
  const member: Runtime = {
    loaded: hub.loaded,
    clients: clients ?? hub.clients,
    account: async () => account,
  };
  try {
    const result = await runSnapshotEvent(member, e, asked);
    return { ...result, report: cutShort(result.report, cut) };
  } finally {
    if (clients) destroyMemberClients(clients, [e.detail.awsRegion]);
  }
}

/** What the hub decided before the event path runs: leave the event, report the account, or the member's clients. */
type Prepared = { ignored: string } | { unreachable: string; sent: PublishResult } | { clients?: AwsClients };

/**
 * The scope check, then (when the event path would act) one AssumeRole into the event's account;
 * an account that cannot be reached gets its `Account Unreachable` event here.
 */
async function prepare(
  deps: MemberEventDeps,
  e: CloudTrailEvent,
  request: SnapshotEventRequest & { runId: string },
): Promise<Prepared> {
  const { hub } = deps;
  const outOfScope = await scopeOf(deps, e);
  if (outOfScope) return { ignored: outOfScope };
  // The single-account path's own early answers (a failed call, another region) need no member
  // role; without `regions` the policy covers the hub's home region only, as there.
  const regions = request.regions ?? hub.loaded.policy.regions ?? [hub.clients.homeRegion];
  const region = e.detail.awsRegion;
  if (!('addresses' in snapshotTargets(e.detail)) || !regions.includes(region)) return {};
  const account = e.detail.recipientAccountId;
  const reached = await reach(hub, account, region, request.runId, deps.memberClientOptions);
  if ('clients' in reached) return reached;
  const context = runContext(hub, account, {
    ...request,
    trigger: 'event',
    triggerEventId: e.detail.eventID,
  });
  const sent = await publishAll(hubPublisher(hub.clients, hub.loaded.policy), [
    complianceEvent(context, DETAIL_TYPES.unreachable, region, { reason: reached.reason }),
  ]);
  return { unreachable: reached.reason, sent };
}

/** Why the hub leaves this event alone, decided without any call into a member account. */
async function scopeOf(deps: MemberEventDeps, e: CloudTrailEvent): Promise<string | undefined> {
  const org = deps.hub.loaded.policy.organization;
  if (!org) throw new Error('the policy has no organization block');
  const account = e.detail.recipientAccountId;
  if (e.account !== account)
    return `forwarded by account ${e.account} about account ${account}: not acted on`;
  // The policy's own lists first: an excluded account costs not even the organisation's list.
  return (
    accountOutOfScope(org, account, undefined) ??
    (org.accounts === 'all' ? accountOutOfScope(org, account, await deps.active()) : undefined)
  );
}

/** Clients acting as `account` (one AssumeRole, session named after the run), or why there are none. */
async function reach(
  hub: Runtime,
  account: string,
  region: string,
  runId: string,
  options?: MemberClientOptions,
): Promise<{ clients: AwsClients } | { reason: string }> {
  const org = hub.loaded.policy.organization;
  if (!org) throw new Error('the policy has no organization block');
  const home = hub.clients.homeRegion;
  try {
    const credentials = await assumeMemberRole(
      hub.clients.sts,
      account,
      org,
      { purpose: 'event', runId },
      home,
    );
    // homeRegion stays the hub's, as the single-account event path has it.
    return { clients: { ...memberClients(hub.clients, credentials, region, options), homeRegion: home } };
  } catch (error) {
    return { reason: unreachableReason(error, memberRoleArn(account, org.roleName, home)) };
  }
}

/**
 * The CLI's `handle-event` in organisation mode: the same path as the hub's event function, with
 * an Organizations client of its own for the one membership check it may need.
 *
 * @example
 * const result = await handleMemberEventOnce(rt, event, { dryRun: true });
 */
export async function handleMemberEventOnce(
  rt: Runtime,
  e: CloudTrailEvent,
  request: SnapshotEventRequest,
): Promise<SnapshotEventResult> {
  const client = createOrganizationsClient(rt.clients.homeRegion);
  try {
    return await runMemberEvent({ hub: rt, active: activeAccounts(client) }, e, request);
  } finally {
    client.destroy();
  }
}
