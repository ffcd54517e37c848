import {
  AuthorizationNotFoundFault,
  ClusterSnapshotNotFoundFault,
  DeleteClusterSnapshotCommand,
  InvalidClusterSnapshotStateFault,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteClusterSnapshot, revokeGrant } from '../../../functions/aws/grants.ts';
import type { Action, SnapshotRef } from '../../../functions/engine/model.ts';
import { toRef } from '../../../functions/engine/ref.ts';
import { snapshot } from '../../helpers/snapshots.ts';

const redshift = mockClient(RedshiftClient);
const client = new RedshiftClient({ region: 'us-east-1' });

function revoke(ref: SnapshotRef = toRef(snapshot())): Extract<Action, { type: 'revoke' }> {
  return {
    type: 'revoke',
    snapshot: ref,
    account: '999988887777',
    findings: ['unauthorized-grant'],
    rule: 'sharing.allowedAccounts',
  };
}

function remove(): Extract<Action, { type: 'delete' }> {
  return {
    type: 'delete',
    snapshot: toRef(snapshot()),
    findings: ['too-old'],
    rule: 'retention.manual.maxAgeDays',
  };
}

const meta = (attempts: number) => ({ httpStatusCode: 400, attempts, totalRetryDelay: 0 });

describe('revokeGrant', () => {
  beforeEach(() => {
    redshift.reset();
  });

  it('revokes by identifier and cluster, reporting how many attempts it took', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({ $metadata: { attempts: 2 } });

    const result = await revokeGrant(client, revoke());

    expect(result).toEqual({ outcome: 'applied', attempts: 2 });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(RevokeSnapshotAccessCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
      AccountWithRestoreAccess: '999988887777',
    });
  });

  it('revokes by ARN when the snapshot has no cluster', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({});
    const arn =
      'arn:aws:redshift-serverless:us-east-1:123456789012:snapshot/3f2b1c4e-8d9a-4e7b-9c61-0a5d2e7f8b13';

    await revokeGrant(client, revoke({ ...toRef(snapshot()), kind: 'serverless', cluster: undefined, arn }));

    expect(redshift).toHaveReceivedCommandWith(RevokeSnapshotAccessCommand, {
      SnapshotArn: arn,
      AccountWithRestoreAccess: '999988887777',
    });
  });

  it('counts a grant someone already revoked as already done', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new AuthorizationNotFoundFault({ message: 'Authorization not found.', $metadata: meta(1) }));

    const result = await revokeGrant(client, revoke());

    expect(result).toMatchObject({
      outcome: 'already-done',
      reason: 'AuthorizationNotFoundFault: Authorization not found.',
    });
  });

  it('counts a snapshot deleted meanwhile as already done', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new ClusterSnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: meta(1) }));

    await expect(revokeGrant(client, revoke())).resolves.toMatchObject({ outcome: 'already-done' });
  });

  it('returns any other error as a failure instead of throwing', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: meta(6),
    });
    redshift.on(RevokeSnapshotAccessCommand).rejects(throttled);

    const result = await revokeGrant(client, revoke());

    expect(result).toEqual({ outcome: 'failed', reason: 'ThrottlingException: Rate exceeded', attempts: 6 });
  });
});

describe('deleteClusterSnapshot', () => {
  beforeEach(() => {
    redshift.reset();
  });

  it('deletes by identifier and cluster', async () => {
    redshift.on(DeleteClusterSnapshotCommand).resolves({});

    await expect(deleteClusterSnapshot(client, remove())).resolves.toMatchObject({ outcome: 'applied' });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(DeleteClusterSnapshotCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
    });
  });

  it('counts a snapshot already gone as already done', async () => {
    redshift
      .on(DeleteClusterSnapshotCommand)
      .rejects(new ClusterSnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: meta(1) }));

    await expect(deleteClusterSnapshot(client, remove())).resolves.toMatchObject({ outcome: 'already-done' });
  });

  it('returns a refusal as a failure', async () => {
    redshift.on(DeleteClusterSnapshotCommand).rejects(
      new InvalidClusterSnapshotStateFault({
        message: 'other accounts still have access to it.',
        $metadata: meta(1),
      }),
    );

    await expect(deleteClusterSnapshot(client, remove())).resolves.toMatchObject({
      outcome: 'failed',
      reason: 'InvalidClusterSnapshotStateFault: other accounts still have access to it.',
    });
  });
});
