import * as z from 'zod';
import type { Policy } from '../policy/schema.ts';
import { SUPPORT_ACCOUNT } from '../policy/schema.ts';
import { compiledPolicy } from './compile.ts';
import { evaluate, exemptionFor, scopeFor } from './evaluate.ts';
import { FINDING_KINDS, type Finding, type FindingKind, type Snapshot } from './model.ts';
import { checkSafety, countPlanned, type PlannedCounts, plan } from './plan.ts';

/**
 * What changes between two policies on the same fleet: the question a security team asks before
 * deploying a policy edit. Pure: both policies are judged by `evaluate` and `plan`, the engine's
 * own functions, so the diff says exactly what a sweep with each policy would do.
 */

export const CHANGE_KINDS = [
  /** A grant the new policy revokes that the old one allows. */
  'revoke-added',
  /** A grant the old policy revokes that the new one allows. */
  'revoke-removed',
  /** A snapshot the new policy deletes that the old one keeps. */
  'delete-added',
  /** A snapshot the old policy deletes that the new one keeps. */
  'delete-removed',
  /** A snapshot-level finding (retention, exemption) only the new policy reports. */
  'finding-added',
  /** A snapshot-level finding only the old policy reports. */
  'finding-removed',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** What one policy does about the subject of a change, and which rule (and line) decides it. */
export const ChangeSideSchema = z.object({
  /** allow | revoke for a grant; keep | delete for a snapshot; report | none for a finding. */
  action: z.enum(['allow', 'revoke', 'keep', 'delete', 'report', 'none']),
  /** The policy path that decides, e.g. `sharing.rules[0]`, `sharing.allowedAccounts[1]`, `exemptions[0]`. */
  rule: z.string(),
  /** The line of `rule` in that policy file (or of its nearest written parent). */
  line: z.number().int().optional(),
});
export type ChangeSide = z.infer<typeof ChangeSideSchema>;

export const ChangeSchema = z.object({
  snapshot: z.object({
    id: z.string(),
    arn: z.string(),
    region: z.string(),
    /** The owner: the account the snapshot belongs to (and the diff's account). */
    account: z.string(),
  }),
  /** The account id (or `amazon-redshift-support`) whose grant changes; absent for deletions and findings. */
  grantee: z.string().optional(),
  kind: z.enum(CHANGE_KINDS),
  /** For `finding-added` / `finding-removed`: which finding. */
  finding: z.enum(FINDING_KINDS).optional(),
  before: ChangeSideSchema,
  after: ChangeSideSchema,
});
export type Change = z.infer<typeof ChangeSchema>;

/** One side of the diff: a validated policy, and where its rules are written. */
export type PolicySide = { policy: Policy; locate?: (path: string) => number | undefined };

const RETENTION_KINDS: ReadonlySet<FindingKind> = new Set([
  'retention-too-long',
  'retention-indefinite',
  'too-old',
]);

/** What one policy would find and do about one snapshot. */
type Judged = {
  side: PolicySide;
  findings: Finding[];
  revokes: Map<string, string>;
  deletion: string | undefined;
  counts: PlannedCounts;
};

function judge(snapshot: Snapshot, side: PolicySide, account: string, now: Date): Judged {
  const findings = evaluate(snapshot, side.policy, now);
  const revokes = new Map<string, string>();
  let deletion: string | undefined;
  const actions = plan(snapshot, findings, { account });
  for (const action of actions) {
    if (action.type === 'revoke') revokes.set(action.account, action.rule);
    else if (action.blocked === undefined) deletion = action.rule;
  }
  return { side, findings, revokes, deletion, counts: countPlanned(actions) };
}

function at(side: PolicySide, action: ChangeSide['action'], rule: string): ChangeSide {
  const line = side.locate?.(rule);
  return line === undefined ? { action, rule } : { action, rule, line };
}

/** The rule that lets a grant stand: its allowlist entry, the support switch, or an exemption. */
function allowRule(snapshot: Snapshot, side: PolicySide, grantee: string, nowMs: number): string {
  const compiled = compiledPolicy(side.policy);
  const scope = scopeFor(compiled, snapshot);
  if (grantee === SUPPORT_ACCOUNT) return scope.supportPath;
  const allowance = scope.allowed.get(grantee);
  if (allowance !== undefined && allowance.expiresAt > nowMs) return allowance.path;
  const exemption = exemptionFor(compiled, snapshot, nowMs);
  return exemption?.sharing ? exemption.path : scope.listPath;
}

/** The rule that keeps a snapshot: an exemption, report-only retention, or an age within the limit. */
function keepRule(snapshot: Snapshot, j: Judged, nowMs: number): string {
  const exemption = exemptionFor(compiledPolicy(j.side.policy), snapshot, nowMs);
  if (exemption?.retention) return exemption.path;
  if (j.findings.some((f) => f.kind === 'too-old')) return 'retention.manual.onViolation';
  return snapshot.type === 'manual' ? 'retention.manual.maxAgeDays' : 'retention.automated.maxAgeDays';
}

/** The rule a finding comes from on the side that does not report it: the exemption, else the same rule. */
function absentRule(snapshot: Snapshot, j: Judged, kind: FindingKind, rule: string, nowMs: number): string {
  const exemption = exemptionFor(compiledPolicy(j.side.policy), snapshot, nowMs);
  if (
    exemption &&
    kind !== 'exempted' &&
    (RETENTION_KINDS.has(kind) ? exemption.retention : exemption.sharing)
  ) {
    return exemption.path;
  }
  return rule;
}

/**
 * Every change between two policies for one snapshot: grants one revokes and the other allows,
 * a deletion one plans and the other does not, and snapshot-level findings (retention,
 * exemptions) only one reports. A grant-level finding is never listed on its own: the grant's
 * change says it. Snapshots `context.account` does not own are never changed by either policy,
 * so they have no changes.
 *
 * @example
 * diffSnapshot(snap, { policy: allowsAandB }, { policy: allowsA }, { account: '123456789012', now });
 * // [{ kind: 'revoke-added', grantee: B, before: { action: 'allow', rule: 'sharing.allowedAccounts[1]' },
 * //    after: { action: 'revoke', rule: 'sharing.allowedAccounts' }, snapshot: { id, arn, region, account } }]
 */
export function diffSnapshot(
  snapshot: Snapshot,
  before: PolicySide,
  after: PolicySide,
  context: { account: string; now: Date },
): Change[] {
  if (snapshot.owner !== context.account) return [];
  const b = judge(snapshot, before, context.account, context.now);
  const a = judge(snapshot, after, context.account, context.now);
  return compare(snapshot, b, a, context.now.getTime());
}

function compare(snapshot: Snapshot, b: Judged, a: Judged, nowMs: number): Change[] {
  const ref = { id: snapshot.id, arn: snapshot.arn, region: snapshot.region, account: snapshot.owner };
  const changes: Change[] = [];

  for (const grantee of new Set(snapshot.grants)) {
    const was = b.revokes.get(grantee);
    const will = a.revokes.get(grantee);
    if ((was === undefined) === (will === undefined)) continue;
    const side = (j: Judged, rule: string | undefined) =>
      rule === undefined
        ? at(j.side, 'allow', allowRule(snapshot, j.side, grantee, nowMs))
        : at(j.side, 'revoke', rule);
    changes.push({
      snapshot: ref,
      grantee,
      kind: will === undefined ? 'revoke-removed' : 'revoke-added',
      before: side(b, was),
      after: side(a, will),
    });
  }

  const deleteChanged = (b.deletion === undefined) !== (a.deletion === undefined);
  if (deleteChanged) {
    const side = (j: Judged) =>
      j.deletion === undefined
        ? at(j.side, 'keep', keepRule(snapshot, j, nowMs))
        : at(j.side, 'delete', j.deletion);
    changes.push({
      snapshot: ref,
      kind: a.deletion === undefined ? 'delete-removed' : 'delete-added',
      before: side(b),
      after: side(a),
    });
  }

  // Snapshot-level findings only: a grant's findings are its revoke change, a deletion's its delete change.
  const levelFindings = (j: Judged) =>
    new Map(
      j.findings
        .filter((f) => f.account === undefined && !(deleteChanged && f.kind === 'too-old'))
        .map((f) => [f.kind, f] as const),
    );
  const was = levelFindings(b);
  const will = levelFindings(a);
  const present = (j: Judged, f: Finding) =>
    at(j.side, f.remediation === 'none' ? 'report' : f.remediation, f.rule);
  for (const [kind, f] of was) {
    if (will.has(kind)) continue;
    const after = at(a.side, 'none', absentRule(snapshot, a, kind, f.rule, nowMs));
    changes.push({ snapshot: ref, kind: 'finding-removed', finding: kind, before: present(b, f), after });
  }
  for (const [kind, f] of will) {
    if (was.has(kind)) continue;
    const before = at(b.side, 'none', absentRule(snapshot, b, kind, f.rule, nowMs));
    changes.push({ snapshot: ref, kind: 'finding-added', finding: kind, before, after: present(a, f) });
  }
  return changes;
}

/** How many changes and what each policy would plan for the whole fleet, with its safety verdict. */
export type DiffTotals = {
  changes: Record<ChangeKind, number>;
  planned: Record<
    'before' | 'after',
    { revocations: number; deletions: number; withinSafetyLimits: boolean; reasons: string[] }
  >;
};

/**
 * Diffs two policies over a whole fleet: every change (ordered by region, snapshot, grantee,
 * kind) and each policy's planned revocations and deletions checked against its own safety
 * limits, since a new policy that would trip them changes nothing when deployed.
 *
 * @example
 * const { changes, totals } = diffPolicies(snapshots, before, after, { account, now });
 * totals.changes['revoke-added'] // grants the new policy would take back
 */
export function diffPolicies(
  snapshots: Iterable<Snapshot>,
  before: PolicySide,
  after: PolicySide,
  context: { account: string; now: Date },
): { changes: Change[]; totals: DiffTotals } {
  const nowMs = context.now.getTime();
  const changes: Change[] = [];
  const counts = { before: { revocations: 0, deletions: 0 }, after: { revocations: 0, deletions: 0 } };
  for (const snapshot of snapshots) {
    if (snapshot.owner !== context.account) continue;
    const b = judge(snapshot, before, context.account, context.now);
    const a = judge(snapshot, after, context.account, context.now);
    changes.push(...compare(snapshot, b, a, nowMs));
    for (const [name, j] of [
      ['before', b],
      ['after', a],
    ] as const) {
      counts[name].revocations += j.counts.revocations;
      counts[name].deletions += j.counts.deletions;
    }
  }
  const key = (c: Change) =>
    [c.snapshot.region, c.snapshot.id, c.snapshot.arn, c.grantee ?? '', c.kind].join('\u0000');
  changes.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  const verdict = (name: 'before' | 'after', policy: Policy) => {
    const stops = checkSafety(counts[name], policy);
    const reasons = [stops.revoke, stops.delete].filter((r): r is string => r !== undefined);
    return { ...counts[name], withinSafetyLimits: reasons.length === 0, reasons };
  };
  const byKind = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const c of changes) byKind[c.kind]++;
  return {
    changes,
    totals: {
      changes: byKind,
      planned: { before: verdict('before', before.policy), after: verdict('after', after.policy) },
    },
  };
}
