import type { RunContext } from './event-builders.ts';
import type { OpenFinding } from './findings.ts';
import type { FindingKind } from './model.ts';

/**
 * Open findings in the AWS Security Finding Format (ASFF), as a custom integration sends them
 * with BatchImportFindings under the account's default product. Pure data: the adapter in
 * functions/aws/security-hub.ts sends them, `sweep --asff` prints them.
 */

export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** Every GeneratorId starts with this, so the product finds its own findings under the shared default product. */
export const GENERATOR_PREFIX = 'redshift-snapshot-guard/';

export type AsffSeverity = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * Severity per finding kind (README, "Security Hub"): a grant anyone outside the policy can
 * restore from is HIGH when the account is unknown or the data unencrypted, MEDIUM when it is AWS
 * Support or an allowance that ran out; retention findings are LOW. Info kinds are never sent.
 */
export const SEVERITY: Record<FindingKind, AsffSeverity> = {
  'unauthorized-grant': 'HIGH',
  'unencrypted-shared': 'HIGH',
  'expired-grant': 'MEDIUM',
  'support-access': 'MEDIUM',
  'too-old': 'LOW',
  'retention-indefinite': 'LOW',
  'retention-too-long': 'LOW',
  exempted: 'INFORMATIONAL',
  'foreign-owner': 'INFORMATIONAL',
};

const SHARING_TYPES = [
  'Software and Configuration Checks/AWS Security Best Practices',
  'Effects/Data Exposure',
];
const RETENTION_TYPES = ['Software and Configuration Checks/Industry and Regulatory Standards'];

const TITLES: Record<FindingKind, string> = {
  'unauthorized-grant': 'Redshift snapshot can be restored by an account the policy does not allow',
  'unencrypted-shared': 'Unencrypted Redshift snapshot is shared with another account',
  'expired-grant': 'Redshift snapshot is shared with an account whose allowance has ended',
  'support-access': 'Redshift snapshot can be restored by AWS Support',
  'too-old': 'Redshift snapshot is older than the policy allows',
  'retention-indefinite': 'Manual Redshift snapshot is kept indefinitely',
  'retention-too-long': 'Manual Redshift snapshot is kept longer than the policy allows',
  exempted: 'Redshift snapshot findings are waived by an exemption',
  'foreign-owner': 'Redshift snapshot shared into this account by another one',
};

/** The subset of ASFF the product writes, and reads back from GetFindings to archive. */
export type AsffFinding = {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  LastObservedAt?: string;
  Severity: { Label: AsffSeverity; Original?: string };
  FindingProviderFields?: { Severity: { Label: AsffSeverity; Original?: string }; Types: string[] };
  Title: string;
  Description: string;
  Remediation?: { Recommendation: { Text: string } };
  ProductFields?: Record<string, string>;
  Resources: {
    Type: string;
    Id: string;
    Partition?: string;
    Region?: string;
    Details?: { Other?: Record<string, string>; AwsRedshiftCluster?: { ClusterIdentifier: string } };
  }[];
  Compliance: { Status: 'PASSED' | 'FAILED'; RelatedRequirements?: string[] };
  RecordState: 'ACTIVE' | 'ARCHIVED';
};

/** The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The product ARN of the account's own findings (a custom integration) in a region.
 *
 * @example
 * productArn('aws', 'us-east-1', '123456789012'); // 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default'
 */
export function productArn(partition: string, region: string, account: string): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

/**
 * The finding's Id: the same for a snapshot and kind from run to run, so each run updates the
 * finding the last one created instead of adding another.
 *
 * @example
 * findingId('arn:aws:redshift:us-east-1:123456789012:snapshot:prod/nightly', 'unauthorized-grant');
 * // 'redshift-snapshot-guard/unauthorized-grant/arn:aws:redshift:us-east-1:123456789012:snapshot:prod/nightly'
 */
export function findingId(snapshotArn: string, kind: FindingKind): string {
  return `${GENERATOR_PREFIX}${kind}/${snapshotArn}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function recommendation(f: OpenFinding): string {
  const who = f.accounts.join(', ');
  switch (f.kind) {
    case 'unauthorized-grant':
    case 'expired-grant':
    case 'support-access':
    case 'unencrypted-shared':
      return `Revoke restore access for ${who} (RevokeSnapshotAccess), or allow it in the policy at ${f.rule} if it is intended. In mode: enforce, the next run revokes it.`;
    case 'too-old':
      return `Delete the snapshot if it is no longer needed, add an exemption, or set retention.manual.onViolation: delete to have it removed.`;
    default:
      return `Lower the snapshot's manual retention period (ModifyClusterSnapshot) to what ${f.rule} allows, or add an exemption.`;
  }
}

/** What `toAsff` needs besides the finding: the run's context, and when a finding was first imported. */
export type AsffContext = Pick<
  RunContext,
  'account' | 'now' | 'runId' | 'locate' | 'policyFile' | 'policySha256'
> & {
  /** CreatedAt of the finding already open in Security Hub, kept so the finding's age stays true. */
  createdAt?: (id: string) => string | undefined;
};

