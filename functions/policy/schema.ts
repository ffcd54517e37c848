import { z } from 'zod';

/**
 * The policy language. Every object is strict: an unknown key is an error, because a typo
 * (`allowedAcounts`) must never silently weaken a security policy.
 *
 * Checks that can be written as a regex use `.regex`, not `.refine`, so the generated JSON Schema
 * carries the `pattern` and editors flag the mistake while it is typed.
 */

/** The alias AWS uses when a snapshot is shared with AWS Support. */
export const SUPPORT_ACCOUNT = 'amazon-redshift-support';

// ASCII digits only: `\d` would be ASCII too, but spelling it out keeps look-alike
// digits (Arabic-Indic, full-width) from ever being mistaken for an account id.
const ACCOUNT_ID = /^[0-9]{12}$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;
// Identifiers and globs: the characters Redshift allows in identifiers, plus `*` and `?`.
const GLOB = /^[A-Za-z0-9*?:_.-]{1,255}$/;
// Tags are free text, but control and invisible formatting characters (bidi overrides, zero-width
// spaces) would let a tag look like another one in a review.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const VISIBLE = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*$/;

/** The longest list the policy accepts: far beyond any real policy, and a bound on pairwise checks. */
export const MAX_LIST = 1000;

/** An input value as it may appear in a message: JSON-quoted, and short even when the input is not. */
export function show(value: unknown): string {
  // JSON escapes control characters but not bidi overrides, which could reorder the terminal line.
  const text = (JSON.stringify(value) ?? String(value)).replace(
    /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

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

export const GlobSchema = z.string().regex(GLOB, {
  error: (issue) =>
    `${show(issue.input)} is not an identifier glob (letters, digits, - _ . : and the wildcards * ?)`,
});

const TagsMatchSchema = z
  .record(
    z.string().min(1).max(128).regex(VISIBLE, { error: 'must not contain control or invisible characters' }),
    z.string().max(256).regex(VISIBLE, { error: 'must not contain control or invisible characters' }),
  )
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
    cluster: GlobSchema.optional().describe('Glob over the provisioned cluster identifier.'),
    snapshot: GlobSchema.optional().describe('Glob over the snapshot identifier.'),
    namespace: GlobSchema.optional().describe('Glob over the Redshift Serverless namespace.'),
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
  events: EventsSchema.default({ busName: 'snapshot-compliance', source: 'redshift-snapshot-guard' }),
});

/** A policy as written in YAML (defaults not yet applied). */
export type PolicyInput = z.input<typeof PolicySchema>;
/** A validated policy with every default applied: what the engine reads. */
export type Policy = z.output<typeof PolicySchema>;
export type AllowedAccount = z.output<typeof AllowedAccountSchema>;
export type SharingRule = z.output<typeof SharingRuleSchema>;
export type Match = z.output<typeof MatchSchema>;
export type Exemption = z.output<typeof ExemptionSchema>;
