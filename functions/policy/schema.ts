import * as z from 'zod';
import { ACCOUNT_ID, REGION } from '../input/aws-names.ts';
import { show } from '../input/issues.ts';
import { tagMapSchema } from './tags.ts';

/**
 * The policy language. Every object is strict: an unknown key is an error, because a typo
 * (`allowedAcounts`) must never silently weaken a security policy.
 *
 * Checks that can be written as a regex use `.regex`, not `.refine`, so the generated JSON Schema
 * carries the `pattern` and editors flag the mistake while it is typed.
 */

/** The alias AWS uses when a snapshot is shared with AWS Support. */
export const SUPPORT_ACCOUNT = 'amazon-redshift-support';

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// Identifiers and globs: the characters Redshift allows in identifiers, plus `*` and `?`.
const GLOB = /^[A-Za-z0-9*?:_.-]{1,255}$/;
const LOWERCASE_GLOB = /^[a-z0-9*?:_.-]{1,255}$/;
// Tags are free text, but control and invisible formatting characters (bidi overrides, zero-width
// spaces) would let a tag look like another one in a review.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const VISIBLE = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*$/;

/** The longest list the policy accepts: far beyond any real policy, and a bound on pairwise checks. */
export const MAX_LIST = 1000;

function accountIdMessage(input: unknown): string {
  if (typeof input === 'number') {
    // YAML reads 012345678901 as the number 12345678901: the id is gone before we see it.
    return `${input} must be written in quotes: YAML reads unquoted digits as a number (and drops leading zeros)`;
  }
  if (input === SUPPORT_ACCOUNT) return `${show(input)} is not an account id; set allowSupportAccess instead`;
  return typeof input === 'string'
    ? `${show(input)} is not a 12-digit AWS account id`
    : 'must be an account id';
}

export const AccountIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : accountIdMessage(issue.input)) })
  .regex(ACCOUNT_ID, { error: (issue) => accountIdMessage(issue.input) });

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A calendar date `YYYY-MM-DD` (UTC); the day itself is included ("until 2027-01-31" covers that day). */
export const DateSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a date written YYYY-MM-DD') })
  .regex(DATE, { abort: true, error: (issue) => `${show(issue.input)} is not a date written YYYY-MM-DD` })
  .refine(isCalendarDate, { error: (issue) => `${show(issue.input)} is not a day of the calendar` });

function globMessage(input: unknown): string {
  return `${show(input)} is not an identifier glob (letters, digits, - _ . : and the wildcards * ?)`;
}

export const GlobSchema = z.string().regex(GLOB, { error: (issue) => globMessage(issue.input) });

/**
 * A glob over names Redshift keeps in lowercase, so one with an uppercase letter can never match.
 * CreateCluster: "Alphabetic characters must be lowercase"; CreateNamespace: "3-64 alphanumeric
 * characters in lowercase". Snapshot identifiers and Serverless snapshot names carry no such
 * rule in the API reference, so snapshot globs keep their case. One pattern (what an editor
 * checks), two messages: the uppercase one says what to write instead.
 */
function lowercaseGlob(names: string) {
  return z.string().regex(LOWERCASE_GLOB, {
    error: (issue) =>
      typeof issue.input === 'string' && GLOB.test(issue.input)
        ? `${show(issue.input)} can never match: ${names} are lowercase (did you mean ${show(issue.input.toLowerCase())}?)`
        : globMessage(issue.input),
  });
}

const INVISIBLE = 'must not contain control or invisible characters';

// The tag map's keys and values are checked outside the parse's error map, so every check names
// its own message (in the same words as the rest of the policy's messages).
const TagKeySchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .regex(VISIBLE, { error: INVISIBLE });

const TagValueSchema = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number' || typeof issue.input === 'boolean'
        ? `must be text; write ${show(String(issue.input))} in quotes`
        : 'must be text',
  })
  .max(256, { error: 'must be at most 256 characters' })
  .regex(VISIBLE, { error: INVISIBLE });

// Any tag key AWS accepts works here, `__proto__` included (see tagMapSchema).
const TagsMatchSchema = tagMapSchema(TagKeySchema, TagValueSchema)
  .refine((tags) => Object.keys(tags).length > 0, { error: 'must name at least one tag' })
  .describe('Tags the snapshot must carry, each with exactly this value ("*": any value).');

export const AllowedAccountSchema = z.union(
  [
    AccountIdSchema,
    z.strictObject({
      account: AccountIdSchema,
      note: z.string().max(500).optional(),
      expires: DateSchema.optional().describe('Last day (UTC, inclusive) the account is allowed.'),
    }),
  ],
  {
    error: (issue) =>
      issue.input === null || typeof issue.input === 'object'
        ? 'must be an account id or { account, note, expires }'
        : accountIdMessage(issue.input),
  },
);

