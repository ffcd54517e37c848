import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AuthorizeSnapshotAccessCommand,
  DeleteClusterCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../functions/aws/clients.ts';
import { handleEventCli } from '../../functions/cli/handle-event.ts';
import { main } from '../../functions/cli.ts';
import { EventDetailSchema } from '../../functions/engine/compliance-events.ts';
import { runSnapshotEvent, summarizeEvent } from '../../functions/event-runtime.ts';
import { parsePolicy } from '../../functions/policy/load.ts';
import { type Runtime, runtimeFor } from '../../functions/runtime.ts';
import { runSweep } from '../../functions/sweep-runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const BUS = 'snapshot-compliance';
const SNAPSHOT = 'finance-prod-manual-1';
const UNKNOWN = '999988887777';
const ALLOWED = '111122223333';
/** Owns snapshots it shares with ACCOUNT, some named like ACCOUNT's. */
const PARTNER = '444455556666';

const POLICY = `version: 1
mode: enforce
regions: [${REGION}]
sharing:
  allowedAccounts: ["${ALLOWED}"]
events:
  busName: ${BUS}
`;

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely to build variants
function raw(name: string): any {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

function event(name: string, edit: (detail: ReturnType<typeof raw>) => void = () => {}): CloudTrailEvent {
  const body = raw(name);
  edit(body.detail);
  return CloudTrailEventSchema.parse(body);
}

function fakeContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redshift-snapshot-guard-snapshot-event',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:redshift-snapshot-guard-snapshot-event`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/redshift-snapshot-guard-snapshot-event',
    logStreamName: '2026/10/28/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const local = useStandIn();
let rt: Runtime;
let redshift: RedshiftClient;
let workdir: string;

/** The account, cluster and snapshot the events talk about, and the compliance bus. */
async function seed(): Promise<void> {
  local.store.createCluster(ACCOUNT, REGION, {
    identifier: 'finance-prod',
    manualSnapshotRetentionPeriod: 30,
  });
  local.store.createSnapshot(ACCOUNT, REGION, {
    identifier: SNAPSHOT,
    clusterIdentifier: 'finance-prod',
    manualSnapshotRetentionPeriod: 30,
  });
  await new EventBridgeClient({ region: REGION }).send(new CreateEventBusCommand({ Name: BUS }));
  local.resetCalls();
}

/** What someone did in the console before CloudTrail told us. */
async function share(account: string): Promise<void> {
  await redshift.send(
    new AuthorizeSnapshotAccessCommand({
      SnapshotIdentifier: SNAPSHOT,
      SnapshotClusterIdentifier: 'finance-prod',
      AccountWithRestoreAccess: account,
    }),
  );
  local.resetCalls();
}

const grants = () => local.store.getSnapshot(ACCOUNT, REGION, SNAPSHOT)?.grants ?? [];
const received = () =>
  local.events(BUS).map((e) => ({ detailType: e.detailType, detail: EventDetailSchema.parse(e.detail) }));

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'snapshot-event-'));
  // The SDK's standard variables, as a developer would point the CLI at the stand-in.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: local.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'x',
    POLICY_PATH: join(workdir, 'policy.yml'),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  await writeFile(join(workdir, 'policy.yml'), POLICY);
  redshift = new RedshiftClient({ region: REGION });
  rt = runtimeFor(parsePolicy(POLICY, 'test.yml'), createClients({ homeRegion: REGION, maxAttempts: 2 }));
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(seed);

