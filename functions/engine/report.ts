import type { ActionResult, Finding } from './model.ts';
import type { RunReport, SnapshotEntry } from './run.ts';

export type ReportSource = {
  policyFile?: string;
  policySha256?: string;
  regions: string[];
  locate?: (path: string) => number | undefined;
};

const OUTCOME_WORDS: Record<ActionResult['outcome'], string> = {
  applied: 'done',
  'already-done': 'already done',
  'dry-run': 'dry run',
  skipped: 'skipped',
  failed: 'FAILED',
};

function counts(record: Record<string, number>): string {
  const parts = Object.entries(record).map(
    ([k, n]) => `${n} ${OUTCOME_WORDS[k as ActionResult['outcome']] ?? k}`,
  );
  return parts.length > 0 ? parts.join(', ') : '0';
}

function actionFor(finding: Finding, results: ActionResult[]): string {
  if (finding.severity === 'info') return '';
  const deleted = results.find((r) => r.type === 'delete');
  const revoked = results.find((r) => r.type === 'revoke' && r.account === finding.account);
  const result =
    finding.remediation === 'delete' ? deleted : finding.remediation === 'revoke' ? revoked : undefined;
  if (!result) return finding.remediation === 'none' ? '  -> reported' : '';
  const verb = result.type === 'revoke' ? 'revoke' : 'delete';
  const why = result.outcome === 'failed' || result.outcome === 'skipped' ? ` (${result.reason ?? ''})` : '';
  return `  -> ${verb}: ${OUTCOME_WORDS[result.outcome]}${why}`;
}

function snapshotLines(entry: SnapshotEntry, locate: ReportSource['locate']): string[] {
  const s = entry.snapshot;
  const scope = s.cluster ?? s.namespace ?? '-';
  const lines = [`  ${scope}/${s.id}  (${s.type}, ${s.region}${s.owner ? `, owner ${s.owner}` : ''})`];
  for (const f of entry.findings) {
    const mark = f.severity === 'violation' ? 'x' : 'i';
    const line = f.rule ? locate?.(f.rule) : undefined;
    const where = f.rule ? ` [${f.rule}${line ? `, line ${line}` : ''}]` : '';
    lines.push(`    ${mark} ${f.kind.padEnd(20)} ${f.message}${where}${actionFor(f, entry.results)}`);
  }
  return lines;
}

/**
 * The CLI's table: a summary, then findings grouped by snapshot with what was done about each.
 *
 * @example
 * process.stdout.write(renderReport(report, { regions: ['us-east-1'], policyFile: 'policies/default.yml' }));
 */
export function renderReport(report: RunReport, source: ReportSource): string {
  const t = report.totals;
  const kinds = Object.entries(t.findingsByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const mode = report.dryRun ? `${report.mode} (dry run: nothing changed)` : report.mode;
  const out = [
    `${report.trigger === 'event' ? 'Event run' : 'Sweep'} ${report.runId}  account ${report.account}  mode ${mode}`,
    `Policy ${source.policyFile ?? '(inline)'}${source.policySha256 ? ` sha256 ${source.policySha256.slice(0, 12)}` : ''}  regions ${source.regions.join(', ')}`,
    '',
    'Summary',
    `  snapshots checked  ${t.snapshots}${t.foreign ? ` (${t.foreign} owned by other accounts: reported, never changed)` : ''}`,
    `  compliant          ${t.compliant}`,
    `  violating          ${t.violating}`,
    `  findings           ${t.findings}${kinds ? `  (${kinds})` : ''}`,
    `  revocations        ${counts(t.revocations)}`,
    `  deletions          ${counts(t.deletions)}`,
    `  failures           ${t.failures}`,
    `  events published   ${report.events.published}${report.events.failed.length ? `, ${report.events.failed.length} FAILED` : ''}`,
  ];
  const hub = report.securityHub;
  if (hub) {
    const failed = hub.failed.length ? `, ${hub.failed.length} FAILED` : '';
    out.push(
      `  security hub       ${hub.imported} open, ${hub.archived} archived (${hub.resolved} resolved)${failed}`,
    );
    for (const note of hub.notes) out.push(`                     ${note}`);
  }
  if (report.blastRadius) {
    out.push(`  BLAST RADIUS       nothing changed: ${report.blastRadius.reasons.join('; ')}`);
  }
  if (report.truncated)
    out.push('  TIME RAN OUT       some snapshots or actions were not reached; the next run takes them up');
  for (const e of report.inventoryErrors) {
    out.push(`  INVENTORY ERROR    ${e.region}${e.identifier ? ` ${e.identifier}` : ''}: ${e.reason}`);
  }
  out.push(`  result             ${report.compliant ? 'COMPLIANT' : 'NOT COMPLIANT'}`);
  if (report.snapshots.length > 0) {
    out.push('', 'Findings by snapshot');
    // Violations first, then by cluster or namespace and identifier, so a reader's eye lands on what matters.
    const rank = (e: SnapshotEntry) => (e.findings.some((f) => f.severity === 'violation') ? 0 : 1);
    const key = (e: SnapshotEntry) => `${e.snapshot.cluster ?? e.snapshot.namespace ?? ''}/${e.snapshot.id}`;
    const sorted = [...report.snapshots].sort((a, b) => rank(a) - rank(b) || key(a).localeCompare(key(b)));
    for (const entry of sorted) out.push(...snapshotLines(entry, source.locate));
  }
  return `${out.join('\n')}\n`;
}

/**
 * The CLI's `--json` document: one object a pipeline can store or diff. Findings and actions are
 * flattened, each carrying its snapshot's identifier and ARN.
 *
 * @example
 * jsonReport(report, source).compliant // true when nothing is left to fix
 */
export function jsonReport(report: RunReport, source: ReportSource) {
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
      rule: r.rule,
      outcome: r.outcome,
      reason: r.reason,
      attempts: r.attempts,
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
