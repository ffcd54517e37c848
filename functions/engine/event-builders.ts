import type { Policy } from '../policy/schema.ts';
import {
  type ComplianceEvent,
  DETAIL_TYPES,
  type DetailType,
  type EventDetail,
  MAX_FINDINGS_PER_EVENT,
  SCHEMA_VERSION,
} from './compliance-events.ts';
import type { SweepPart } from './continuation.ts';
import type { ActionResult, Finding, SnapshotRef } from './model.ts';
import type { InventoryError, Totals } from './run-report.ts';

/** What every event of one run shares. */
export type RunContext = {
  runId: string;
  trigger: EventDetail['trigger'];
  triggerEventId?: string;
  account: string;
  policy: Policy;
  dryRun: boolean;
  now: Date;
  /** The policy line a rule path came from, when the policy was loaded from a file. */
  locate?: (path: string) => number | undefined;
  /** The policy file and its sha256, when loaded from a file (Security Hub findings cite them). */
  policyFile?: string;
  policySha256?: string;
};

export function snapshotDetail(ref: SnapshotRef): NonNullable<EventDetail['snapshot']> {
  return {
    identifier: ref.id,
    arn: ref.arn,
    kind: ref.kind,
    cluster: ref.cluster,
    namespace: ref.namespace,
    type: ref.type,
    owner: ref.owner,
    created: ref.createdAt?.toISOString(),
    retentionDays: ref.retentionDays,
  };
}

function findingDetail(f: Finding, ctx: RunContext): NonNullable<EventDetail['findings']>[number] {
  return {
    kind: f.kind,
    severity: f.severity,
    account: f.account,
    rule: f.rule,
    line: ctx.locate?.(f.rule),
    message: f.message,
  };
}

/** Builds one compliance event; `time` is the run's clock so a replayed run publishes the same details. */
export function complianceEvent(
  ctx: RunContext,
  detailType: DetailType,
  region: string,
  fields: Omit<
    EventDetail,
    | 'schemaVersion'
    | 'runId'
    | 'trigger'
    | 'triggerEventId'
    | 'account'
    | 'region'
    | 'mode'
    | 'dryRun'
    | 'time'
  >,
): ComplianceEvent {
  return {
    detailType,
    detail: {
      schemaVersion: SCHEMA_VERSION,
      runId: ctx.runId,
      trigger: ctx.trigger,
      triggerEventId: ctx.triggerEventId,
      account: ctx.account,
      region,
      mode: ctx.policy.mode,
      dryRun: ctx.dryRun,
      ...fields,
      time: ctx.now.toISOString(),
    },
  };
}

/** The `action` of an event about one result: what was done, to whom, and why. */
function actionDetail(result: ActionResult): NonNullable<EventDetail['action']> {
  const revoke = result.type === 'revoke';
  return {
    type: result.type,
    account: revoke ? result.account : undefined,
    purpose: revoke ? result.purpose : undefined,
    status: result.outcome,
    attempts: result.attempts,
    restored: result.restored,
    notRestored: result.notRestored,
  };
}

/** The event an enforcement result deserves: changes and failures are news; the rest is in the violation event. */
export function actionEvent(
  ctx: RunContext,
  result: ActionResult,
  findings: Finding[],
): ComplianceEvent | undefined {
  const account = result.type === 'revoke' ? result.account : undefined;
  // An allowed grant revoked for a delete has no finding of its own: the delete's findings say why.
  const forDelete = result.type === 'revoke' && result.purpose === 'delete';
  const related = findings.filter(
    (f) =>
      f.severity === 'violation' &&
      (forDelete ? f.remediation === 'delete' : account === undefined || f.account === account),
  );
  const base = {
    snapshot: snapshotDetail(result.snapshot),
    rule: { path: result.rule, line: ctx.locate?.(result.rule) },
    findings: related.slice(0, MAX_FINDINGS_PER_EVENT).map((f) => findingDetail(f, ctx)),
    action: actionDetail(result),
  };
  const region = result.snapshot.region;
  if (result.outcome === 'failed') {
    return complianceEvent(ctx, DETAIL_TYPES.failed, region, { ...base, reason: result.reason ?? 'failed' });
  }
  if (result.outcome !== 'applied') return undefined;
  const why = related.map((f) => f.message).join('; ');
  if (result.type === 'delete') {
    return complianceEvent(ctx, DETAIL_TYPES.deleted, region, { ...base, reason: why });
  }
  const reason = forDelete
    ? `revoked to delete: account ${account} may restore this snapshot, but Redshift deletes only an unshared snapshot (${why})`
    : why || `account ${account} is not allowed`;
  return complianceEvent(ctx, DETAIL_TYPES.revoked, region, { ...base, reason });
}

