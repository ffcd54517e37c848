import * as z from 'zod';
import { FINDING_KINDS } from '../engine/model.ts';

/**
 * The `sweep --json` document as `report --html --from FILE` reads it back: the fields the HTML
 * report shows, validated at that boundary (extra fields are allowed, so `handle-event --json`
 * output is read too). A test holds `jsonReport` to this schema.
 */

const OUTCOMES = ['applied', 'already-done', 'dry-run', 'skipped', 'failed'] as const;

export const SweepFindingSchema = z.object({
  snapshot: z.string(),
  arn: z.string(),
  region: z.string(),
  cluster: z.string().optional(),
  namespace: z.string().optional(),
  created: z.string().optional(),
  kind: z.enum(FINDING_KINDS),
  severity: z.enum(['violation', 'info']),
  account: z.string().optional(),
  rule: z.string(),
  line: z.number().optional(),
  message: z.string(),
  remediation: z.enum(['revoke', 'delete', 'none']),
});
export type SweepFinding = z.infer<typeof SweepFindingSchema>;

export const SweepActionSchema = z.object({
  type: z.enum(['revoke', 'delete']),
  snapshot: z.string(),
  arn: z.string(),
  region: z.string(),
  account: z.string().optional(),
  rule: z.string(),
  outcome: z.enum(OUTCOMES),
  reason: z.string().optional(),
});
export type SweepAction = z.infer<typeof SweepActionSchema>;

const Counts = z.record(z.string(), z.number());

export const SweepDocumentSchema = z.object({
  runId: z.string(),
  trigger: z.enum(['schedule', 'event', 'cli']),
  account: z.string(),
  mode: z.enum(['audit', 'enforce']),
  dryRun: z.boolean(),
  startedAt: z.iso.datetime({ offset: true }),
  policy: z.object({ path: z.string().optional(), sha256: z.string().optional() }),
  regions: z.array(z.string()),
  compliant: z.boolean(),
  summary: z.object({
    snapshots: z.number(),
    foreign: z.number(),
    compliant: z.number(),
    violating: z.number(),
    findings: z.number(),
    revocations: Counts,
    deletions: Counts,
    failures: z.number(),
    blastRadius: z.object({ reasons: z.array(z.string()) }).optional(),
    truncated: z.boolean(),
    inventoryErrors: z.array(
      z.object({ region: z.string(), identifier: z.string().optional(), reason: z.string() }),
    ),
  }),
  findings: z.array(SweepFindingSchema),
  actions: z.array(SweepActionSchema),
  events: z.object({
    published: z.number(),
    failed: z.array(z.object({ detailType: z.string(), reason: z.string() })),
  }),
});
export type SweepDocument = z.infer<typeof SweepDocumentSchema>;