export const MatchSchema = z
  .strictObject({
    cluster: lowercaseGlob('cluster identifiers')
      .optional()
      .describe('Glob over the provisioned cluster identifier (lowercase, like the identifiers).'),
    snapshot: GlobSchema.optional().describe('Glob over the snapshot identifier.'),
    namespace: lowercaseGlob('Redshift Serverless namespace names')
      .optional()
      .describe('Glob over the Redshift Serverless namespace (lowercase, like the names).'),
    tags: TagsMatchSchema.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    error: 'must name at least one of cluster, snapshot, namespace, tags',
  });

export const SharingRuleSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  match: MatchSchema.describe('Which snapshots the rule applies to; every criterion named must hold.'),
  allowedAccounts: z
    .array(AllowedAccountSchema)
    .max(MAX_LIST)
    .describe('Replaces the global allowlist for matching snapshots; [] shares with nobody.'),
  allowSupportAccess: z.boolean().optional(),
  requireEncryption: z.boolean().optional(),
});

export const SharingSchema = z.strictObject({
  allowedAccounts: z
    .array(AllowedAccountSchema)
    .max(MAX_LIST)
    .default([])
    .describe('12-digit account ids (quoted) that may restore snapshots, or { account, note, expires }.'),
  allowSupportAccess: z
    .boolean()
    .default(false)
    .describe('Whether the amazon-redshift-support alias may restore snapshots.'),
  requireEncryption: z
    .boolean()
    .default(true)
    .describe('A grant on an unencrypted snapshot is not allowed and is revoked.'),
  rules: z
    .array(SharingRuleSchema)
    .max(MAX_LIST)
    .default([])
    .describe('Per-scope allowlists; the first matching rule wins and replaces the global allowlist.'),
});

const Days = (max: number) =>
  z
    .number({ error: 'must be a whole number of days' })
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: `must be between 1 and ${max} days` })
    .max(max, { error: `must be between 1 and ${max} days` });

export const ManualRetentionSchema = z.strictObject({
  maxRetentionDays: Days(3653)
    .optional()
    .describe('ManualSnapshotRetentionPeriod above this, or -1 (indefinite), is a violation.'),
  maxAgeDays: Days(36530).optional().describe('A manual snapshot older than this is a violation.'),
  onViolation: z
    .enum(['report', 'delete'])
    .default('report')
    .describe('delete: revoke grants, then delete snapshots older than maxAgeDays.'),
});

// Automated snapshots are deleted by Redshift on the cluster's schedule and cannot be deleted
// through the API, so the policy can only report on them.
export const AutomatedRetentionSchema = z.strictObject({
  maxAgeDays: Days(35).optional().describe('An automated snapshot older than this is reported.'),
});

export const RetentionSchema = z.strictObject({
  manual: ManualRetentionSchema.default({ onViolation: 'report' }),
  automated: AutomatedRetentionSchema.default({}),
});

export const ExemptionSchema = z
  .strictObject({
    snapshot: GlobSchema.optional().describe('Glob over the snapshot identifier.'),
    tags: TagsMatchSchema.optional(),
    reason: z.string().trim().min(1, { error: 'must say why the snapshot is exempt' }).max(500),
    until: DateSchema.describe('Last day (UTC, inclusive) the exemption applies.'),
    covers: z
      .array(z.enum(['retention', 'sharing']))
      .min(1)
      .default(['retention'])
      .describe('What the exemption lifts: retention (default), sharing, or both.'),
  })
  .refine((e) => e.snapshot !== undefined || e.tags !== undefined, {
    error: 'must name a snapshot glob or tags',
  });

/** Listing calls a sweep keeps in flight per region, at most, whatever it learns of AWS's limits. */
export const DEFAULT_LISTING_CONCURRENCY = 8;

export const SafetySchema = z.strictObject({
  maxRevocationsPerRun: z.number().int().min(0).max(100_000).default(50),
  maxDeletionsPerRun: z.number().int().min(0).max(10_000).default(5),
  maxListingConcurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(DEFAULT_LISTING_CONCURRENCY)
    .describe(
      'Listing calls (DescribeClusterSnapshots, ListSnapshots) in flight at once per region: the ceiling of the concurrency a sweep adapts to throttling and latency.',
    ),
});

