import { type RunReport, violationCounts } from '../engine/run-report.ts';
import type { ReportSource } from './table.ts';

/**
 * The CLI's `--json` document: one object a pipeline can store or diff. Findings and actions are
 * flattened, each carrying its snapshot's identifier and ARN.
 *
 * @example
 * jsonReport(report, source).compliant // true when nothing is left to fix
 */
export function jsonReport(report: RunReport, source: ReportSource) {
  const violations = violationCounts(report);
  const findings = report.snapshots.flatMap((entry) =>
    entry.findings.map((f) => ({
      snapshot: entry.snapshot.id,
      arn: entry.snapshot.arn,
      region: entry.snapshot.region,
      cluster: entry.snapshot.cluster,
      namespace: entry.snapshot.namespace,
      created: entry.snapshot.createdAt?.toISOString(),
      kind: f.kind,
      severity: f.severity,
      account: f.account,
      rule: f.rule,
      line: f.rule ? source.locate?.(f.rule) : undefined,
      message: f.message,
      remediation: f.remediation,
    })),
  );
  const actions = report.snapshots.flatMap((entry) =>
    entry.results.map((r) => ({
      type: r.type,
      snapshot: entry.snapshot.id,
      arn: entry.snapshot.arn,
      region: entry.snapshot.region,
      account: r.type === 'revoke' ? r.account : undefined,
      purpose: r.type === 'revoke' ? r.purpose : undefined,
      rule: r.rule,
      outcome: r.outcome,
      reason: r.reason,
      attempts: r.attempts,
      restored: r.restored,
      notRestored: r.notRestored,
    })),
  );
  return {
    runId: report.runId,
    trigger: report.trigger,
    account: report.account,
    mode: report.mode,
    dryRun: report.dryRun,
    startedAt: report.startedAt,
    policy: { path: source.policyFile, sha256: source.policySha256 },
    regions: source.regions,
    /** The fleet ended the run compliant: nothing left to fix, nothing failed. */
    compliant: report.compliant,
    summary: {
      ...report.totals,
      /** Violating snapshots the run's actions fixed, and those that still violate the policy. */
      fixed: violations.fixed,
      remaining: violations.remaining,
      blastRadius: report.blastRadius,
      truncated: report.truncated,
      inventoryErrors: report.inventoryErrors,
    },
    findings,
    actions,
    events: report.events,
    securityHub: report.securityHub,
  };
}
