import {
  DeleteClusterSnapshotCommand,
  type RedshiftClient,
  RevokeSnapshotAccessCommand,
  type RevokeSnapshotAccessMessage,
} from '@aws-sdk/client-redshift';
import { DeleteSnapshotCommand, type RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import type { Action, Outcome, SnapshotRef } from '../engine/model.ts';

/** What one enforcement call came to, in the engine's words. */
export type CallResult = { outcome: Outcome; reason?: string; attempts?: number };

type Revoke = Extract<Action, { type: 'revoke' }>;
type Delete = Extract<Action, { type: 'delete' }>;

/**
 * Errors that mean the change is already in place: the grant was revoked by someone else, or
 * the snapshot (and with it every grant) is gone. At-least-once triggers make these routine.
 */
const ALREADY_DONE: Record<Action['type'], ReadonlySet<string>> = {
  // Revokes go through Redshift's API for both kinds (a Serverless snapshot by its ARN).
  revoke: new Set(['AuthorizationNotFoundFault', 'ClusterSnapshotNotFoundFault']),
  // Serverless deletes go through its own API, which reports a gone snapshot its own way.
  delete: new Set(['ClusterSnapshotNotFoundFault', 'ResourceNotFoundException']),
};

/** The IAM actions each enforcement action needs; serverless.yml is held to exactly these. */
export const IAM_ACTIONS: Record<Action['type'], readonly string[]> = {
  revoke: ['redshift:RevokeSnapshotAccess'],
  delete: ['redshift:DeleteClusterSnapshot', 'redshift-serverless:DeleteSnapshot'],
};

/**
 * The IAM actions reading the fleet needs: listing both kinds for a sweep, reading one
 * Serverless snapshot for an event, and Serverless tags when a rule or exemption matches on tags.
 */
export const INVENTORY_IAM_ACTIONS: readonly string[] = [
  'redshift:DescribeClusterSnapshots',
  'redshift-serverless:ListSnapshots',
  'redshift-serverless:GetSnapshot',
  'redshift-serverless:ListTagsForResource',
];

function attemptsOf(value: unknown): number | undefined {
  return (value as { $metadata?: { attempts?: number } }).$metadata?.attempts;
}

async function settle(type: Action['type'], call: () => Promise<unknown>): Promise<CallResult> {
  try {
    const out = await call();
    return { outcome: 'applied', attempts: attemptsOf(out) };
  } catch (error) {
    const err = error as Error;
    const outcome = ALREADY_DONE[type].has(err.name) ? 'already-done' : 'failed';
    return { outcome, reason: `${err.name}: ${err.message}`, attempts: attemptsOf(err) };
  }
}

/** Names the snapshot as the seeds ask: identifier + cluster for provisioned, ARN for serverless. */
function addressOf(
  snapshot: SnapshotRef,
): Pick<RevokeSnapshotAccessMessage, 'SnapshotIdentifier' | 'SnapshotClusterIdentifier' | 'SnapshotArn'> {
  return snapshot.kind === 'cluster' && snapshot.cluster
    ? { SnapshotIdentifier: snapshot.id, SnapshotClusterIdentifier: snapshot.cluster }
    : { SnapshotArn: snapshot.arn };
}

/**
 * Takes back one account's restore access. The SDK retries throttling and 5xx with backoff;
 * what is still failing after that comes back as `failed` with the AWS error, never as a throw.
 */
export function revokeGrant(client: RedshiftClient, action: Revoke): Promise<CallResult> {
  return settle('revoke', () =>
    client.send(
      new RevokeSnapshotAccessCommand({
        ...addressOf(action.snapshot),
        AccountWithRestoreAccess: action.account,
      }),
    ),
  );
}

/** Deletes one manual provisioned snapshot; every grant must have been revoked first. */
export function deleteClusterSnapshot(client: RedshiftClient, action: Delete): Promise<CallResult> {
  return settle('delete', () =>
    client.send(
      new DeleteClusterSnapshotCommand({
        SnapshotIdentifier: action.snapshot.id,
        SnapshotClusterIdentifier: action.snapshot.cluster,
      }),
    ),
  );
}

/**
 * Deletes one Redshift Serverless snapshot by name (the only way DeleteSnapshot names one); every
 * grant must have been revoked first, as for provisioned snapshots.
 *
 * @example
 * await deleteServerlessSnapshot(clients.serverless('us-east-1'), action); // { outcome: 'applied' }
 */
export function deleteServerlessSnapshot(
  client: RedshiftServerlessClient,
  action: Delete,
): Promise<CallResult> {
  return settle('delete', () => client.send(new DeleteSnapshotCommand({ snapshotName: action.snapshot.id })));
}
