import * as z from 'zod';
import { FINDING_KINDS } from './model.ts';

/**
 * The compliance events the product publishes. The zod schema is the contract: the README
 * documents it field by field and tests parse every published event with it.
 */

export const DETAIL_TYPES = {
  violation: 'Snapshot Policy Violation',
  revoked: 'Snapshot Access Revoked',
  deleted: 'Snapshot Deleted',
  failed: 'Remediation Failed',
  blastRadius: 'Blast Radius Exceeded',
  inventoryFailed: 'Inventory Failed',
  completed: 'Compliance Sweep Completed',
  /** Organisation mode: a member account whose role could not be assumed, or that is not active. */
  unreachable: 'Account Unreachable',
  /** Organisation mode: one per run, with the totals and every account-region that failed. */
  organizationCompleted: 'Organization Sweep Completed',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export const SCHEMA_VERSION = '1';

const SnapshotDetailSchema = z.object({
  identifier: z.string(),
  arn: z.string(),
  kind: z.enum(['cluster', 'serverless']),
  cluster: z.string().optional(),
  namespace: z.string().optional(),
  type: z.enum(['manual', 'automated']),
  owner: z.string(),
  created: z.string().optional(),
  retentionDays: z.number().optional(),
});

const FindingDetailSchema = z.object({
  kind: z.enum(FINDING_KINDS),
  severity: z.enum(['violation', 'info']),
  account: z.string().optional(),
  rule: z.string(),
  line: z.number().optional(),
  message: z.string(),
});

const TotalsSchema = z.object({
  snapshots: z.number(),
  foreign: z.number(),
  compliant: z.number(),
  violating: z.number(),
  findings: z.number(),
  revocations: z.record(z.string(), z.number()),
  deletions: z.record(z.string(), z.number()),
  failures: z.number(),
});

/** An account-region an organisation run could not sweep, and why. */
const OrganizationFailureSchema = z.object({
  account: z.string(),
  /** Absent when the whole account was out of reach (not active, not in the organisation). */
  region: z.string().optional(),
  detailType: z.enum(['Account Unreachable', 'Inventory Failed']),
  reason: z.string(),
});

const OrganizationDetailSchema = z.object({
  /** Member accounts the run planned to sweep, and the account-regions that made. */
  accounts: z.number(),
  accountRegions: z.number(),
  /** Account-regions read to the end. */
  swept: z.number(),
  /** At most MAX_FAILURES_PER_EVENT; `moreFailures` counts the rest. */
  failures: z.array(OrganizationFailureSchema),
  moreFailures: z.number().optional(),
});

export const EventDetailSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  trigger: z.enum(['schedule', 'event', 'cli']),
  /** The CloudTrail `eventID` that triggered the run, for `trigger: event`. */
  triggerEventId: z.string().optional(),
  account: z.string(),
  region: z.string(),
  mode: z.enum(['audit', 'enforce']),
  dryRun: z.boolean(),
  snapshot: SnapshotDetailSchema.optional(),
  /** The policy rule that decided, with its line in the policy file. */
  rule: z.object({ path: z.string(), line: z.number().optional() }).optional(),
  findings: z.array(FindingDetailSchema).optional(),
  action: z
    .object({
      type: z.enum(['revoke', 'delete', 'none']),
      account: z.string().optional(),
      /**
       * For a revoke, why: `not-allowed` (the policy does not allow the grant) or `delete` (an
       * allowed grant revoked as the step right before its snapshot's delete).
       */
      purpose: z.enum(['not-allowed', 'delete']).optional(),
      status: z.enum(['applied', 'already-done', 'dry-run', 'failed', 'skipped']),
      attempts: z.number().optional(),
      /** For a failed delete: the accounts whose access, revoked for it, was given back. */
      restored: z.array(z.string()).optional(),
      /** For a failed delete: the accounts whose access, revoked for it, could not be given back. */
      notRestored: z.array(z.string()).optional(),
    })
    .optional(),
  /** Why: the finding, the AWS error, or the limit that stopped the run. */
  reason: z.string(),
  totals: TotalsSchema.optional(),
  /** `Organization Sweep Completed` only: what the organisation run reached and what it did not. */
  organization: OrganizationDetailSchema.optional(),
  time: z.string(),
});
export type EventDetail = z.infer<typeof EventDetailSchema>;

export type ComplianceEvent = { detailType: DetailType; detail: EventDetail };

/** A violation event lists at most this many findings, keeping each entry far below PutEvents' 256 KB. */
export const MAX_FINDINGS_PER_EVENT = 50;

/** An organisation summary names at most this many failed account-regions (each is its own event too). */
export const MAX_FAILURES_PER_EVENT = 200;
