import * as z from 'zod';
import { ACCOUNT_ID } from '../input/aws-names.ts';
import { tagMapSchema } from '../policy/tags.ts';

/**
 * The engine's plain-data model. Adapters map AWS responses into `Snapshot` (validated with
 * `SnapshotSchema` at that boundary); everything after that is pure functions over these types.
 */

export const SnapshotSchema = z.object({
  /** `cluster` = provisioned (DescribeClusterSnapshots); `serverless` = Redshift Serverless. */
  kind: z.enum(['cluster', 'serverless']),
  id: z.string().min(1),
  arn: z.string().min(1),
  /** Provisioned cluster identifier; the scope `match.cluster` globs against. */
  cluster: z.string().optional(),
  /** Redshift Serverless namespace; the scope `match.namespace` globs against. */
  namespace: z.string().optional(),
  type: z.enum(['manual', 'automated']),
  status: z.string(),
  owner: z.string().regex(ACCOUNT_ID),
  region: z.string().min(1),
  createdAt: z.date().optional(),
  encrypted: z.boolean(),
  /** Manual retention in days; -1 = kept indefinitely; undefined = not reported. */
  retentionDays: z.number().int().optional(),
  /**
   * Who may restore it: 12-digit account ids, or `amazon-redshift-support` for AWS Support
   * (the value to pass back to RevokeSnapshotAccess as AccountWithRestoreAccess).
   */
  grants: z.array(z.string()),
  /** Tag key → value, prototype-free: AWS allows `__proto__` or `constructor` as a key. */
  tags: tagMapSchema(z.string(), z.string()),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** What a finding, action or event says about its snapshot; small enough to keep for a whole run. */
export type SnapshotRef = Pick<
  Snapshot,
  | 'kind'
  | 'id'
  | 'arn'
  | 'cluster'
  | 'namespace'
  | 'type'
  | 'owner'
  | 'region'
  | 'createdAt'
  | 'retentionDays'
>;

export const FINDING_KINDS = [
  'unauthorized-grant',
  'expired-grant',
  'support-access',
  'unencrypted-shared',
  'retention-too-long',
  'retention-indefinite',
  'too-old',
  'exempted',
  'foreign-owner',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export type Finding = {
  kind: FindingKind;
  /** `violation` needs remediation or attention; `info` is kept so a report can say why not. */
  severity: 'violation' | 'info';
  snapshot: SnapshotRef;
  /** The grant concerned, for sharing findings. */
  account?: string;
  /** The policy path that produced the finding, e.g. `sharing.rules[1]`, `retention.manual.maxAgeDays`. */
  rule: string;
  /** One sentence a person understands. */
  message: string;
  /** What enforcement would do about it; `none` = report only. */
  remediation: 'revoke' | 'delete' | 'none';
};

/**
 * Why a grant is revoked. `not-allowed`: the policy does not allow it. `delete`: the policy allows
 * it, but Redshift refuses to delete a shared snapshot, so it is revoked as the step right before
 * its snapshot's delete (and given back if that delete fails).
 */
export type RevokePurpose = 'not-allowed' | 'delete';

export type Action =
  | {
      type: 'revoke';
      snapshot: SnapshotRef;
      account: string;
      findings: FindingKind[];
      rule: string;
      purpose: RevokePurpose;
    }
  | {
      type: 'delete';
      snapshot: SnapshotRef;
      findings: FindingKind[];
      rule: string;
      /**
       * Why the delete cannot go ahead, known before anything is touched (the snapshot is not
       * `available`). A blocked delete has no `delete`-purpose revokes and is never attempted.
       */
      blocked?: string;
    };

/**
 * How an action ended. `applied` = AWS changed it and its answer (or a read-back) shows the
 * change; `already-done` = AWS said it was already so (AuthorizationNotFound, ClusterSnapshotNotFound),
 * confirmed by a read-back for Redshift Serverless; `dry-run` = planned, not sent;
 * `skipped` = not attempted (blast radius, time running out, an earlier step failed, the snapshot
 * not available); `failed` = AWS refused, kept failing after retries, or accepted a change its
 * answer does not show.
 */
export type Outcome = 'applied' | 'already-done' | 'dry-run' | 'skipped' | 'failed';

export type ActionResult = Action & {
  outcome: Outcome;
  /** Why it was skipped or failed: the AWS error name and message, or the engine's reason. */
  reason?: string;
  /** Number of attempts the SDK made (1 = first try). */
  attempts?: number;
  /** AWS's answer shows nothing changed (a refusal of the only attempt, or the grant seen in place). */
  unchanged?: true;
  /**
   * For a delete that failed after allowed grants were revoked for it: the accounts whose access
   * was given back (AuthorizeSnapshotAccess, confirmed), and those it could not be given back to.
   */
  restored?: string[];
  notRestored?: string[];
};

/** `applied` etc. for the summary: counts keyed by action type then outcome. */
export type OutcomeCounts = Record<Action['type'], Record<Outcome, number>>;
