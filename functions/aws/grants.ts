import {
  AuthorizeSnapshotAccessCommand,
  DeleteClusterSnapshotCommand,
  type RedshiftClient,
  RevokeSnapshotAccessCommand,
  type RevokeSnapshotAccessMessage,
} from '@aws-sdk/client-redshift';
import { DeleteSnapshotCommand, type RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import * as z from 'zod';
import type { Action, Outcome, SnapshotRef } from '../engine/model.ts';
import type { CallResult, Delete, Revoke } from '../engine/ports.ts';
import { errorText } from '../errors.ts';
import { describeIssue } from '../input/issues.ts';
import { SUPPORT_ACCOUNT } from '../policy/schema.ts';

/**
 * Reads back who may restore a Redshift Serverless snapshot (one GetSnapshot): `undefined` when
 * it no longer exists. Throws when the read fails. See `serverlessGrants`.
 */
export type ReadGrants = (arn: string) => Promise<readonly string[] | undefined>;

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

/**
 * The IAM actions each enforcement step needs; serverless.yml is held to exactly these. A
 * Serverless revoke or restore is confirmed by reading the snapshot back (GetSnapshot); a restore
 * gives back, after a failed delete, an allowed grant revoked for it.
 */
export const IAM_ACTIONS: Record<Action['type'] | 'restore', readonly string[]> = {
  revoke: ['redshift:RevokeSnapshotAccess', 'redshift-serverless:GetSnapshot'],
  delete: ['redshift:DeleteClusterSnapshot', 'redshift-serverless:DeleteSnapshot'],
  restore: ['redshift:AuthorizeSnapshotAccess', 'redshift-serverless:GetSnapshot'],
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

/**
 * The part of a RevokeSnapshotAccess or AuthorizeSnapshotAccess answer a provisioned change is
 * confirmed from: the snapshot it is about and who may restore it now (left out when no one may).
 */
const SharingAnswerSchema = z.object({
  Snapshot: z.object({
    SnapshotIdentifier: z.string(),
    AccountsWithRestoreAccess: z
      .array(z.object({ AccountId: z.string().optional(), AccountAlias: z.string().optional() }))
      .optional(),
  }),
});

/** The part of a DeleteClusterSnapshot answer a delete is confirmed from: status `deleted`. */
const DeleteAnswerSchema = z.object({
  Snapshot: z.object({ SnapshotIdentifier: z.string(), Status: z.string() }),
});

function attemptsOf(value: unknown): number | undefined {
  return (value as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
}

/**
 * Whether an error is AWS refusing the call outright: a client fault answered to the only attempt.
 * A time-out, a lost connection, a 5xx or a retry leaves open whether an earlier attempt landed.
 */
function refused(error: unknown): boolean {
  const e = error as { $fault?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
  return (
    e.$fault === 'client' && e.$metadata?.httpStatusCode !== undefined && (e.$metadata.attempts ?? 1) === 1
  );
}

function answerIssue(error: z.ZodError): string {
  const { path, message } = describeIssue(error, '(answer)');
  return `${path}: ${message}`;
}

/** Runs one AWS call and says what it came to: done, already done (see ALREADY_DONE), or failed with why. */
async function callResult(type: Action['type'], call: () => Promise<unknown>): Promise<CallResult> {
  try {
    const out = await call();
    return { outcome: 'applied', attempts: attemptsOf(out) };
  } catch (error) {
    const outcome = ALREADY_DONE[type].has((error as Error).name) ? 'already-done' : 'failed';
    return { outcome, reason: errorText(error), attempts: attemptsOf(error) };
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
 * Who may restore the snapshot according to a provisioned sharing call's answer, or why the
 * answer cannot tell. AWS Support is listed by its alias, which is also how grants name it.
 */
function accountsInAnswer(out: unknown, action: Revoke, call: string): string[] | string {
  const parsed = SharingAnswerSchema.safeParse(out);
  if (!parsed.success) return `${call} answered without the snapshot's grants (${answerIssue(parsed.error)})`;
  const snapshot = parsed.data.Snapshot;
  if (snapshot.SnapshotIdentifier !== action.snapshot.id) {
    return `${call} answered about snapshot ${snapshot.SnapshotIdentifier}, not ${action.snapshot.id}`;
  }
  return (snapshot.AccountsWithRestoreAccess ?? []).flatMap((a) => {
    const who = a.AccountAlias === SUPPORT_ACCOUNT ? SUPPORT_ACCOUNT : a.AccountId;
    return who ? [who] : [];
  });
}

/** What a read-back must show, and what to report either way. */
type Expectation = {
  /** Whether the account must be on the snapshot afterwards. */
  present: boolean;
  /** The outcome when it is as expected. */
  outcome: Outcome;
  reason?: string;
  /** What AWS said, for the reason when the read-back fails, e.g. `revoke accepted`. */
  step: string;
  /** The reason when the read-back shows otherwise. */
  mismatch: string;
};

/**
 * Whether `action.account` is (or is not) on a Serverless snapshot, read back with `readGrants`:
 * the expected outcome when the read-back agrees; `failed` when it does not or cannot be read.
 * A snapshot that no longer exists has no grant at all.
 */
async function confirmByReading(
  readGrants: ReadGrants,
  action: Revoke,
  want: Expectation,
  attempts: number | undefined,
): Promise<CallResult> {
  let grants: readonly string[] | undefined;
  try {
    grants = await readGrants(action.snapshot.arn);
  } catch (error) {
    return {
      outcome: 'failed',
      reason: `${want.step}, unconfirmed: reading the snapshot back failed (${errorText(error)})`,
      attempts,
    };
  }
  const present = grants?.includes(action.account) ?? false;
  if (present !== want.present) return { outcome: 'failed', reason: want.mismatch, attempts };
  return { outcome: want.outcome, ...(want.reason ? { reason: want.reason } : {}), attempts };
}

/**
 * Takes back one account's restore access, and counts it done only when AWS shows the account
 * gone: from the answer's `Snapshot.AccountsWithRestoreAccess` for a provisioned snapshot (no
 * extra call), and by reading a Redshift Serverless snapshot back (one GetSnapshot), since the
 * Redshift answer for a Serverless ARN is not what the snapshot's resource policy says.
 * AuthorizationNotFound / ClusterSnapshotNotFound are `already-done`; on a Serverless ARN they
 * too are confirmed by the read-back. A grant that survives is `failed`, never done. The SDK
 * retries throttling and 5xx with backoff; what still fails comes back as `failed`, never thrown.
 *
 * @example
 * await revokeGrant(clients.redshift('us-east-1'), action, (arn) => serverlessGrants(sls, arn));
 * // { outcome: 'applied', attempts: 1 }
 */
export async function revokeGrant(
  client: RedshiftClient,
  action: Revoke,
  readGrants: ReadGrants,
): Promise<CallResult> {
  const serverless = action.snapshot.kind === 'serverless';
  const remains = `revoke accepted, access remains: account ${action.account} can still restore the snapshot`;
  let out: unknown;
  try {
    out = await client.send(
      new RevokeSnapshotAccessCommand({
        ...addressOf(action.snapshot),
        AccountWithRestoreAccess: action.account,
      }),
    );
  } catch (error) {
    const attempts = attemptsOf(error);
    if (!ALREADY_DONE.revoke.has((error as Error).name)) {
      return {
        outcome: 'failed',
        reason: errorText(error),
        attempts,
        ...(refused(error) && { unchanged: true }),
      };
    }
    if (!serverless) return { outcome: 'already-done', reason: errorText(error), attempts };
    return confirmByReading(
      readGrants,
      action,
      {
        present: false,
        outcome: 'already-done',
        reason: errorText(error),
        step: `revoke answered ${(error as Error).name}`,
        mismatch: `revoke not applied, access remains: RevokeSnapshotAccess answered ${errorText(error)}, but GetSnapshot still lists account ${action.account}`,
      },
      attempts,
    );
  }
  const attempts = attemptsOf(out);
  if (serverless) {
    return confirmByReading(
      readGrants,
      action,
      {
        present: false,
        outcome: 'applied',
        step: 'revoke accepted',
        mismatch: `${remains} (GetSnapshot still lists it)`,
      },
      attempts,
    );
  }
  const accounts = accountsInAnswer(out, action, 'RevokeSnapshotAccess');
  if (typeof accounts === 'string') {
    return { outcome: 'failed', reason: `revoke accepted, unconfirmed: ${accounts}`, attempts };
  }
  if (accounts.includes(action.account)) {
    return { outcome: 'failed', reason: `${remains} (the answer still lists it)`, attempts, unchanged: true };
  }
  return { outcome: 'applied', attempts };
}

/**
 * Gives one account back the restore access `action` took from it (AuthorizeSnapshotAccess),
 * after the delete it was revoked for failed; done only when AWS shows the account back, the same
 * way a revoke is confirmed. AuthorizationAlreadyExists means it is back already.
 *
 * @example
 * await restoreGrant(clients.redshift('us-east-1'), action, readGrants); // { outcome: 'applied' }
 */
export async function restoreGrant(
  client: RedshiftClient,
  action: Revoke,
  readGrants: ReadGrants,
): Promise<CallResult> {
  const serverless = action.snapshot.kind === 'serverless';
  const missing = `restore accepted, access still missing: account ${action.account} cannot restore the snapshot`;
  let out: unknown;
  let outcome: Outcome = 'applied';
  let reason: string | undefined;
  try {
    out = await client.send(
      new AuthorizeSnapshotAccessCommand({
        ...addressOf(action.snapshot),
        AccountWithRestoreAccess: action.account,
      }),
    );
  } catch (error) {
    if (ALREADY_DONE.delete.has((error as Error).name)) {
      // An abandoned delete can still have gone through: then there is nothing left to give back.
      const reason = `the snapshot is gone, so the delete went through after all (${errorText(error)})`;
      return { outcome: 'failed', reason, attempts: attemptsOf(error) };
    }
    if ((error as Error).name !== 'AuthorizationAlreadyExistsFault') {
      return { outcome: 'failed', reason: errorText(error), attempts: attemptsOf(error) };
    }
    if (!serverless)
      return { outcome: 'already-done', reason: errorText(error), attempts: attemptsOf(error) };
    out = error;
    outcome = 'already-done';
    reason = errorText(error);
  }
  const attempts = attemptsOf(out);
  if (serverless) {
    return confirmByReading(
      readGrants,
      action,
      {
        present: true,
        outcome,
        step: 'restore accepted',
        mismatch: `${missing} (GetSnapshot does not list it)`,
        ...(reason ? { reason } : {}),
      },
      attempts,
    );
  }
  const accounts = accountsInAnswer(out, action, 'AuthorizeSnapshotAccess');
  if (typeof accounts === 'string') {
    return { outcome: 'failed', reason: `restore accepted, unconfirmed: ${accounts}`, attempts };
  }
  if (!accounts.includes(action.account)) {
    return { outcome: 'failed', reason: `${missing} (the answer does not list it)`, attempts };
  }
  return { outcome: 'applied', attempts };
}

/**
 * Deletes one manual provisioned snapshot; every grant must have been revoked first. Done only
 * when the answer shows the snapshot with status `deleted` (DeleteClusterSnapshot's documented
 * answer); a snapshot already gone is `already-done`.
 */
export async function deleteClusterSnapshot(client: RedshiftClient, action: Delete): Promise<CallResult> {
  let out: unknown;
  try {
    out = await client.send(
      new DeleteClusterSnapshotCommand({
        SnapshotIdentifier: action.snapshot.id,
        SnapshotClusterIdentifier: action.snapshot.cluster,
      }),
    );
  } catch (error) {
    const outcome = ALREADY_DONE.delete.has((error as Error).name) ? 'already-done' : 'failed';
    return { outcome, reason: errorText(error), attempts: attemptsOf(error) };
  }
  const attempts = attemptsOf(out);
  const parsed = DeleteAnswerSchema.safeParse(out);
  if (!parsed.success) {
    return {
      outcome: 'failed',
      reason: `delete accepted, unconfirmed: DeleteClusterSnapshot answered without the snapshot's status (${answerIssue(parsed.error)})`,
      attempts,
    };
  }
  const { SnapshotIdentifier: id, Status: status } = parsed.data.Snapshot;
  if (id !== action.snapshot.id || status.toLowerCase() !== 'deleted') {
    return {
      outcome: 'failed',
      reason: `delete accepted, unconfirmed: DeleteClusterSnapshot answered snapshot ${id} with status "${status}", not "deleted"`,
      attempts,
    };
  }
  return { outcome: 'applied', attempts };
}

/**
 * Deletes one Redshift Serverless snapshot by name (the only way DeleteSnapshot names one); every
 * grant must have been revoked first, as for provisioned snapshots. Counted done when the call
 * succeeds: the status its answer carries is not documented, so it is not relied on.
 *
 * @example
 * await deleteServerlessSnapshot(clients.serverless('us-east-1'), action); // { outcome: 'applied' }
 */
export function deleteServerlessSnapshot(
  client: RedshiftServerlessClient,
  action: Delete,
): Promise<CallResult> {
  return callResult('delete', () =>
    client.send(new DeleteSnapshotCommand({ snapshotName: action.snapshot.id })),
  );
}