describe('runSnapshotEvent against the local stand-in', () => {
  it('revokes a share to an unknown account in one describe and one revoke, and says so', async () => {
    await share(UNKNOWN);
    const authorize = event('authorize-snapshot-access');

    const result = await runSnapshotEvent(rt, authorize);

    expect(local.calls()).toMatchObject({
      'redshift.DescribeClusterSnapshots': 1,
      'redshift.RevokeSnapshotAccess': 1,
    });
    expect(grants()).toEqual([]);
    expect(result.report.totals.revocations).toEqual({ applied: 1 });
    expect(result.report.compliant).toBe(true);
    const events = received();
    expect(events.map((e) => e.detailType)).toEqual(['Snapshot Access Revoked']);
    expect(events[0]?.detail).toMatchObject({
      trigger: 'event',
      triggerEventId: authorize.detail.eventID,
      account: ACCOUNT,
      region: REGION,
      snapshot: { identifier: SNAPSHOT, cluster: 'finance-prod' },
      action: { type: 'revoke', account: UNKNOWN, status: 'applied' },
    });
  });

  it('leaves a share to an allowed account alone', async () => {
    await share(ALLOWED);

    const result = await runSnapshotEvent(
      rt,
      event('authorize-snapshot-access', (d) => {
        d.requestParameters.accountWithRestoreAccess = ALLOWED;
      }),
    );

    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    expect(grants()).toEqual([ALLOWED]);
    expect(result.report.compliant).toBe(true);
    expect(received()).toEqual([]);
  });

  it('takes a duplicate delivery in its stride: no failure, same end state', async () => {
    await share(UNKNOWN);
    const authorize = event('authorize-snapshot-access');

    const first = await runSnapshotEvent(rt, authorize);
    const second = await runSnapshotEvent(rt, authorize);

    expect(first.report.totals.revocations).toEqual({ applied: 1 });
    expect(second.report.totals.failures).toBe(0);
    expect(second.report.compliant).toBe(true);
    expect(grants()).toEqual([]);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBe(1);
  });

  it('takes two deliveries at once in its stride: the late revoke is already done', async () => {
    await share(UNKNOWN);
    const authorize = event('authorize-snapshot-access');

    const both = await Promise.all([runSnapshotEvent(rt, authorize), runSnapshotEvent(rt, authorize)]);

    expect(both.map((r) => r.report.totals.failures)).toEqual([0, 0]);
    expect(both.every((r) => r.report.compliant)).toBe(true);
    expect(grants()).toEqual([]);
  });

  it('counts a grant someone else revoked first as already done', async () => {
    await share(UNKNOWN);
    local.faults.configure({ concurrentRevoke: { next: 1 } });

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access'));

    expect(result.report.totals.revocations).toEqual({ 'already-done': 1 });
    expect(result.report.compliant).toBe(true);
    expect(grants()).toEqual([]);
  });

  it('rides out a throttled describe', async () => {
    await share(UNKNOWN);
    local.faults.configure({
      rules: [{ action: 'redshift.DescribeClusterSnapshots', throttle: { next: 1 } }],
    });

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access'));

    expect(result.report.totals.revocations).toEqual({ applied: 1 });
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(2);
  });

  it('reports a snapshot it cannot read as a failure on the bus, changing nothing', async () => {
    await share(UNKNOWN);
    local.faults.configure({
      rules: [{ action: 'redshift.DescribeClusterSnapshots', serverError: { next: 5 } }],
    });

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access'));

    expect(result.report.compliant).toBe(false);
    expect(result.report.totals.failures).toBe(1);
    expect(local.calls()['redshift.RevokeSnapshotAccess']).toBeUndefined();
    expect(received()).toEqual([
      {
        detailType: 'Inventory Failed',
        detail: expect.objectContaining({
          reason: expect.stringMatching(`^snapshot finance-prod/${SNAPSHOT}: `),
        }),
      },
    ]);
  });

  it('finds the snapshot by ARN', async () => {
    await share(UNKNOWN);

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access-by-arn'));

    expect(result.report.totals.revocations).toEqual({ applied: 1 });
    expect(grants()).toEqual([]);
  });

  it('counts a snapshot deleted before the event arrived as gone, not as a failure', async () => {
    local.store.remove(local.store.getSnapshot(ACCOUNT, REGION, SNAPSHOT) ?? expect.fail('seeded'));

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access'));

    expect(result.gone).toEqual([`finance-prod/${SNAPSHOT}`]);
    expect(result.report.totals.failures).toBe(0);
    expect(result.report.compliant).toBe(true);
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(1);
  });

  it('reports a snapshot another account owns as the sweep does: a foreign-owner finding, never a change', async () => {
    // Prepare: PARTNER's snapshot, shared with this account and with an account the policy does not allow
    local.store.createCluster(PARTNER, REGION, { identifier: 'partner-prod' });
    local.store.createSnapshot(PARTNER, REGION, {
      identifier: 'partner-nightly',
      clusterIdentifier: 'partner-prod',
      grants: [ACCOUNT, UNKNOWN],
    });
    const modify = event('modify-cluster-snapshot', (d) => {
      d.requestParameters.snapshotIdentifier = 'partner-nightly';
      d.responseElements = null;
    });

    // Act
    const result = await runSnapshotEvent(rt, modify);
    const calls = local.calls();
    const swept = await runSweep(rt, { trigger: 'schedule', dryRun: true });

    // Assess: read once, reported with the sweep's own finding, and nothing of PARTNER's changed
    expect(result.gone).toEqual([]);
    expect(result.ignored).toBeUndefined();
    expect(result.report.totals).toMatchObject({ snapshots: 1, foreign: 1, findings: 1, failures: 0 });
    expect(result.report.snapshots).toEqual(swept.snapshots.filter((e) => e.snapshot.owner === PARTNER));
    expect(result.report.snapshots[0]?.findings.map((f) => f.kind)).toEqual(['foreign-owner']);
    expect(result.report.compliant).toBe(true);
    expect(calls).toEqual({ 'redshift.DescribeClusterSnapshots': 1 });
    expect(local.store.getSnapshot(PARTNER, REGION, 'partner-nightly')?.grants).toEqual([ACCOUNT, UNKNOWN]);
  });

  it('reports a snapshot an ARN places in another account as foreign-owner, and never changes it', async () => {
    // Prepare: the snapshot the fixture's ARN names, PARTNER's, shared with this account
    local.store.createCluster(PARTNER, REGION, { identifier: 'partner-prod' });
    local.store.createSnapshot(PARTNER, REGION, {
      identifier: 'partner-nightly',
      clusterIdentifier: 'partner-prod',
      grants: [ACCOUNT, UNKNOWN],
    });

    // Act
    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access-foreign-arn'));

    // Assess
    expect(result.ignored).toBeUndefined();
    expect(result.report.snapshots.map((e) => [e.snapshot.owner, e.findings.map((f) => f.kind)])).toEqual([
      [PARTNER, ['foreign-owner']],
    ]);
    expect(result.report.compliant).toBe(true);
    expect(local.calls()).toEqual({ 'redshift.DescribeClusterSnapshots': 1 });
    expect(local.store.getSnapshot(PARTNER, REGION, 'partner-nightly')?.grants).toEqual([ACCOUNT, UNKNOWN]);
  });

  it('finds its own snapshot when another account shares one under the same name', async () => {
    // Prepare: PARTNER's older same-named snapshot, shared with this account, lists before ours
    local.store.createCluster(PARTNER, REGION, { identifier: 'partner-prod' });
    local.store.createSnapshot(PARTNER, REGION, {
      identifier: SNAPSHOT,
      clusterIdentifier: 'partner-prod',
      createTime: Date.now() - 86_400_000,
      grants: [ACCOUNT],
    });
    await share(UNKNOWN);
    const authorize = event('authorize-snapshot-access', (d) => {
      delete d.requestParameters.snapshotClusterIdentifier;
    });

    // Act
    const result = await runSnapshotEvent(rt, authorize);

    // Assess: one describe, ours; the grant it made is taken back; PARTNER's snapshot is untouched
    expect(result.ignored).toBeUndefined();
    expect(result.report.totals.revocations).toEqual({ applied: 1 });
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(1);
    expect(grants()).toEqual([]);
    expect(local.store.getSnapshot(PARTNER, REGION, SNAPSHOT)?.grants).toEqual([ACCOUNT]);
  });

  it('judges the final snapshot a DeleteCluster takes, with the retention it asked for', async () => {
    // Prepare: finance-archive is deleted through the API, leaving a final snapshot kept forever
    local.store.createCluster(ACCOUNT, REGION, { identifier: 'finance-archive' });
    await redshift.send(
      new DeleteClusterCommand({
        ClusterIdentifier: 'finance-archive',
        FinalClusterSnapshotIdentifier: 'finance-archive-final',
        FinalClusterSnapshotRetentionPeriod: -1,
      }),
    );
    const capped = runtimeFor(
      parsePolicy(`${POLICY}retention:\n  manual: { maxRetentionDays: 365 }\n`, 'test.yml'),
      createClients({ homeRegion: REGION, maxAttempts: 2 }),
    );
    await capped.account();
    local.resetCalls();

    // Act
    const result = await runSnapshotEvent(capped, event('delete-cluster'));

    // Assess: read back in one describe, and its retention reported
    expect(local.calls()).toEqual({ 'redshift.DescribeClusterSnapshots': 1, 'events.PutEvents': 1 });
    expect(result.report.totals.findingsByKind).toEqual({ 'retention-indefinite': 1 });
    expect(received()).toEqual([
      {
        detailType: 'Snapshot Policy Violation',
        detail: expect.objectContaining({
          snapshot: expect.objectContaining({
            identifier: 'finance-archive-final',
            cluster: 'finance-archive',
            retentionDays: -1,
          }),
        }),
      },
    ]);
  });

  it('describes each snapshot a batch names once', async () => {
    local.store.createSnapshot(ACCOUNT, REGION, {
      identifier: 'analytics-weekly-2026-43',
      clusterIdentifier: 'finance-prod',
      manualSnapshotRetentionPeriod: 30,
      grants: [UNKNOWN],
    });
    local.resetCalls();

    const result = await runSnapshotEvent(rt, event('batch-modify-cluster-snapshots'));

    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(2);
    expect(result.report.totals.snapshots).toBe(2);
    expect(result.report.totals.revocations).toEqual({ applied: 1 });
  });

  it('ignores a failed call without a single AWS call', async () => {
    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access-failed'));

    expect(result.ignored).toMatch(/failed \(ClusterSnapshotNotFound\)/);
    expect(summarizeEvent(result)).toMatchObject({ compliant: true, ignored: result.ignored });
    expect(local.calls()).toEqual({});
  });

  it("ignores an event from a region outside the policy's regions without a single AWS call", async () => {
    const result = await runSnapshotEvent(
      rt,
      event('authorize-snapshot-access', (d) => {
        d.awsRegion = 'eu-west-1';
      }),
    );

    expect(result.ignored).toBe("eu-west-1 is not among the policy's regions (us-east-1)");
    expect(local.calls()).toEqual({});
  });

  it('takes the home region as the scope when the policy names no regions: another region is ignored without a call', async () => {
    const homeOnly = runtimeFor(
      parsePolicy(POLICY.replace(`regions: [${REGION}]\n`, ''), 'test.yml'),
      createClients({ homeRegion: REGION, maxAttempts: 2 }),
    );
    await share(UNKNOWN);

    const result = await runSnapshotEvent(
      homeOnly,
      event('authorize-snapshot-access', (d) => {
        d.awsRegion = 'eu-west-1';
      }),
    );

    expect(result.ignored).toBe(
      'eu-west-1 is not among the home region (us-east-1); the policy names no regions',
    );
    expect(local.calls()).toEqual({});
    expect(grants()).toEqual([UNKNOWN]);
  });

  it('reports a snapshot ARN from another region as outside the scope, not as gone', async () => {
    const elsewhere = `arn:aws:redshift:eu-west-1:${ACCOUNT}:snapshot:finance-prod/${SNAPSHOT}`;

    const result = await runSnapshotEvent(
      rt,
      event('create-tags', (d) => {
        d.requestParameters.resourceName = elsewhere;
      }),
    );

    expect(result.ignored).toBe(
      `snapshot ${elsewhere} is in eu-west-1, outside the scope of an event from us-east-1`,
    );
    expect(result.gone).toEqual([]);
    expect(local.calls()).toEqual({});
  });

  it("ignores a call made in another account, forwarded to this account's bus", async () => {
    const result = await runSnapshotEvent(
      rt,
      event('authorize-snapshot-access', (d) => {
        d.recipientAccountId = '444455556666';
      }),
    );

    expect(result.ignored).toBe(
      'the call was made in account 444455556666; this function guards 123456789012',
    );
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBeUndefined();
  });

  it('reports instead of revoking on a dry run', async () => {
    await share(UNKNOWN);

    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access'), { dryRun: true });

    expect(grants()).toEqual([UNKNOWN]);
    expect(result.report.compliant).toBe(false);
    expect(received().map((e) => e.detailType)).toEqual(['Snapshot Policy Violation']);
  });
});

