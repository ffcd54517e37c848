import {
  AuthorizationNotFoundFault,
  AuthorizeSnapshotAccessCommand,
  DescribeClusterSnapshotsCommand,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import {
  ConflictException,
  CreateNamespaceCommand,
  CreateSnapshotCommand,
  DeleteNamespaceCommand,
  DeleteSnapshotCommand,
  GetResourcePolicyCommand,
  GetSnapshotCommand,
  ListSnapshotsCommand,
  ListTagsForResourceCommand,
  PutResourcePolicyCommand,
  RedshiftServerlessClient,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-redshift-serverless';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateFleet } from '../../local/fleet.ts';
import { DEMO } from '../../local/fleet-demo.ts';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient, rejectionOf } from '../helpers/stand-in-clients.ts';

const ACCOUNT = '123456789012';
const PARTNER = '444455556666';
const UNKNOWN = '999988887777';

const aws = useStandIn({ accounts: { AKIDPARTNER: PARTNER } });
let client: RedshiftServerlessClient;

const serverlessClient = (accessKeyId = 'AKIDLOCAL') =>
  new RedshiftServerlessClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'x' },
    maxAttempts: 1,
  });

const restorePolicy = (accounts: string[], action = 'redshift-serverless:RestoreFromSnapshot') =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: accounts }, Action: [action] }],
  });

async function snapshotArn(name: string): Promise<string> {
  const out = await client.send(new GetSnapshotCommand({ snapshotName: name }));
  return out.snapshot?.snapshotArn ?? '';
}

beforeAll(() => {
  client = serverlessClient();
});

afterAll(() => {
  client.destroy();
});

beforeEach(async () => {
  await client.send(new CreateNamespaceCommand({ namespaceName: 'sales-serverless' }));
  aws.resetCalls();
});

