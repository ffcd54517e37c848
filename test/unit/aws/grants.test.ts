import {
  AuthorizationAlreadyExistsFault,
  AuthorizationNotFoundFault,
  AuthorizeSnapshotAccessCommand,
  ClusterSnapshotNotFoundFault,
  DeleteClusterSnapshotCommand,
  InvalidClusterSnapshotStateFault,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  deleteClusterSnapshot,
  type ReadGrants,
  restoreGrant,
  revokeGrant,
} from '../../../functions/aws/grants.ts';
import type { Action, SnapshotRef } from '../../../functions/engine/model.ts';
import { toSnapshotRef } from '../../../functions/engine/snapshot-ref.ts';
import { snapshot } from '../../helpers/snapshots.ts';

const redshift = mockClient(RedshiftClient);
const client = new RedshiftClient({ region: 'us-east-1' });

function revoke(ref: SnapshotRef = toSnapshotRef(snapshot())): Extract<Action, { type: 'revoke' }> {
  return {
    type: 'revoke',
    snapshot: ref,
    account: '999988887777',
    findings: ['unauthorized-grant'],
    rule: 'sharing.allowedAccounts',
    purpose: 'not-allowed',
  };
}

const SERVERLESS_ARN =
  'arn:aws:redshift-serverless:us-east-1:123456789012:snapshot/3f2b1c4e-8d9a-4e7b-9c61-0a5d2e7f8b13';
const serverlessRef = (): SnapshotRef => ({
  ...toSnapshotRef(snapshot()),
  kind: 'serverless',
  cluster: undefined,
  namespace: 'sales',
  id: 'sales-weekly',
  arn: SERVERLESS_ARN,
});

/** What a provisioned sharing call answers: the snapshot with whoever may still restore it. */
const answer = (accounts: string[], attempts = 1) => ({
  $metadata: { attempts },
  Snapshot: {
    SnapshotIdentifier: 'finance-prod-manual-1',
    AccountsWithRestoreAccess: accounts.map((AccountId) => ({ AccountId })),
  },
});

/** A read-back that must not happen: provisioned changes are confirmed from the answer alone. */
const noReadBack: ReadGrants = async () => {
  throw new Error('no read-back expected for a provisioned snapshot');
};

/** A Serverless read-back that returns `grants`, counting its calls. */
function readBack(grants: string[] | undefined) {
  const calls: string[] = [];
  const read: ReadGrants = async (arn) => {
    calls.push(arn);
    return grants;
  };
  return { read, calls };
}