describe('the snapshot-event Lambda handler', () => {
  it('handles a delivered event end to end and returns its summary', async () => {
    await share(UNKNOWN);
    const { handler } = await import('../../functions/snapshot-event.ts');
    const delivered = raw('authorize-snapshot-access');

    const summary = await handler(delivered, fakeContext());

    expect(summary).toMatchObject({
      compliant: true,
      eventName: 'AuthorizeSnapshotAccess',
      eventId: delivered.detail.eventID,
      gone: [],
      totals: { snapshots: 1, revocations: { applied: 1 } },
    });
    expect(summary).not.toHaveProperty('ignored');
    expect(grants()).toEqual([]);
  });

  it('rejects a malformed event naming the field, without any AWS call', async () => {
    const { handler } = await import('../../functions/snapshot-event.ts');
    const malformed = raw('authorize-snapshot-access');
    malformed.detail.requestParameters.snapshotIdentifier = 'x'.repeat(300);

    await expect(handler(malformed, fakeContext())).rejects.toMatchObject({
      name: 'InputError',
      path: 'detail.requestParameters.snapshotIdentifier',
    });
    expect(local.calls()).toEqual({});
  });

  it('rejects a spoofed source without any AWS call', async () => {
    const { handler } = await import('../../functions/snapshot-event.ts');

    await expect(handler(raw('spoofed-source'), fakeContext())).rejects.toMatchObject({ path: 'source' });
    expect(local.calls()).toEqual({});
  });
});