/**
 * One open finding as an ACTIVE, FAILED ASFF record.
 *
 * @example
 * toAsff(open, { account: '123456789012', now, runId: 'r1' }).Severity.Label; // 'HIGH' for an unauthorized grant
 */
export function toAsff(f: OpenFinding, ctx: AsffContext): AsffFinding {
  const s = f.snapshot;
  const partition = partitionOf(s.region);
  const id = findingId(s.arn, f.kind);
  const now = ctx.now.toISOString();
  const line = ctx.locate?.(f.rule);
  const severity = { Label: SEVERITY[f.kind], Original: f.kind };
  const types = f.remediation === 'revoke' ? SHARING_TYPES : RETENTION_TYPES;
  const other: Record<string, string> = {
    SnapshotIdentifier: s.id,
    SnapshotType: s.type,
    Kind: s.kind === 'cluster' ? 'provisioned' : 'serverless',
    OwnerAccount: s.owner,
  };
  if (s.cluster !== undefined) other.ClusterIdentifier = s.cluster;
  if (s.namespace !== undefined) other.NamespaceName = s.namespace;
  if (s.createdAt !== undefined) other.SnapshotCreateTime = s.createdAt.toISOString();
  if (s.retentionDays !== undefined) other.ManualRetentionDays = String(s.retentionDays);
  if (f.accounts.length > 0) other.AccountsConcerned = clip(f.accounts.join(','), 1000);
  const resources: AsffFinding['Resources'] = [
    { Type: 'Other', Id: s.arn, Partition: partition, Region: s.region, Details: { Other: other } },
  ];
  if (s.cluster !== undefined) {
    resources.push({
      Type: 'AwsRedshiftCluster',
      Id: `arn:${partition}:redshift:${s.region}:${s.owner}:cluster:${s.cluster}`,
      Partition: partition,
      Region: s.region,
      Details: { AwsRedshiftCluster: { ClusterIdentifier: s.cluster } },
    });
  }
  const productFields: Record<string, string> = {
    [`${GENERATOR_PREFIX}kind`]: f.kind,
    [`${GENERATOR_PREFIX}rule`]: f.rule,
    [`${GENERATOR_PREFIX}action`]: f.remediation === 'none' ? 'reported' : `${f.remediation}: ${f.status}`,
    [`${GENERATOR_PREFIX}runId`]: ctx.runId,
  };
  if (line !== undefined) productFields[`${GENERATOR_PREFIX}line`] = String(line);
  if (ctx.policyFile !== undefined) productFields[`${GENERATOR_PREFIX}policy`] = ctx.policyFile;
  if (ctx.policySha256 !== undefined) productFields[`${GENERATOR_PREFIX}policySha256`] = ctx.policySha256;
  const where = `${ctx.policyFile ?? 'policy'}${line === undefined ? '' : `:${line}`} ${f.rule}`;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: id,
    ProductArn: productArn(partition, s.region, ctx.account),
    GeneratorId: `${GENERATOR_PREFIX}${f.rule}`,
    AwsAccountId: ctx.account,
    Types: types,
    CreatedAt: ctx.createdAt?.(id) ?? now,
    UpdatedAt: now,
    LastObservedAt: now,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: clip(TITLES[f.kind], 256),
    Description: clip(f.messages.join('; '), 1024),
    Remediation: { Recommendation: { Text: clip(recommendation(f), 512) } },
    ProductFields: productFields,
    Resources: resources,
    Compliance: { Status: 'FAILED', RelatedRequirements: [clip(where, 256)] },
    RecordState: 'ACTIVE',
  };
}

/**
 * A finding open in Security Hub that the run found resolved, sent back ARCHIVED and PASSED with
 * the fields a provider may set (Workflow is not one of them after creation: the adapter sets it
 * with BatchUpdateFindings).
 *
 * @example
 * archived(previous, new Date()).RecordState; // 'ARCHIVED'
 */
export function archived(previous: AsffFinding, now: Date): AsffFinding {
  const keep: AsffFinding = {
    SchemaVersion: previous.SchemaVersion,
    Id: previous.Id,
    ProductArn: previous.ProductArn,
    GeneratorId: previous.GeneratorId,
    AwsAccountId: previous.AwsAccountId,
    Types: previous.Types,
    CreatedAt: previous.CreatedAt,
    UpdatedAt: now.toISOString(),
    Severity: previous.Severity,
    Title: previous.Title,
    Description: previous.Description,
    Resources: previous.Resources,
    Compliance: { ...previous.Compliance, Status: 'PASSED' },
    RecordState: 'ARCHIVED',
  };
  if (previous.FindingProviderFields) keep.FindingProviderFields = previous.FindingProviderFields;
  // Only our own keys: the `aws/securityhub/*` keys GetFindings adds are Security Hub's to set.
  const own = Object.entries(previous.ProductFields ?? {}).filter(([k]) => k.startsWith(GENERATOR_PREFIX));
  if (own.length > 0) keep.ProductFields = Object.fromEntries(own);
  if (previous.Remediation) keep.Remediation = previous.Remediation;
  return keep;
}