function remove(): Extract<Action, { type: 'delete' }> {
  return {
    type: 'delete',
    snapshot: toSnapshotRef(snapshot()),
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
    redshift.on(RevokeSnapshotAccessCommand).resolves(answer(['111122223333'], 2));

    const result = await revokeGrant(client, revoke(), noReadBack);

    expect(result).toEqual({ outcome: 'applied', attempts: 2 });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(RevokeSnapshotAccessCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
      AccountWithRestoreAccess: '999988887777',
    });
  });

  it('revokes by ARN when the snapshot has no cluster', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({});

    await revokeGrant(client, revoke(serverlessRef()), readBack([]).read);

    expect(redshift).toHaveReceivedCommandWith(RevokeSnapshotAccessCommand, {
      SnapshotArn: SERVERLESS_ARN,
      AccountWithRestoreAccess: '999988887777',
    });
  });

  it('fails a revoke whose answer still lists the account: accepted, access remains', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves(answer(['999988887777']));

    const result = await revokeGrant(client, revoke(), noReadBack);

    expect(result).toEqual({
      outcome: 'failed',
      reason:
        'revoke accepted, access remains: account 999988887777 can still restore the snapshot (the answer still lists it)',
      attempts: 1,
      unchanged: true,
    });
  });

  it('says nothing changed when AWS refuses the only attempt, and leaves it open after a time-out', async () => {
    const denied = Object.assign(new Error('not allowed'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403, attempts: 1 },
    });
    redshift.on(RevokeSnapshotAccessCommand).rejectsOnce(denied);
    await expect(revokeGrant(client, revoke(), noReadBack)).resolves.toMatchObject({
      outcome: 'failed',
      unchanged: true,
    });

    const timedOut = Object.assign(new Error('socket timed out'), {
      name: 'TimeoutError',
      $metadata: { attempts: 4 },
    });
    redshift.on(RevokeSnapshotAccessCommand).rejectsOnce(timedOut);
    const result = await revokeGrant(client, revoke(), noReadBack);
    expect(result.outcome).toBe('failed');
    expect(result.unchanged).toBeUndefined();
  });

  it('confirms a support-access revoke by its alias in the answer', async () => {
    const support = { ...revoke(), account: 'amazon-redshift-support' };
    redshift.on(RevokeSnapshotAccessCommand).resolves({
      Snapshot: {
        SnapshotIdentifier: 'finance-prod-manual-1',
        AccountsWithRestoreAccess: [{ AccountAlias: 'amazon-redshift-support' }],
      },
    });

    await expect(revokeGrant(client, support, noReadBack)).resolves.toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/^revoke accepted, access remains/),
    });
  });

  it('fails a revoke whose answer carries no snapshot, since nothing confirms it', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({ $metadata: { attempts: 1 } });

    const result = await revokeGrant(client, revoke(), noReadBack);

    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^revoke accepted, unconfirmed: RevokeSnapshotAccess answered without/);
  });

  it('fails a revoke whose answer is about another snapshot', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({ Snapshot: { SnapshotIdentifier: 'other' } });

    await expect(revokeGrant(client, revoke(), noReadBack)).resolves.toMatchObject({
      outcome: 'failed',
      reason:
        'revoke accepted, unconfirmed: RevokeSnapshotAccess answered about snapshot other, not finance-prod-manual-1',
    });
  });

  it('confirms a Serverless revoke by reading the snapshot back once', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({ $metadata: { attempts: 1 } });
    const { read, calls } = readBack(['111122223333']);

    const result = await revokeGrant(client, revoke(serverlessRef()), read);

    expect(result).toEqual({ outcome: 'applied', attempts: 1 });
    expect(calls).toEqual([SERVERLESS_ARN]);
  });

  it('fails a Serverless revoke the read-back shows did not take: accepted, access remains', async () => {
    // Redshift's own answer leaves the account out; the snapshot, read back, still lists it.
    redshift.on(RevokeSnapshotAccessCommand).resolves({
      Snapshot: { SnapshotIdentifier: 'sales-weekly', AccountsWithRestoreAccess: [] },
    });

    const result = await revokeGrant(client, revoke(serverlessRef()), readBack(['999988887777']).read);

    expect(result).toMatchObject({
      outcome: 'failed',
      reason:
        'revoke accepted, access remains: account 999988887777 can still restore the snapshot (GetSnapshot still lists it)',
    });
  });

  it('fails a Serverless revoke that cannot be read back, as unconfirmed', async () => {
    redshift.on(RevokeSnapshotAccessCommand).resolves({});
    const read: ReadGrants = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    };

    await expect(revokeGrant(client, revoke(serverlessRef()), read)).resolves.toMatchObject({
      outcome: 'failed',
      reason:
        'revoke accepted, unconfirmed: reading the snapshot back failed (ThrottlingException: Rate exceeded)',
    });
  });

  it('checks AuthorizationNotFound on a Serverless ARN by reading the snapshot back', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new AuthorizationNotFoundFault({ message: 'Authorization not found.', $metadata: meta(1) }));

    const kept = await revokeGrant(client, revoke(serverlessRef()), readBack(['999988887777']).read);
    const gone = await revokeGrant(client, revoke(serverlessRef()), readBack(['111122223333']).read);
    const deleted = await revokeGrant(client, revoke(serverlessRef()), readBack(undefined).read);

    expect(kept).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/^revoke not applied, access remains: .*AuthorizationNotFoundFault/),
    });
    expect(gone).toMatchObject({ outcome: 'already-done' });
    expect(deleted).toMatchObject({ outcome: 'already-done' });
  });

  it('checks ClusterSnapshotNotFound on a Serverless ARN by reading the snapshot back', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new ClusterSnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: meta(1) }));
    const { read, calls } = readBack(['999988887777']);

    const result = await revokeGrant(client, revoke(serverlessRef()), read);

    expect(result).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/^revoke not applied, access remains: .*ClusterSnapshotNotFoundFault/),
    });
    expect(calls).toEqual([SERVERLESS_ARN]);
  });

  it('counts a grant someone already revoked as already done', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new AuthorizationNotFoundFault({ message: 'Authorization not found.', $metadata: meta(1) }));

    const result = await revokeGrant(client, revoke(), noReadBack);

    expect(result).toMatchObject({
      outcome: 'already-done',
      reason: 'AuthorizationNotFoundFault: Authorization not found.',
    });
  });

  it('counts a snapshot deleted meanwhile as already done', async () => {
    redshift
      .on(RevokeSnapshotAccessCommand)
      .rejects(new ClusterSnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: meta(1) }));

    await expect(revokeGrant(client, revoke(), noReadBack)).resolves.toMatchObject({
      outcome: 'already-done',
    });
  });

  it('returns any other error as a failure instead of throwing', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: meta(6),
    });
    redshift.on(RevokeSnapshotAccessCommand).rejects(throttled);

    const result = await revokeGrant(client, revoke(), noReadBack);

    expect(result).toEqual({ outcome: 'failed', reason: 'ThrottlingException: Rate exceeded', attempts: 6 });
  });
});