describe('Redshift Serverless stand-in', () => {
  it('creates a snapshot and reads it back by name and by ARN, with RFC 3339 times', async () => {
    // Act
    const created = await client.send(
      new CreateSnapshotCommand({
        namespaceName: 'sales-serverless',
        snapshotName: 'sales-weekly',
        retentionPeriod: 30,
        tags: [{ key: 'team', value: 'sales' }],
      }),
    );
    const arn = created.snapshot?.snapshotArn ?? '';
    const byName = await client.send(new GetSnapshotCommand({ snapshotName: 'sales-weekly' }));
    const byArn = await client.send(new GetSnapshotCommand({ snapshotArn: arn }));
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    // Assess
    expect(created.snapshot).toMatchObject({ status: 'CREATING', snapshotRetentionPeriod: 30 });
    expect(arn).toMatch(/^arn:aws:redshift-serverless:us-east-1:123456789012:snapshot\/[0-9a-f-]{36}$/);
    expect(byName.snapshot).toMatchObject({
      snapshotName: 'sales-weekly',
      namespaceName: 'sales-serverless',
      ownerAccount: ACCOUNT,
      status: 'AVAILABLE',
      kmsKeyId: 'AWS_OWNED_KMS_KEY',
    });
    expect(byName.snapshot?.snapshotCreateTime).toBeInstanceOf(Date);
    expect(byArn.snapshot?.snapshotName).toBe('sales-weekly');
    expect(tags.tags).toEqual([{ key: 'team', value: 'sales' }]);
    expect(aws.calls()).toMatchObject({
      'redshift-serverless.CreateSnapshot': 1,
      'redshift-serverless.GetSnapshot': 2,
    });
  });

  it("answers with the SDK's typed errors", async () => {
    await client.send(new CreateSnapshotCommand({ namespaceName: 'sales-serverless', snapshotName: 'a' }));

    const missing = await rejectionOf(client.send(new GetSnapshotCommand({ snapshotName: 'nope' })));
    const duplicate = await rejectionOf(
      client.send(new CreateSnapshotCommand({ namespaceName: 'sales-serverless', snapshotName: 'a' })),
    );
    const badPage = await rejectionOf(client.send(new ListSnapshotsCommand({ maxResults: 0 })));
    const badRetention = await rejectionOf(
      client.send(
        new CreateSnapshotCommand({
          namespaceName: 'sales-serverless',
          snapshotName: 'b',
          retentionPeriod: 0,
        }),
      ),
    );

    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(badPage).toBeInstanceOf(ValidationException);
    expect(badRetention).toBeInstanceOf(ValidationException);
  });

  it('pages in a stable order, resuming exactly after the last snapshot even when one is deleted', async () => {
    // Prepare
    for (let i = 0; i < 7; i++) {
      aws.serverless.createSnapshot(ACCOUNT, 'us-east-1', {
        namespaceName: 'sales-serverless',
        name: `s-${i}`,
        createTime: Date.UTC(2026, 9, 1 + i),
      });
    }
    // Act
    const first = await client.send(new ListSnapshotsCommand({ maxResults: 3 }));
    await client.send(new DeleteSnapshotCommand({ snapshotName: 's-3' }));
    const second = await client.send(new ListSnapshotsCommand({ maxResults: 3, nextToken: first.nextToken }));
    // Assess
    const names = (page: typeof first) => page.snapshots?.map((s) => s.snapshotName);
    expect(names(first)).toEqual(['s-0', 's-1', 's-2']);
    expect(names(second)).toEqual(['s-4', 's-5', 's-6']);
    expect(second.nextToken).toBeUndefined();
  });

  it('shares through a resource policy, shows the grants only to the owner, and lets the grantee see it', async () => {
    // Prepare
    await client.send(
      new CreateSnapshotCommand({ namespaceName: 'sales-serverless', snapshotName: 'shared' }),
    );
    const arn = await snapshotArn('shared');
    // Act
    await client.send(new PutResourcePolicyCommand({ resourceArn: arn, policy: restorePolicy([PARTNER]) }));
    const policy = await client.send(new GetResourcePolicyCommand({ resourceArn: arn }));
    const owner = await client.send(new GetSnapshotCommand({ snapshotArn: arn }));
    const partner = serverlessClient('AKIDPARTNER');
    const seen = await partner.send(new ListSnapshotsCommand({}));
    partner.destroy();
    // Assess
    expect(JSON.parse(policy.resourcePolicy?.policy ?? '{}').Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: [PARTNER] }, Action: ['redshift-serverless:RestoreFromSnapshot'] },
    ]);
    expect(owner.snapshot?.accountsWithRestoreAccess).toEqual([PARTNER]);
    expect(seen.snapshots?.map((s) => [s.snapshotName, s.ownerAccount, s.accountsWithRestoreAccess])).toEqual(
      [['shared', ACCOUNT, undefined]],
    );
  });

  it("lets Redshift's sharing calls act on a Serverless snapshot named by ARN", async () => {
    // Prepare
    await client.send(
      new CreateSnapshotCommand({ namespaceName: 'sales-serverless', snapshotName: 'both-ways' }),
    );
    const arn = await snapshotArn('both-ways');
    await client.send(new PutResourcePolicyCommand({ resourceArn: arn, policy: restorePolicy([UNKNOWN]) }));
    const redshift = redshiftClient(aws);
    // Act
    await redshift.send(
      new AuthorizeSnapshotAccessCommand({ SnapshotArn: arn, AccountWithRestoreAccess: PARTNER }),
    );
    const shared = await client.send(new GetSnapshotCommand({ snapshotArn: arn }));
    const revoked = await redshift.send(
      new RevokeSnapshotAccessCommand({ SnapshotArn: arn, AccountWithRestoreAccess: UNKNOWN }),
    );
    const again = await rejectionOf(
      redshift.send(new RevokeSnapshotAccessCommand({ SnapshotArn: arn, AccountWithRestoreAccess: UNKNOWN })),
    );
    const provisioned = await redshift.send(new DescribeClusterSnapshotsCommand({}));
    redshift.destroy();
    // Assess
    expect(shared.snapshot?.accountsWithRestoreAccess).toEqual([UNKNOWN, PARTNER]);
    expect(shared.snapshot?.accountsWithProvisionedRestoreAccess).toEqual([PARTNER]);
    expect(revoked.Snapshot).toMatchObject({ SnapshotArn: arn, SnapshotIdentifier: 'both-ways' });
    expect(revoked.Snapshot?.AccountsWithRestoreAccess).toEqual([{ AccountId: PARTNER }]);
    expect(again).toBeInstanceOf(AuthorizationNotFoundFault);
    expect(provisioned.Snapshots).toEqual([]);
  });

  it('deletes a namespace after taking the final snapshot it asks for, which outlives it', async () => {
    // Act
    const deleted = await client.send(
      new DeleteNamespaceCommand({
        namespaceName: 'sales-serverless',
        finalSnapshotName: 'sales-final',
        finalSnapshotRetentionPeriod: 14,
      }),
    );
    const final = await client.send(new GetSnapshotCommand({ snapshotName: 'sales-final' }));
    const again = await rejectionOf(
      client.send(new DeleteNamespaceCommand({ namespaceName: 'sales-serverless' })),
    );
    // Assess
    expect(deleted.namespace).toMatchObject({ namespaceName: 'sales-serverless', status: 'DELETING' });
    expect(final.snapshot).toMatchObject({ namespaceName: 'sales-serverless', snapshotRetentionPeriod: 14 });
    expect(again).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses to delete a snapshot other accounts may still restore', async () => {
    await client.send(new CreateSnapshotCommand({ namespaceName: 'sales-serverless', snapshotName: 'kept' }));
    const arn = await snapshotArn('kept');
    await client.send(new PutResourcePolicyCommand({ resourceArn: arn, policy: restorePolicy([PARTNER]) }));

    const refused = await rejectionOf(client.send(new DeleteSnapshotCommand({ snapshotName: 'kept' })));

    expect(refused).toBeInstanceOf(ConflictException);
    expect(aws.serverless.getByArn(arn)).toBeDefined();
  });
});

describe('Serverless fleets', () => {
  it('adds Serverless snapshots without changing the provisioned fleet a seed gives', () => {
    const now = Date.UTC(2026, 10, 1);

    const plain = generateFleet({ count: 300, seed: 4, now });
    const mixed = generateFleet({ count: 300, seed: 4, now, serverlessCount: 150 });

    expect(mixed.plan.snapshots).toEqual(plain.plan.snapshots);
    expect(mixed.stats.serverless).toMatchObject({ snapshots: 150, namespaces: 2, pages: 2 });
    expect(plain.stats.serverless).toBeUndefined();
  });

  it('seeds the demo namespace with one allowed and one unknown share', () => {
    aws.reset();
    aws.seedFleet({ demo: true });

    const { serverless: x } = DEMO.expectations;
    for (const g of [...x.allowedGrants, ...x.unauthorizedGrants]) {
      expect(aws.serverless.getByName(DEMO.account, 'us-east-1', g.snapshot)).toMatchObject({
        namespaceName: x.namespace,
        restoreAccess: [g.account],
      });
    }
  });
});