describe('snapshot-guard handle-event', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      io: {
        stdout: (t: string) => {
          out.stdout += t;
        },
        stderr: (t: string) => {
          out.stderr += t;
        },
        env: { AWS_REGION: REGION },
      },
    };
  };
  const fixturePath = (name: string) => new URL(`../fixtures/events/${name}.json`, import.meta.url).pathname;

  it('revokes and exits 0 once the snapshot is compliant', async () => {
    await share(UNKNOWN);
    const { out, io: cliIo } = io();

    const code = await handleEventCli(
      fixturePath('authorize-snapshot-access'),
      { policy: process.env.POLICY_PATH },
      cliIo,
    );

    expect(code).toBe(0);
    expect(out.stdout).toContain('Event AuthorizeSnapshotAccess');
    expect(grants()).toEqual([]);
  });

  it('is a snapshot-guard command', async () => {
    await share(UNKNOWN);
    const { out, io: cliIo } = io();
    const argv = ['node', 'snapshot-guard', 'handle-event', fixturePath('authorize-snapshot-access-by-arn')];

    const code = await main([...argv, '--policy', process.env.POLICY_PATH ?? ''], cliIo);

    expect(code).toBe(0);
    expect(out.stdout).toContain('revocations        1 done');
    expect(grants()).toEqual([]);
  });

  it('exits 1 when a dry run leaves a violation, and prints JSON on request', async () => {
    await share(UNKNOWN);
    const { out, io: cliIo } = io();

    const code = await handleEventCli(
      fixturePath('authorize-snapshot-access'),
      { policy: process.env.POLICY_PATH, dryRun: true, json: true },
      cliIo,
    );

    expect(code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      eventName: 'AuthorizeSnapshotAccess',
      compliant: false,
      actions: [{ type: 'revoke', account: UNKNOWN, outcome: 'dry-run' }],
    });
  });

  it('exits 0 for an ignored event', async () => {
    const { out, io: cliIo } = io();

    const code = await handleEventCli(
      fixturePath('authorize-snapshot-access-failed'),
      { policy: process.env.POLICY_PATH },
      cliIo,
    );

    expect(code).toBe(0);
    expect(out.stdout).toContain('ignored: AuthorizeSnapshotAccess failed (ClusterSnapshotNotFound)');
  });

  it('exits 2 for a malformed event, naming the field, without any AWS call', async () => {
    const { out, io: cliIo } = io();

    const code = await handleEventCli(
      fixturePath('spoofed-event-source'),
      { policy: process.env.POLICY_PATH },
      cliIo,
    );

    expect(code).toBe(2);
    expect(out.stderr).toMatch(/spoofed-event-source\.json: detail\.eventSource: /);
    expect(local.calls()).toEqual({});
  });
});
