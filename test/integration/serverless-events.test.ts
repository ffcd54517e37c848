import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizeSnapshotAccessCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import {
  DeleteNamespaceCommand,
  PutResourcePolicyCommand,
  RedshiftServerlessClient,
} from '@aws-sdk/client-redshift-serverless';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../functions/engine/compliance-events.ts';
import { runSnapshotEvent } from '../../functions/event-runtime.ts';
import type { Runtime } from '../../functions/runtime.ts';
import { type CloudTrailEvent, CloudTrailEventSchema } from '../../functions/triggers/cloudtrail.ts';
import {
  ACCOUNT,
  ALLOWED,
  busEvents,
  createBus,
  POLICY,
  PRODUCT_VIEW,
  REGION,
  UNKNOWN,
  warmRuntime,
} from '../helpers/local.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const NAME = 'sales-weekly';

/** Lets an account restore snapshots tagged for its team: Serverless tags must be read. */
const TAGGED_RULES = `  allowSupportAccess: false
  rules:
    - match: { tags: { team: analytics } }
      allowedAccounts: ["${UNKNOWN}"]
`;

const local = useStandIn(PRODUCT_VIEW);
let rt: Runtime;
let arn: string;
let workdir: string;

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely to build variants
function raw(name: string): any {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}.json`, import.meta.url), 'utf8'));
}

/** A recorded event, pointed at the snapshot the stand-in made (its ARN ends in its own UUID). */
function event(name: string, edit: (detail: Record<string, unknown>) => void = () => {}): CloudTrailEvent {
  const body = raw(name);
  const text = JSON.stringify(body).replace(
    /arn:aws:redshift-serverless:us-east-1:123456789012:snapshot\/[0-9a-f-]{36}/g,
    arn,
  );
  const parsed = JSON.parse(text);
  edit(parsed.detail);
  return CloudTrailEventSchema.parse(parsed);
}

const grants = () => {
  const s = local.serverless.getByArn(arn);
  return { restore: s?.restoreAccess, provisioned: s?.provisionedRestoreAccess };
};

const serverless = () => new RedshiftServerlessClient({ region: REGION, maxAttempts: 1 });

async function shareByPolicy(account: string): Promise<void> {
  const client = serverless();
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: [account] }, Action: ['redshift-serverless:RestoreFromSnapshot'] },
    ],
  });
  await client.send(new PutResourcePolicyCommand({ resourceArn: arn, policy }));
  client.destroy();
  local.resetCalls();
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'serverless-events-'));
  await writeFile(join(workdir, 'policy.yml'), POLICY);
  process.env.POLICY_PATH = join(workdir, 'policy.yml');
});

afterAll(async () => {
  await rm(workdir, { recursive: true, force: true });
});

beforeEach(async () => {
  await createBus();
  local.serverless.createNamespace(ACCOUNT, REGION, { name: 'sales-serverless', tags: { team: 'sales' } });
  arn = local.serverless.createSnapshot(ACCOUNT, REGION, {
    namespaceName: 'sales-serverless',
    name: NAME,
    retentionPeriod: 30,
    tags: { team: 'analytics' },
  }).arn;
  rt = await warmRuntime();
  local.resetCalls();
});

describe('real-time enforcement of Redshift Serverless snapshots', () => {
  it('revokes a share made through a resource policy: GetSnapshot to read it, one revoke, GetSnapshot to confirm it', async () => {
    // Prepare
    await shareByPolicy(UNKNOWN);
    const put = event('serverless/put-resource-policy');

    // Act
    const result = await runSnapshotEvent(rt, put);

    // Assess
    expect(local.calls()).toEqual({
      'redshift-serverless.GetSnapshot': 2,
      'redshift.RevokeSnapshotAccess': 1,
      'events.PutEvents': 1,
    });
    expect(grants()).toEqual({ restore: [], provisioned: [] });
    expect(result.report.compliant).toBe(true);
    const events = busEvents(local);
    expect(events.map((e) => e.detailType)).toEqual([DETAIL_TYPES.revoked]);
    expect(events[0]?.detail).toMatchObject({
      trigger: 'event',
      triggerEventId: put.detail.eventID,
      snapshot: { kind: 'serverless', identifier: NAME, arn, namespace: 'sales-serverless' },
      action: { type: 'revoke', account: UNKNOWN, purpose: 'not-allowed', status: 'applied' },
    });
  });

  it('enforces a provisioned AuthorizeSnapshotAccess that names a Serverless snapshot by ARN', async () => {
    // Prepare: shared through Redshift's own API, as the 2022 SnapshotArn change allows
    const redshift = new RedshiftClient({ region: REGION, maxAttempts: 1 });
    await redshift.send(
      new AuthorizeSnapshotAccessCommand({ SnapshotArn: arn, AccountWithRestoreAccess: UNKNOWN }),
    );
    redshift.destroy();
    local.resetCalls();

    // Act
    const result = await runSnapshotEvent(rt, event('authorize-snapshot-access-serverless'));

    // Assess
    expect(local.calls()).toEqual({
      'redshift-serverless.GetSnapshot': 2,
      'redshift.RevokeSnapshotAccess': 1,
      'events.PutEvents': 1,
    });
    expect(grants()).toEqual({ restore: [], provisioned: [] });
    expect(result.report.totals.revocations).toEqual({ applied: 1 });
  });

  it('leaves a share to an allowed account alone', async () => {
    await shareByPolicy(ALLOWED);

    const result = await runSnapshotEvent(rt, event('serverless/put-resource-policy'));

    expect(local.calls()).toEqual({ 'redshift-serverless.GetSnapshot': 1 });
    expect(grants().restore).toEqual([ALLOWED]);
    expect(result.report.compliant).toBe(true);
  });

  it('reads a new snapshot by name when the event names it only that way', async () => {
    const create = event('serverless/create-snapshot', (d) => {
      (d.requestParameters as Record<string, unknown>).snapshotName = NAME;
      d.responseElements = null;
    });

    const result = await runSnapshotEvent(rt, create);

    expect(local.calls()).toEqual({ 'redshift-serverless.GetSnapshot': 1 });
    expect(result.report.totals.snapshots).toBe(1);
    expect(result.gone).toEqual([]);
  });

  it('reports a snapshot another account owns as foreign-owner, as the sweep does, and never changes it', async () => {
    // Prepare: a partner's snapshot, shared with this account and with one the policy does not allow
    const partner = '444455556666';
    local.serverless.createNamespace(partner, REGION, { name: 'partner-sales' });
    const foreign = local.serverless.createSnapshot(partner, REGION, {
      namespaceName: 'partner-sales',
      name: 'partner-weekly',
      restoreAccess: [ACCOUNT, UNKNOWN],
    });
    const put = event('serverless/put-resource-policy', (d) => {
      (d.requestParameters as Record<string, unknown>).resourceArn = foreign.arn;
    });

    // Act
    const result = await runSnapshotEvent(rt, put);

    // Assess: one read, the foreign-owner finding, and the partner's grants as they were
    expect(result.ignored).toBeUndefined();
    expect(result.report.snapshots.map((e) => [e.snapshot.owner, e.findings.map((f) => f.kind)])).toEqual([
      [partner, ['foreign-owner']],
    ]);
    expect(result.report.compliant).toBe(true);
    expect(local.calls()).toEqual({ 'redshift-serverless.GetSnapshot': 1 });
    expect(local.serverless.getByArn(foreign.arn)?.restoreAccess).toEqual([ACCOUNT, UNKNOWN]);
  });

  it('counts a snapshot deleted since the call as gone, not as a failure', async () => {
    local.serverless.remove(
      local.serverless.getByArn(arn) as NonNullable<ReturnType<typeof local.serverless.getByArn>>,
    );

    const result = await runSnapshotEvent(rt, event('serverless/put-resource-policy'));

    expect(result.gone).toEqual([arn]);
    expect(result.report.compliant).toBe(true);
    expect(local.calls()).toEqual({ 'redshift-serverless.GetSnapshot': 1 });
  });

  it('judges the final snapshot a DeleteNamespace takes, with the retention it asked for', async () => {
    // Prepare: the namespace is deleted through the API, leaving a final snapshot kept 30 days
    const client = serverless();
    await client.send(
      new DeleteNamespaceCommand({
        namespaceName: 'sales-serverless',
        finalSnapshotName: 'sales-serverless-final',
        finalSnapshotRetentionPeriod: 30,
      }),
    );
    client.destroy();
    const weekly = await warmRuntime(
      {},
      POLICY.replace('safety:', 'retention:\n  manual: { maxRetentionDays: 7 }\nsafety:'),
    );
    local.resetCalls();

    // Act
    const result = await runSnapshotEvent(weekly, event('serverless/delete-namespace'));

    // Assess: read back by name in one GetSnapshot, and its retention reported
    expect(local.calls()).toEqual({ 'redshift-serverless.GetSnapshot': 1, 'events.PutEvents': 1 });
    expect(result.report.totals.findingsByKind).toEqual({ 'retention-too-long': 1 });
    expect(
      busEvents(local).map((e) => [
        e.detailType,
        e.detail.snapshot?.identifier,
        e.detail.snapshot?.retentionDays,
      ]),
    ).toEqual([[DETAIL_TYPES.violation, 'sales-serverless-final', 30]]);
  });

  it('reads the tags too when a rule matches on them, and keeps the grant that rule allows', async () => {
    // Prepare
    await shareByPolicy(UNKNOWN);
    const tagged = await warmRuntime({}, POLICY.replace('  allowSupportAccess: false\n', TAGGED_RULES));
    local.resetCalls();

    // Act
    const result = await runSnapshotEvent(tagged, event('serverless/put-resource-policy'));

    // Assess
    expect(local.calls()).toEqual({
      'redshift-serverless.GetSnapshot': 1,
      'redshift-serverless.ListTagsForResource': 1,
    });
    expect(grants().restore).toEqual([UNKNOWN]);
    expect(result.report.compliant).toBe(true);
  });
});

describe('the snapshot-event Lambda handler', () => {
  it('accepts an event from aws.redshift-serverless and enforces it', async () => {
    await shareByPolicy(UNKNOWN);
    const { handler } = await import('../../functions/snapshot-event.ts');
    const delivered = JSON.parse(JSON.stringify(event('serverless/put-resource-policy')));

    const summary = await handler(delivered, { getRemainingTimeInMillis: () => 30_000 } as Context);

    expect(summary).toMatchObject({
      compliant: true,
      eventName: 'PutResourcePolicy',
      totals: { snapshots: 1, revocations: { applied: 1 } },
    });
    expect(grants().restore).toEqual([]);
  });
});