describe('deleteClusterSnapshot', () => {
  beforeEach(() => {
    redshift.reset();
  });

  it('deletes by identifier and cluster', async () => {
    redshift.on(DeleteClusterSnapshotCommand).resolves({
      Snapshot: { SnapshotIdentifier: 'finance-prod-manual-1', Status: 'deleted' },
    });

    await expect(deleteClusterSnapshot(client, remove())).resolves.toMatchObject({ outcome: 'applied' });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(DeleteClusterSnapshotCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
    });
  });

  it('fails a delete whose answer does not show the snapshot deleted', async () => {
    redshift.on(DeleteClusterSnapshotCommand).resolves({
      Snapshot: { SnapshotIdentifier: 'finance-prod-manual-1', Status: 'available' },
    });

    await expect(deleteClusterSnapshot(client, remove())).resolves.toMatchObject({
      outcome: 'failed',
      reason:
        'delete accepted, unconfirmed: DeleteClusterSnapshot answered snapshot finance-prod-manual-1 with status "available", not "deleted"',
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

describe('restoreGrant', () => {
  beforeEach(() => {
    redshift.reset();
  });

  const giveBack = (ref?: SnapshotRef) => ({
    ...revoke(ref),
    account: '111122223333',
    purpose: 'delete' as const,
  });

  it('gives access back by identifier and cluster, confirmed by the answer', async () => {
    redshift.on(AuthorizeSnapshotAccessCommand).resolves(answer(['111122223333']));

    const result = await restoreGrant(client, giveBack(), noReadBack);

    expect(result).toEqual({ outcome: 'applied', attempts: 1 });
    expect(redshift).toHaveReceivedCommandExactlyOnceWith(AuthorizeSnapshotAccessCommand, {
      SnapshotIdentifier: 'finance-prod-manual-1',
      SnapshotClusterIdentifier: 'finance-prod',
      AccountWithRestoreAccess: '111122223333',
    });
  });

  it('fails a restore whose answer does not list the account', async () => {
    redshift.on(AuthorizeSnapshotAccessCommand).resolves(answer([]));

    await expect(restoreGrant(client, giveBack(), noReadBack)).resolves.toMatchObject({
      outcome: 'failed',
      reason:
        'restore accepted, access still missing: account 111122223333 cannot restore the snapshot (the answer does not list it)',
    });
  });

  it('counts access that is already back as already done', async () => {
    redshift
      .on(AuthorizeSnapshotAccessCommand)
      .rejects(new AuthorizationAlreadyExistsFault({ message: 'already authorized', $metadata: meta(1) }));

    await expect(restoreGrant(client, giveBack(), noReadBack)).resolves.toMatchObject({
      outcome: 'already-done',
    });
  });

  it('confirms a Serverless restore by reading the snapshot back', async () => {
    redshift.on(AuthorizeSnapshotAccessCommand).resolves({});

    const back = await restoreGrant(client, giveBack(serverlessRef()), readBack(['111122223333']).read);
    const missing = await restoreGrant(client, giveBack(serverlessRef()), readBack([]).read);

    expect(back).toMatchObject({ outcome: 'applied' });
    expect(missing).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/GetSnapshot does not list it/),
    });
  });

  it('returns a refusal as a failure instead of throwing', async () => {
    redshift
      .on(AuthorizeSnapshotAccessCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied', $metadata: meta(1) }));

    await expect(restoreGrant(client, giveBack(), noReadBack)).resolves.toEqual({
      outcome: 'failed',
      reason: 'AccessDenied: not allowed',
      attempts: 1,
    });
  });
});
