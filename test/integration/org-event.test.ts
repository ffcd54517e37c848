import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../functions/cli.ts';
import { DETAIL_TYPES, EventDetailSchema } from '../../functions/engine/compliance-events.ts';
import { EVENT_DEFERS_DELETES } from '../../functions/engine/consume.ts';
import { runMemberEvent } from '../../functions/org/event.ts';
import { handler } from '../../functions/org-event.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { runtimeFor } from '../../functions/runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import { clients } from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

/**
 * The hub's real-time path: CloudTrail events member accounts forward to the hub's bus, handled by
 * the hub's event function (functions/org-event.ts) as serverless.yml wires it in organisation mode.
 */

const HUB = '123456789012';
const MEMBER = '111111111111';
const EXCLUDED = '222222222222';
const NO_ROLE = '333333333333';
const OUTSIDER = '888888888888';
const REGION = 'us-east-1';
const BUS = 'snapshot-compliance';
const UNKNOWN = '999988887777';
const ALLOWED = '444455556666';
const SNAPSHOT = 'sales-prod-manual-1';

const POLICY = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
events:
  busName: ${BUS}
organization:
  excludeAccounts: ["${EXCLUDED}"]
  externalId: hub-secret
`;

const invoke = handler as unknown as (event: unknown, context: Context) => ReturnType<typeof handler>;

function context(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redshift-snapshot-guard-snapshot-event',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${HUB}:function:redshift-snapshot-guard-snapshot-event`,
    memoryLimitInMB: '512',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345679',
    logGroupName: '/aws/lambda/redshift-snapshot-guard-snapshot-event',
    logStreamName: '2026/11/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The member's AuthorizeSnapshotAccess, as forwarded from `account` (its own bus rewritten to it). */
function forwarded(account = MEMBER): CloudTrailEvent {
  const text = readFileSync(
    new URL('../fixtures/events/org/authorize-snapshot-access-member.json', import.meta.url),
    'utf8',
  ).replaceAll(MEMBER, account);
  return CloudTrailEventSchema.parse(JSON.parse(text));
}

const local = useStandIn({
  eventBuses: [BUS],
  organization: { members: [MEMBER, EXCLUDED], withoutRole: [NO_ROLE], externalId: 'hub-secret' },
  sdkEnv: true,
});
let workdir: string;

function seed(account: string): void {
  local.store.createCluster(account, REGION, { identifier: 'sales-prod' });
  local.store.createSnapshot(account, REGION, {
    identifier: SNAPSHOT,
    clusterIdentifier: 'sales-prod',
    encrypted: true,
    grants: [ALLOWED, UNKNOWN],
  });
}

const grantsOf = (account: string) =>
  [...(local.store.getSnapshot(account, REGION, SNAPSHOT)?.grants ?? [])].sort();
const events = () =>
  local.events(BUS).map((e) => ({ type: e.detailType, detail: EventDetailSchema.parse(e.detail) }));

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'snapshot-guard-org-event-'));
  await writeFile(join(workdir, 'org.yml'), POLICY);
  process.env.POLICY_PATH = join(workdir, 'org.yml');
});

afterAll(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const account of [MEMBER, EXCLUDED, NO_ROLE, OUTSIDER]) seed(account);
});

