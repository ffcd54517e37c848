import { z } from 'zod';

/**
 * The policy language. Every object is strict: an unknown key is an error, because a typo
 * (`allowedAcounts`) must never silently weaken a security policy.
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

export const AccountIdSchema = z.string().refine((value) => ACCOUNT_ID.test(value), {
  error: (issue) => `${JSON.stringify(issue.input)} is not a 12-digit AWS account id`,
});

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A calendar date `YYYY-MM-DD` (UTC); the day itself is included ("until 2027-01-31" covers that day). */
export const DateSchema = z.string({ error: 'must be a date written YYYY-MM-DD' }).refine(isCalendarDate, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a date written YYYY-MM-DD`,
});

export const GlobSchema = z.string().refine((value) => GLOB.test(value), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an identifier glob (letters, digits, - _ . : and the wildcards * ?)`,
});

const TagsMatchSchema = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((tags) => Object.keys(tags).length > 0, { error: 'must name at least one tag' });

export const AllowedAccountSchema = z.union(
  [
    AccountIdSchema,
    z.strictObject({
      account: AccountIdSchema,
      note: z.string().max(500).optional(),
      expires: DateSchema.optional(),
    }),
  ],
  {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `${JSON.stringify(issue.input)} is not a 12-digit AWS account id`
        : 'must be an account id or { account, note, expires }',
  },
);

export const MatchSchema = z
  .strictObject({
    cluster: GlobSchema.optional(),
    snapshot: GlobSchema.optional(),
    namespace: GlobSchema.optional(),
    tags: TagsMatchSchema.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    error: 'must name at least one of cluster, snapshot, namespace, tags',
  });

export const SharingRuleSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  match: MatchSchema,
  allowedAccounts: z.array(AllowedAccountSchema),
  allowSupportAccess: z.boolean().optional(),
  requireEncryption: z.boolean().optional(),
});

export const SharingSchema = z.strictObject({
  allowedAccounts: z.array(AllowedAccountSchema).default([]),
  allowSupportAccess: z.boolean().default(false),
  requireEncryption: z.boolean().default(true),
  rules: z.array(SharingRuleSchema).default([]),
});

const Days = (max: number) =>
  z
    .number({ error: 'must be a whole number of days' })
    .int({ error: 'must be a whole number of days' })
    .min(1, { error: `must be between 1 and ${max} days` })
    .max(max, { error: `must be between 1 and ${max} days` });

export const ManualRetentionSchema = z.strictObject({
  maxRetentionDays: Days(3653).optional(),
  maxAgeDays: Days(36530).optional(),
  onViolation: z.enum(['report', 'delete']).default('report'),
});

// Automated snapshots are deleted by Redshift on the cluster's schedule and cannot be deleted
// through the API, so the policy can only report on them.
export const AutomatedRetentionSchema = z.strictObject({
  maxAgeDays: Days(35).optional(),
});

export const RetentionSchema = z.strictObject({
  manual: ManualRetentionSchema.default({ onViolation: 'report' }),
  automated: AutomatedRetentionSchema.default({}),
});

export const ExemptionSchema = z
  .strictObject({
    snapshot: GlobSchema.optional(),
    tags: TagsMatchSchema.optional(),
    reason: z.string().trim().min(1, { error: 'must say why the snapshot is exempt' }).max(500),
    until: DateSchema,
    covers: z
      .array(z.enum(['retention', 'sharing']))
      .min(1)
      .default(['retention']),
  })
  .refine((e) => e.snapshot !== undefined || e.tags !== undefined, {
    error: 'must name a snapshot glob or tags',
  });

export const SafetySchema = z.strictObject({
  maxRevocationsPerRun: z.number().int().min(0).max(100_000).default(50),
  maxDeletionsPerRun: z.number().int().min(0).max(10_000).default(5),
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
  version: z.literal(1, { error: 'must be 1' }),
  mode: z.enum(['audit', 'enforce']).default('audit'),
  regions: z
    .array(
      z.string().refine((r) => REGION.test(r), {
        error: (issue) => `${JSON.stringify(issue.input)} is not an AWS region name`,
      }),
    )
    .min(1)
    .refine((rs) => new Set(rs).size === rs.length, { error: 'lists a region twice' })
    .optional(),
  sharing: SharingSchema.default({
    allowedAccounts: [],
    allowSupportAccess: false,
    requireEncryption: true,
    rules: [],
  }),
  retention: RetentionSchema.default({ manual: { onViolation: 'report' }, automated: {} }),
  exemptions: z.array(ExemptionSchema).default([]),
  safety: SafetySchema.default({ maxRevocationsPerRun: 50, maxDeletionsPerRun: 5 }),
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
