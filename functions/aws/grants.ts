import {
  DeleteClusterSnapshotCommand,
  type RedshiftClient,
  RevokeSnapshotAccessCommand,
  type RevokeSnapshotAccessMessage,
} from '@aws-sdk/client-redshift';
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
  revoke: new Set(['AuthorizationNotFoundFault', 'ClusterSnapshotNotFoundFault']),
  delete: new Set(['ClusterSnapshotNotFoundFault']),
};

/** The IAM actions each enforcement action needs; serverless.yml is held to exactly these. */
export const IAM_ACTIONS: Record<Action['type'], readonly string[]> = {
  revoke: ['redshift:RevokeSnapshotAccess'],
  delete: ['redshift:DeleteClusterSnapshot'],
};

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
