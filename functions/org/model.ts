import * as z from 'zod';

/**
 * What organisation mode passes between its steps: the plan, the work items, the workers'
 * results and the gate's decision. On AWS each crosses a Lambda boundary (Step Functions hands it
 * over), so each is a zod schema and is parsed where it enters; in-process the same shapes pass as
 * plain data.
 */

const AccountId = z.string().regex(/^[0-9]{12}$/, { error: 'must be a 12-digit AWS account id' });
const Region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/, { error: 'must be an AWS region name' });
const Count = z.number().int().min(0);
/** Reasons quote AWS errors; they are cut short so a result stays small in the state payload. */
export const MAX_REASON = 1000;
const Reason = z.string().transform((s) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s));

/** What every item of one run shares. The run id is the Step Functions execution name. */
export const RunSchema = z.strictObject({
  runId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { error: 'must be 1-80 letters, digits, - or _' }),
  startedAt: z.iso.datetime(),
  dryRun: z.boolean(),
  trigger: z.enum(['schedule', 'cli']),
});
export type Run = z.infer<typeof RunSchema>;

/** The most an account-region may change in the second pass: what it planned in the first. */
export const BudgetSchema = z.strictObject({ revocations: Count, deletions: Count });
export type Budget = z.infer<typeof BudgetSchema>;

export const AccountRegionSchema = z.strictObject({
  account: AccountId,
  region: Region,
  budget: BudgetSchema.optional(),
});
export type AccountRegion = z.infer<typeof AccountRegionSchema>;

/**
 * The kinds of change the run's limits stop, each with the run's reason (the engine's
 * `SafetyStops`, counted over the whole run): each limit stops its own kind only.
 */
export const StopsSchema = z.strictObject({
  revoke: z.string().max(4000).optional(),
  delete: z.string().max(4000).optional(),
});
export type Stops = z.infer<typeof StopsSchema>;

/**
 * The passes an account-region may go through:
 * - `sweep`: the first pass. With `safetyScope: run` an account-region that would change
 *   something changes nothing yet and is `held`: the run's limits are checked over every
 *   account-region before anything changes anywhere.
 * - `enforce`: a held account-region, once the run's limits allow it, within its budget.
 * - `blocked`: a held account-region when the run's limits stop a kind of change: that kind is
 *   refused there (`stops`), and the other goes ahead within its budget.
 */
export const PHASES = ['sweep', 'enforce', 'blocked'] as const;
export type Phase = (typeof PHASES)[number];

export const WorkItemSchema = z.strictObject({
  run: RunSchema,
  item: AccountRegionSchema,
  phase: z.enum(PHASES),
  /** `blocked`: why the run's limits stopped it. */
  reason: z.string().max(4000).optional(),
  /** `blocked`: which kinds of change the run's limits stop. */
  stops: StopsSchema.optional(),
});
export type WorkItem = z.infer<typeof WorkItemSchema>;

/** The engine's totals for one account-region (the shape of the completed events' `totals`). */
export const ItemTotalsSchema = z.strictObject({
  snapshots: Count,
  foreign: Count,
  compliant: Count,
  violating: Count,
  findings: Count,
  revocations: z.record(z.string(), Count),
  deletions: z.record(z.string(), Count),
  failures: Count,
});
export type ItemTotals = z.infer<typeof ItemTotalsSchema>;

export const RESULT_STATUSES = ['swept', 'held', 'unreachable', 'failed'] as const;

/**
 * One account-region's outcome, kept small: a Distributed Map gathers every one into the state
 * the last step reads, and that state is limited to 256 KB.
 */
export const WorkResultSchema = z.strictObject({
  account: AccountId,
  region: Region,
  /**
   * swept: read to the end; held: has changes waiting for the run's limits; unreachable: the
   * member role could not be assumed; failed: not read to the end (a region's listing failed, time
   * ran out, or the worker itself failed).
   */
  status: z.enum(RESULT_STATUSES),
  /** Nothing left to fix there and nothing failed. */
  compliant: z.boolean().default(false),
  /** held: the changes it would make. */
  planned: BudgetSchema.optional(),
  totals: ItemTotalsSchema.optional(),
  reason: Reason.optional(),
  /** Its `Account Unreachable` or `Inventory Failed` event is already published. */
  reported: z.boolean().default(false),
});
export type WorkResult = z.input<typeof WorkResultSchema>;
export type ParsedWorkResult = z.output<typeof WorkResultSchema>;

/** An account the plan could not include, and why. */
export const AccountNoteSchema = z.strictObject({ account: AccountId, reason: Reason });
export type AccountNote = z.infer<typeof AccountNoteSchema>;

/** What the scheduled trigger hands the state machine: the run and every item. */
export const RunPlanSchema = z.strictObject({
  run: RunSchema,
  /** Member accounts to sweep (each has one item per region). */
  accounts: Count,
  items: z.array(AccountRegionSchema.omit({ budget: true })),
  /** Named in `accounts` but not active members: each gets an `Account Unreachable` event. */
  unreachable: z.array(AccountNoteSchema),
  /** Left out on purpose (excluded, or not active under `accounts: all`): named, not failures. */
  skipped: z.array(AccountNoteSchema),
});
export type RunPlan = z.infer<typeof RunPlanSchema>;

/** The gate's decision after the first pass. */
export const GateSchema = z.strictObject({
  phase: z.enum(['enforce', 'blocked']),
  /** `blocked`: every limit the run exceeds, in one sentence. */
  reason: z.string().optional(),
  /** Which kinds of change those limits stop (empty when none). */
  stops: StopsSchema.default({}),
  /** Every held account-region, with the budget it planned. */
  held: z.array(AccountRegionSchema),
  planned: BudgetSchema,
});
export type Gate = z.infer<typeof GateSchema>;