describe('the hub event function', () => {
  it("enforces a member's forwarded event as that member, through its role", async () => {
    // Act
    const summary = await invoke(forwarded(), context());

    // Assess
    expect(summary).toMatchObject({ compliant: true, totals: { revocations: { applied: 1 } } });
    expect(summary.ignored).toBeUndefined();
    expect(grantsOf(MEMBER)).toEqual([ALLOWED]);
    const [session, ...more] = local.organization?.sessions() ?? [];
    expect(more).toEqual([]);
    expect(session).toMatchObject({
      account: MEMBER,
      callerAccount: HUB,
      externalId: 'hub-secret',
      sessionName: `snapshot-guard-event-${summary.runId}`,
    });
    const revoked = events().filter((e) => e.type === DETAIL_TYPES.revoked);
    expect(revoked.map((e) => [e.detail.account, e.detail.region, e.detail.action?.account])).toEqual([
      [MEMBER, REGION, UNKNOWN],
    ]);
    expect(revoked[0]?.detail.trigger).toBe('event');
  });

  it('ignores an event from an account outside the organisation, with the reason and no call into any account', async () => {
    // Prepare: the organisation's list is already read (once per container, not per event).
    await invoke(forwarded(), context());
    local.reset();
    seed(OUTSIDER);

    // Act
    const summary = await invoke(forwarded(OUTSIDER), context());

    // Assess
    expect(summary.ignored).toBe(`account ${OUTSIDER} is not an active account of the organisation`);
    expect(local.calls()).toEqual({});
    expect(grantsOf(OUTSIDER)).toEqual([ALLOWED, UNKNOWN].sort());
  });

  it('ignores an event from an excluded account without any AWS call', async () => {
    // Act
    const summary = await invoke(forwarded(EXCLUDED), context());

    // Assess
    expect(summary.ignored).toBe(`account ${EXCLUDED} is excluded by the policy`);
    expect(local.calls()).toEqual({});
    expect(events()).toEqual([]);
  });

  it('publishes Account Unreachable for a member without the role, and changes nothing', async () => {
    // Act
    const summary = await invoke(forwarded(NO_ROLE), context());

    // Assess
    expect(summary.compliant).toBe(false);
    expect(summary.ignored).toContain(
      `cannot assume arn:aws:iam::${NO_ROLE}:role/RedshiftSnapshotGuardMember`,
    );
    expect(grantsOf(NO_ROLE)).toEqual([ALLOWED, UNKNOWN].sort());
    expect(events().map((e) => [e.type, e.detail.account, e.detail.region, e.detail.triggerEventId])).toEqual(
      [[DETAIL_TYPES.unreachable, NO_ROLE, REGION, forwarded().detail.eventID]],
    );
  });

  it('leaves alone an event whose envelope and CloudTrail record name different accounts', async () => {
    // Prepare
    const body = JSON.parse(JSON.stringify(forwarded()));
    body.account = EXCLUDED;

    // Act
    const summary = await invoke(body, context());

    // Assess
    expect(summary.ignored).toBe(`forwarded by account ${EXCLUDED} about account ${MEMBER}: not acted on`);
    expect(local.calls()).toEqual({});
  });
});

describe('an organisation policy that lists its accounts', () => {
  it('decides from the list alone, without reading the organisation', async () => {
    // Prepare
    const loaded = parsePolicy(
      POLICY.replace('organization:\n', `organization:\n  accounts: ["${MEMBER}"]\n`),
      'org.yml',
    );
    const hub = runtimeFor(loaded, clients());
    const active = () => Promise.reject(new Error('the organisation must not be read'));

    // Act
    const outside = await runMemberEvent({ hub, active }, forwarded(OUTSIDER));
    const member = await runMemberEvent({ hub, active }, forwarded(MEMBER));

    // Assess
    expect(outside.ignored).toBe(`account ${OUTSIDER} is not among the policy's organization.accounts`);
    expect(member.report.totals.revocations).toEqual({ applied: 1 });
    expect(local.calls()['organizations.ListAccounts']).toBeUndefined();
  });

  it('makes no AssumeRole for an event the single-account path would ignore anyway', async () => {
    // Prepare: a call that failed changed nothing.
    const loaded = parsePolicy(POLICY, 'org.yml');
    const hub = runtimeFor(loaded, clients());
    const failed = forwarded();
    const e = CloudTrailEventSchema.parse({
      ...failed,
      detail: { ...failed.detail, errorCode: 'AuthorizationAlreadyExists', errorMessage: 'already' },
    });

    // Act
    const result = await runMemberEvent({ hub, active: async () => new Set([MEMBER]) }, e);

    // Assess
    expect(result.ignored).toContain('AuthorizationAlreadyExists');
    expect(local.calls()).toEqual({});
  });
});

