import * as z from 'zod';

const rate = z.number().min(0).max(1);
const count = z.number().int().min(0);

const trigger = z.strictObject({
  /** Probability per matching call, drawn from the seeded generator. */
  rate: rate.optional(),
  /** Fire on the next N matching calls. */
  next: count.optional(),
  /** Fire on every matching call for this many ms from now. */
  forMs: count.optional(),
});

export const faultRuleSchema = z.strictObject({
  /** 'redshift.DescribeClusterSnapshots', a whole service as 'redshift.*', or '*' (default). */
  action: z.string().min(1).optional(),
  /**
   * Only calls whose request carries exactly these values, e.g. { SnapshotIdentifier: 'nightly' }:
   * form fields for query services (Redshift), top-level string fields for JSON services.
   */
  params: z.record(z.string().min(1), z.string()).optional(),
  /** Only calls made as this account (its access key's account, e.g. an assumed member role). */
  account: z
    .string()
    .regex(/^[0-9]{12}$/)
    .optional(),
  /** The rule applies for this many ms from when it is configured, then never again. */
  activeForMs: count.optional(),
  latencyMs: count.optional(),
  jitterMs: count.optional(),
  /** More latency per KB of the answer (a large page takes longer to build and send). */
  perKbMs: z.number().min(0).max(1000).optional(),
  throttle: trigger.optional(),
  serverError: trigger.extend({ status: z.union([z.literal(500), z.literal(503)]).optional() }).optional(),
  /** Answer with this service error, e.g. { code: 'AccessDenied', status: 403, rate: 1 }. */
  error: trigger
    .extend({
      code: z.string().regex(/^[A-Za-z][A-Za-z0-9.]{0,127}$/),
      status: z.number().int().min(400).max(599).optional(),
      message: z.string().max(1024).optional(),
    })
    .optional(),
  /** Destroy the socket without answering. */
  reset: z.strictObject({ rate: rate.optional(), next: count.optional() }).optional(),
});

const rateLimit = z.strictObject({
  rate: z.number().positive().max(1_000_000),
  burst: z.number().int().min(1).max(1_000_000),
});

/** Token buckets per account, region and action (see local/core/throttle.ts). */
export const rateLimitSpecSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** The limit of every action that has none of its own. */
  rate: rateLimit.shape.rate.optional(),
  burst: rateLimit.shape.burst.optional(),
  /** Per action ('redshift.DescribeClusterSnapshots') or service ('events.*'); null = unlimited. */
  actions: z.record(z.string().min(1), rateLimit.nullable()).optional(),
});

export const faultSpecSchema = z.strictObject({
  /** Reseeds the generator behind every rate-based decision. */
  seed: z.number().int().optional(),
  rules: z.array(faultRuleSchema).optional(),
  /** Individual PutEvents entries fail while the rest of the batch succeeds. */
  putEventsFailures: z
    .strictObject({
      rate: rate.optional(),
      next: count.optional(),
      errorCode: z.enum(['InternalFailure', 'ThrottlingException']).optional(),
    })
    .optional(),
  /**
   * Right after the Nth DescribeClusterSnapshots page (counted from now), delete a snapshot: the
   * named one, or else the first one the following page would have returned.
   */
  vanishSnapshot: z
    .strictObject({ afterPage: z.number().int().min(1), snapshotIdentifier: z.string().optional() })
    .optional(),
  /** Replaces the rate limits; every bucket starts full again. */
  rateLimit: rateLimitSpecSchema.optional(),
  /** Just before each of the next N RevokeSnapshotAccess calls, someone else revokes the same grant. */
  concurrentRevoke: z.strictObject({ next: z.number().int().min(1).optional() }).optional(),
  /**
   * The next N RevokeSnapshotAccess calls (for `account` only, when given) are accepted and change
   * nothing: the grant stays. A provisioned snapshot's answer still lists the account; for a
   * Redshift Serverless ARN, Redshift's answer leaves it out while the snapshot's own grants keep
   * it (what GetSnapshot shows), as when a grant made through PutResourcePolicy outlives a revoke.
   */
  revokeKeepsAccess: z
    .strictObject({
      next: z.number().int().min(1).optional(),
      account: z.string().min(1).optional(),
    })
    .optional(),
});

export type FaultRule = z.input<typeof faultRuleSchema>;
export type FaultSpec = z.input<typeof faultSpecSchema>;
export type RateLimitSpec = z.input<typeof rateLimitSpecSchema>;
