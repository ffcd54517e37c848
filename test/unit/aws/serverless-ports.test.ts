import {
  DeleteClusterSnapshotCommand,
  DescribeClusterSnapshotsCommand,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import {
  DeleteSnapshotCommand,
  GetSnapshotCommand,
  ListSnapshotsCommand,
  RedshiftServerlessClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { policyMatchesTags } from '../../../functions/aws/adapters.ts';
import type { AwsClients } from '../../../functions/aws/clients.ts';
import {
  deleteServerlessSnapshot,
  IAM_ACTIONS,
  INVENTORY_IAM_ACTIONS,
} from '../../../functions/aws/grants.ts';
import { serverlessGrants, toServerlessSnapshot } from '../../../functions/aws/serverless.ts';
import { sweepPorts } from '../../../functions/aws/sweep-ports.ts';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { Action } from '../../../functions/engine/model.ts';
import { toSnapshotRef } from '../../../functions/engine/snapshot-ref.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';
import { snapshot } from '../../helpers/snapshots.ts';

const OWNER = '123456789012';
const ARN = `arn:aws:redshift-serverless:us-east-1:${OWNER}:snapshot/7b0e4f6a-2c3d-4e5f-9a1b-3c5d7e9f1a2b`;
const NOW = new Date('2026-11-01T00:00:00Z');

const redshift = mockClient(RedshiftClient);
const serverless = mockClient(RedshiftServerlessClient);

const serverlessSnapshot = (grants: string[] = []) =>
  toServerlessSnapshot(
    {
      namespaceName: 'sales-serverless',
      snapshotName: 'sales-weekly',
      snapshotArn: ARN,
      ownerAccount: OWNER,
      status: 'AVAILABLE',
      snapshotCreateTime: new Date('2026-10-01T00:00:00Z'),
      snapshotRetentionPeriod: 30,
      accountsWithRestoreAccess: grants,
    },
    'us-east-1',
  );

function clients(): AwsClients {
  return {
    homeRegion: 'us-east-1',
    redshift: () => new RedshiftClient({ region: 'us-east-1' }),
    serverless: () => new RedshiftServerlessClient({ region: 'us-east-1' }),
    securityHub: () => Promise.reject(new Error('not used')),
    events: {} as AwsClients['events'],
    sts: {} as AwsClients['sts'],
  };
}

function remove(ref = toSnapshotRef(serverlessSnapshot())): Extract<Action, { type: 'delete' }> {
  return { type: 'delete', snapshot: ref, findings: ['too-old'], rule: 'retention.manual.maxAgeDays' };
}

const policy = (yaml: object) => PolicySchema.parse({ version: 1, ...yaml });

beforeEach(() => {
  redshift.reset();
  serverless.reset();
});

describe('Serverless enforcement', () => {
  it('revokes a Serverless grant through Redshift by its ARN, then reads it back once', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({});
    serverless.on(GetSnapshotCommand).resolves({
      snapshot: { snapshotArn: ARN, accountsWithRestoreAccess: ['111122223333'] },
    });
    const ports = sweepPorts(clients(), policy({}), OWNER);

    const result = await ports.revoke({
      type: 'revoke',
      snapshot: toSnapshotRef(serverlessSnapshot(['999988887777'])),
      account: '999988887777',
      findings: ['unauthorized-grant'],
      rule: 'sharing.allowedAccounts',
      purpose: 'not-allowed',
    });

    expect(result.outcome).toBe('applied');
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(RevokeSnapshotAccessCommand, {
      SnapshotArn: ARN,
      AccountWithRestoreAccess: '999988887777',
    });
    expect(serverless).toHaveReceivedCommandExactlyOnceWith(GetSnapshotCommand, { snapshotArn: ARN });
  });

  it('reads back who may restore a Serverless snapshot, either way', async () => {
    serverless.on(GetSnapshotCommand).resolves({
      snapshot: {
        snapshotArn: ARN,
        accountsWithRestoreAccess: ['111122223333'],
        accountsWithProvisionedRestoreAccess: ['111122223333', '999988887777'],
      },
    });

    await expect(serverlessGrants(new RedshiftServerlessClient({}), ARN)).resolves.toEqual([
      '111122223333',
      '999988887777',
    ]);
  });

  it('reads back no grants for a Serverless snapshot that is gone', async () => {
    serverless
      .on(GetSnapshotCommand)
      .rejects(new ResourceNotFoundException({ message: 'Snapshot not found.', $metadata: {} }));

    await expect(serverlessGrants(new RedshiftServerlessClient({}), ARN)).resolves.toBeUndefined();
  });

  it('refuses a read-back without the snapshot, or about another one', async () => {
    const client = new RedshiftServerlessClient({});
    serverless
      .on(GetSnapshotCommand)
      .resolvesOnce({})
      .resolvesOnce({ snapshot: { snapshotArn: `${ARN}x` } });

    await expect(serverlessGrants(client, ARN)).rejects.toThrow(/GetSnapshot answered without .*snapshot/);
    await expect(serverlessGrants(client, ARN)).rejects.toThrow(
      `GetSnapshot for ${ARN} answered about ${ARN}x`,
    );
  });

  it('deletes a Serverless snapshot through its own API and a provisioned one through Redshift', async () => {
    serverless.on(DeleteSnapshotCommand).resolves({});
    redshift.on(DeleteClusterSnapshotCommand).resolves({});
    const ports = sweepPorts(clients(), policy({}), OWNER);

    await ports.delete(remove());
    await ports.delete(remove(toSnapshotRef(snapshot())));

    expect(serverless).toHaveReceivedCommandExactlyOnceWith(DeleteSnapshotCommand, {
      snapshotName: 'sales-weekly',
    });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(DeleteClusterSnapshotCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
    });
  });

  it('counts a Serverless snapshot deleted meanwhile as already done', async () => {
    serverless
      .on(DeleteSnapshotCommand)
      .rejects(new ResourceNotFoundException({ message: 'Snapshot not found.', $metadata: { attempts: 1 } }));

    const result = await deleteServerlessSnapshot(new RedshiftServerlessClient({}), remove());

    expect(result).toEqual({
      outcome: 'already-done',
      reason: 'ResourceNotFoundException: Snapshot not found.',
      attempts: 1,
    });
  });

  it('names the IAM actions for revoking, restoring, deleting and reading both kinds', () => {
    expect(IAM_ACTIONS.revoke).toEqual(['redshift:RevokeSnapshotAccess', 'redshift-serverless:GetSnapshot']);
    expect(IAM_ACTIONS.restore).toEqual([
      'redshift:AuthorizeSnapshotAccess',
      'redshift-serverless:GetSnapshot',
    ]);
    expect(IAM_ACTIONS.delete).toEqual([
      'redshift:DeleteClusterSnapshot',
      'redshift-serverless:DeleteSnapshot',
    ]);
    expect(INVENTORY_IAM_ACTIONS).toEqual([
      'redshift:DescribeClusterSnapshots',
      'redshift-serverless:ListSnapshots',
      'redshift-serverless:GetSnapshot',
      'redshift-serverless:ListTagsForResource',
    ]);
  });
});