/**
 * The violations the run's actions did not fix: a revoked grant fixes its finding, a deleted
 * snapshot fixes them all. The report's "fixed" and "remain" counts and the violation event both
 * come from here, so they cannot disagree.
 *
 * @example
 * remainingViolations(findings, [{ ...revoke, outcome: 'applied' }]); // [] when that revoke was the only fix needed
 */
export function remainingViolations(
  findings: readonly Finding[],
  results: readonly ActionResult[],
): Finding[] {
  const fixed = new Set<string>();
  let deleted = false;
  for (const r of results) {
    if (r.outcome !== 'applied' && r.outcome !== 'already-done') continue;
    if (r.type === 'delete') deleted = true;
    else fixed.add(r.account);
  }
  return findings.filter(
    (f) =>
      f.severity === 'violation' &&
      !deleted &&
      !(f.remediation === 'revoke' && f.account && fixed.has(f.account)),
  );
}

/**
 * The violation event for a snapshot whose violations outlive the run (`remainingViolations`);
 * `undefined` when all were fixed.
 */
export function violationEvent(
  ctx: RunContext,
  ref: SnapshotRef,
  findings: Finding[],
  results: ActionResult[],
): ComplianceEvent | undefined {
  const remaining = remainingViolations(findings, results);
  if (remaining.length === 0) return undefined;
  const open = results.filter((r) => r.outcome !== 'applied' && r.outcome !== 'already-done');
  const first = remaining[0] as Finding;
  return complianceEvent(ctx, DETAIL_TYPES.violation, ref.region, {
    snapshot: snapshotDetail(ref),
    rule: { path: first.rule, line: ctx.locate?.(first.rule) },
    findings: remaining.slice(0, MAX_FINDINGS_PER_EVENT).map((f) => findingDetail(f, ctx)),
    action: open[0] ? actionDetail(open[0]) : { type: 'none', status: 'skipped' },
    reason:
      open[0]?.reason ??
      (open.length === 0
        ? 'the policy reports this finding; it does not remediate it'
        : remaining.map((f) => f.message).join('; ')),
  });
}

/** The event for one safety limit the plan exceeded: it stopped its own kind of action only. */
export function blastRadiusEvent(ctx: RunContext, region: string, reason: string): ComplianceEvent {
  return complianceEvent(ctx, DETAIL_TYPES.blastRadius, region, { reason });
}

/** The event for a region, or one snapshot record in it, that could not be read. */
export function inventoryFailedEvent(ctx: RunContext, error: InventoryError): ComplianceEvent {
  return complianceEvent(ctx, DETAIL_TYPES.inventoryFailed, error.region, {
    reason: error.identifier ? `snapshot ${error.identifier}: ${error.reason}` : error.reason,
  });
}

/** Where a part of a sweep stands in the whole, for its completion event; nothing for a one-part sweep. */
export function partText(part: SweepPart | undefined): string {
  if (!part) return '';
  const scope = part.outOfScope
    ? `; not read, as no longer in the policy's regions: ${part.outOfScope.join(', ')}`
    : '';
  return partProgress(part) + scope;
}

function partProgress(part: SweepPart): string {
  if (part.next && part.requested?.requested === false) {
    return `; part ${part.part} of sweep ${part.sweepId} read not everything in its time, and asking for part ${part.next.part} failed: ${part.requested.reason}`;
  }
  if (part.next) {
    return `; part ${part.part} of sweep ${part.sweepId} read not everything in its time: part ${part.next.part} reads the rest`;
  }
  if (part.notContinued) return `; part ${part.part} of sweep ${part.sweepId}: ${part.notContinued}`;
  return part.part > 1 ? `; part ${part.part}, the last, of sweep ${part.sweepId}` : '';
}

/**
 * A sweep's last event: what it checked and did, and whether the fleet ended compliant.
 *
 * @example
 * completedEvent(ctx, 'us-east-1', totals, true).detail.reason; // '12 snapshots checked; compliant'
 */
export function completedEvent(
  ctx: RunContext,
  region: string,
  totals: Totals,
  compliant: boolean,
  part?: SweepPart,
): ComplianceEvent {
  const summary = compliant ? 'compliant' : 'violations or failures remain';
  return complianceEvent(ctx, DETAIL_TYPES.completed, region, {
    reason: `${totals.snapshots} snapshots checked; ${summary}${partText(part)}`,
    totals: {
      snapshots: totals.snapshots,
      foreign: totals.foreign,
      compliant: totals.compliant,
      violating: totals.violating,
      findings: totals.findings,
      revocations: totals.revocations,
      deletions: totals.deletions,
      failures: totals.failures,
    },
  });
}