export const EventsSchema = z.strictObject({
  busName: z
    .string()
    .regex(
      /^[A-Za-z0-9._/-]{1,256}$|^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus\/[A-Za-z0-9._/-]+$/,
      {
        error: 'must be an event bus name or ARN',
      },
    )
    .default('snapshot-compliance'),
  source: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/, { error: 'must be letters, digits, dots, dashes or underscores' })
    .refine((s) => !s.startsWith('aws.'), { error: 'must not start with "aws." (reserved for AWS services)' })
    .default('redshift-snapshot-guard'),
  securityHub: z
    .boolean()
    .default(false)
    .describe(
      'Also send each open finding to AWS Security Hub (BatchImportFindings) and archive it once resolved.',
    ),
});

/** The role organisation mode assumes in each member account unless the policy names another. */
export const DEFAULT_MEMBER_ROLE = 'RedshiftSnapshotGuardMember';

// IAM role names and STS external ids, as AssumeRole's API reference constrains them.
const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const EXTERNAL_ID = /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/;

const AccountListSchema = z.array(AccountIdSchema).max(MAX_LIST);

/**
 * Organisation mode: one deployment (the hub) sweeps and watches every member account, assuming
 * `roleName` in each. Without this block the product guards its own account only.
 */
export const OrganizationSchema = z.strictObject({
  accounts: z
    .union([
      // A string with a pattern rather than a literal, so that a list with a bad entry is reported
      // at that entry (a literal would make every list "match no accepted form").
      z
        .string()
        .regex(/^all$/, {
          error: (issue) =>
            `${show(issue.input)} must be "all" or a list of 12-digit account ids (did you mean "all"?)`,
        })
        .transform(() => 'all' as const),
      AccountListSchema.min(1),
    ])
    .default('all')
    .describe('"all": every ACTIVE account AWS Organizations lists; or a list of 12-digit account ids.'),
  excludeAccounts: AccountListSchema.default([]).describe('Accounts never swept nor watched.'),
  roleName: z
    .string()
    .regex(ROLE_NAME, { error: (issue) => `${show(issue.input)} is not an IAM role name` })
    .default(DEFAULT_MEMBER_ROLE)
    .describe('The role assumed in each member account (member/member-account.yml creates it).'),
  externalId: z
    .string()
    .regex(EXTERNAL_ID, {
      error: 'must be 2 to 1224 letters, digits or + = , . @ : / _ - (what AssumeRole accepts)',
    })
    .optional()
    .describe('Sent with every AssumeRole; the member role trusts the hub only with it.'),
  maxConcurrency: z
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be between 1 and 1000' })
    .max(1000, { error: 'must be between 1 and 1000' })
    .default(10)
    .describe('Account-region sweeps at once.'),
  safetyScope: z
    .enum(['run', 'account-region'])
    .default('run')
    .describe(
      'What safety.max*PerRun count: the whole organisation run (default), or each account-region alone.',
    ),
});

export const PolicySchema = z.strictObject({
  // A missing version falls through to the generic "is required".
  version: z.literal(1, { error: (issue) => (issue.input === undefined ? undefined : 'must be 1') }),
  mode: z.enum(['audit', 'enforce']).default('audit').describe('audit: report only; enforce: revoke/delete.'),
  regions: z
    .array(z.string().regex(REGION, { error: (issue) => `${show(issue.input)} is not an AWS region name` }))
    .min(1)
    .refine((rs) => new Set(rs).size === rs.length, { error: 'lists a region twice' })
    .optional()
    .describe("Regions to sweep; default: the function's own region."),
  sharing: SharingSchema.default({
    allowedAccounts: [],
    allowSupportAccess: false,
    requireEncryption: true,
    rules: [],
  }),
  retention: RetentionSchema.default({ manual: { onViolation: 'report' }, automated: {} }),
  exemptions: z
    .array(ExemptionSchema)
    .max(MAX_LIST)
    .default([])
    .describe('Snapshots the policy leaves alone until a date, each with a reason.'),
  safety: SafetySchema.default({
    maxRevocationsPerRun: 50,
    maxDeletionsPerRun: 5,
    maxListingConcurrency: DEFAULT_LISTING_CONCURRENCY,
  }),
  events: EventsSchema.default({
    busName: 'snapshot-compliance',
    source: 'redshift-snapshot-guard',
    securityHub: false,
  }),
  organization: OrganizationSchema.optional().describe(
    'Organisation mode: sweep and watch every member account from this one deployment.',
  ),
});

/** A policy as written in YAML (defaults not yet applied). */
export type PolicyInput = z.input<typeof PolicySchema>;
/** A validated policy with every default applied: what the engine reads. */
export type Policy = z.output<typeof PolicySchema>;
export type AllowedAccount = z.output<typeof AllowedAccountSchema>;
export type SharingRule = z.output<typeof SharingRuleSchema>;
export type Match = z.output<typeof MatchSchema>;
export type Exemption = z.output<typeof ExemptionSchema>;
export type Organization = z.output<typeof OrganizationSchema>;