describe('inventory of both kinds', () => {
  it('yields the Serverless pages, then the provisioned pages of the same region', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotIdentifier: 'nightly',
          ClusterIdentifier: 'prod',
          SnapshotType: 'manual',
          OwnerAccount: OWNER,
          Encrypted: true,
        },
      ],
    });
    serverless.on(ListSnapshotsCommand).resolves({
      snapshots: [
        { snapshotName: 'sales-weekly', snapshotArn: ARN, ownerAccount: OWNER, namespaceName: 'sales' },
      ],
    });
    const kinds: string[] = [];

    for await (const { items } of sweepPorts(clients(), policy({}), OWNER).inventory('us-east-1')) {
      for (const item of items)
        if ('snapshot' in item) kinds.push(`${item.snapshot.kind}:${item.snapshot.id}`);
    }

    expect(kinds).toEqual(['serverless:sales-weekly', 'cluster:nightly']);
  });

  it('still lists Serverless snapshots when the provisioned listing fails, then reports the failure', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).rejects(new Error('AccessDenied'));
    serverless.on(ListSnapshotsCommand).resolves({
      snapshots: [
        { snapshotName: 'sales-weekly', snapshotArn: ARN, ownerAccount: OWNER, namespaceName: 'sales' },
      ],
    });
    const seen: string[] = [];

    const read = async () => {
      for await (const { items } of sweepPorts(clients(), policy({}), OWNER).inventory('us-east-1')) {
        for (const item of items) if ('snapshot' in item) seen.push(item.snapshot.id);
      }
    };

    await expect(read()).rejects.toThrow('AccessDenied');
    expect(seen).toEqual(['sales-weekly']);
  });
});

describe('namespace rules on a mapped Serverless snapshot', () => {
  const rules = policy({
    sharing: {
      allowedAccounts: ['111122223333'],
      rules: [
        { match: { cluster: 'sales-*' }, allowedAccounts: [] },
        { match: { namespace: 'sales-*' }, allowedAccounts: ['999988887777'] },
      ],
    },
  });

  it('keeps a grant its namespace rule allows, though the global list does not', () => {
    expect(evaluate(serverlessSnapshot(['999988887777']), rules, NOW)).toEqual([]);
  });

  it("revokes a grant the namespace rule's list leaves out, citing that rule", () => {
    const findings = evaluate(serverlessSnapshot(['111122223333']), rules, NOW);

    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'unauthorized-grant',
        account: '111122223333',
        rule: 'sharing.rules[1]',
        remediation: 'revoke',
        message: 'account 111122223333 is not allowed to restore snapshots of namespace sales-serverless',
      }),
    ]);
  });

  it('reads Serverless tags only for a policy whose rules or exemptions match on tags', () => {
    expect(policyMatchesTags(rules)).toBe(false);
    expect(
      policyMatchesTags(
        policy({ sharing: { rules: [{ match: { tags: { team: 'bi' } }, allowedAccounts: [] }] } }),
      ),
    ).toBe(true);
    expect(
      policyMatchesTags(
        policy({ exemptions: [{ tags: { 'legal-hold': 'true' }, reason: 'r', until: '2027-01-01' }] }),
      ),
    ).toBe(true);
  });
});