describe('what the hub event function does in a member account', () => {
  it('never deletes: a too-old snapshot is reported and its delete left to the sweep, as in one account', async () => {
    // Prepare: a policy that deletes old snapshots, and the event's snapshot far older than it allows.
    const loaded = parsePolicy(
      `${POLICY}retention:\n  manual:\n    maxAgeDays: 30\n    onViolation: delete\n`,
      'org.yml',
    );
    const hub = runtimeFor(loaded, clients());
    const OLD = 'sales-prod-manual-old';
    local.store.createSnapshot(MEMBER, REGION, {
      identifier: OLD,
      clusterIdentifier: 'sales-prod',
      encrypted: true,
      grants: [ALLOWED, UNKNOWN],
      createTime: Date.now() - 400 * 86_400_000,
    });
    const event = CloudTrailEventSchema.parse(
      JSON.parse(JSON.stringify(forwarded()).replaceAll(SNAPSHOT, OLD)),
    );

    // Act
    const result = await runMemberEvent({ hub, active: async () => new Set([MEMBER]) }, event);

    // Assess: the grant the policy does not allow is revoked; the snapshot and its allowed grant stay.
    const results = result.report.snapshots.flatMap((e) => e.results);
    expect(results.find((r) => r.type === 'delete')).toMatchObject({
      outcome: 'skipped',
      reason: EVENT_DEFERS_DELETES,
    });
    const old = local.store.getSnapshot(MEMBER, REGION, OLD);
    expect(old).toBeDefined();
    expect([...(old?.grants ?? [])]).toEqual([ALLOWED]);
    const calls = Object.keys(local.calls());
    expect(calls).not.toContain('redshift.DeleteClusterSnapshot');
    expect(calls).not.toContain('redshift.AuthorizeSnapshotAccess');
    expect(local.organization?.sessions()[0]?.sessionName).toMatch(/^snapshot-guard-event-/);
  });

  it('gives up on an AssumeRole that hangs before the function times out, and says the account was not reached', async () => {
    // Prepare: STS answers long after the function would have been stopped.
    local.faults.configure({ rules: [{ action: 'sts.AssumeRole', latencyMs: 4_000 }] });
    const hub = runtimeFor(parsePolicy(POLICY, 'org.yml'), clients());
    const deadline = Date.now() + 3_000;

    // Act
    const result = await runMemberEvent({ hub, active: async () => new Set([MEMBER]) }, forwarded(), {
      remainingMs: () => deadline - Date.now(),
    });

    // Assess: back before the deadline, with the account reported as not reached.
    expect(Date.now()).toBeLessThan(deadline);
    expect(result.report.compliant).toBe(false);
    expect(result.ignored).toContain('TimeUpError');
    const unreachable = events().filter((e) => e.type === DETAIL_TYPES.unreachable);
    expect(unreachable.map((e) => e.detail.account)).toEqual([MEMBER]);
    expect(grantsOf(MEMBER)).toEqual([ALLOWED, UNKNOWN].sort());
  });
});

describe('snapshot-guard handle-event with an organization policy', () => {
  it("handles a member's saved event as the hub would", async () => {
    // Prepare
    const file = join(workdir, 'event.json');
    await writeFile(file, JSON.stringify(forwarded()));
    let stdout = '';

    // Act
    const code = await main(
      ['node', 'snapshot-guard', 'handle-event', file, '--policy', join(workdir, 'org.yml'), '--json'],
      { stdout: (t) => (stdout += t), stderr: () => {}, env: process.env },
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ account: MEMBER, summary: { revocations: { applied: 1 } } });
    expect(grantsOf(MEMBER)).toEqual([ALLOWED]);
  });
});
