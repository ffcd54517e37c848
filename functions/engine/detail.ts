import type { Policy } from '../policy/schema.ts';
import {
  type ComplianceEvent,
  DETAIL_TYPES,
  type DetailType,
  type EventDetail,
  MAX_FINDINGS_PER_EVENT,
  SCHEMA_VERSION,
} from './events.ts';
import type { ActionResult, Finding, SnapshotRef } from './model.ts';

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

/** Builds one event; `time` is the run's clock so a replayed run publishes the same details. */
export function event(
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

/** The event an enforcement result deserves: changes and failures are news; the rest is in the violation event. */
export function actionEvent(
  ctx: RunContext,
  result: ActionResult,
  findings: Finding[],
): ComplianceEvent | undefined {
  const account = result.type === 'revoke' ? result.account : undefined;
  const related = findings.filter(
    (f) => f.severity === 'violation' && (account === undefined || f.account === account),
  );
  const base = {
    snapshot: snapshotDetail(result.snapshot),
    rule: { path: result.rule, line: ctx.locate?.(result.rule) },
    findings: related.slice(0, MAX_FINDINGS_PER_EVENT).map((f) => findingDetail(f, ctx)),
    action: { type: result.type, account, status: result.outcome, attempts: result.attempts },
  };
  const region = result.snapshot.region;
  if (result.outcome === 'failed') {
    return event(ctx, DETAIL_TYPES.failed, region, { ...base, reason: result.reason ?? 'failed' });
  }
  if (result.outcome !== 'applied') return undefined;
  if (result.type === 'delete') {
    return event(ctx, DETAIL_TYPES.deleted, region, {
      ...base,
      reason: related.map((f) => f.message).join('; '),
    });
  }
  return event(ctx, DETAIL_TYPES.revoked, region, {
    ...base,
    reason: related.map((f) => f.message).join('; ') || `account ${account} is not allowed`,
  });
}

/**
 * The violations that outlive a run: report-only findings, and findings whose action was a dry
 * run, skipped, or failed. A grant revoked or a snapshot deleted (or found already so) ends its
 * findings.
 *
 * @example
 * remainingViolations(entry.findings, entry.results); // [] once every violation was fixed
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
  return event(ctx, DETAIL_TYPES.violation, ref.region, {
    snapshot: snapshotDetail(ref),
    rule: { path: first.rule, line: ctx.locate?.(first.rule) },
    findings: remaining.slice(0, MAX_FINDINGS_PER_EVENT).map((f) => findingDetail(f, ctx)),
    action: {
      type: open[0]?.type ?? 'none',
      account: open[0]?.type === 'revoke' ? open[0].account : undefined,
      status: open[0]?.outcome ?? 'skipped',
    },
    reason:
      open[0]?.reason ??
      (open.length === 0
        ? 'the policy reports this finding; it does not remediate it'
        : remaining.map((f) => f.message).join('; ')),
  });
}
