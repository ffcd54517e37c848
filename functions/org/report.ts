import { jsonReport, type ReportSource, renderReport } from '../engine/report.ts';
import type { RunReport } from '../engine/run.ts';
import type { OrganizationReport } from './run.ts';

/**
 * One account's regions as one engine report, so an account reads like a single-account sweep:
 * totals added up, findings of every region together.
 *
 * @example
 * mergeReports([usEast1, euWest1]).totals.snapshots; // both regions' snapshots
 */
export function mergeReports(reports: readonly RunReport[]): RunReport | undefined {
  const [first, ...rest] = reports;
  if (!first) return undefined;
  const merged: RunReport = structuredClone(first);
  for (const r of rest) {
    const t = merged.totals;
    for (const k of [
      'snapshots',
      'foreign',
      'compliant',
      'violating',
      'findings',
      'failures',
      'unreadable',
    ] as const) {
      t[k] += r.totals[k];
    }
    for (const k of ['revocations', 'deletions', 'findingsByKind'] as const) {
      const into = t[k] as Record<string, number>;
      for (const [name, n] of Object.entries(r.totals[k])) into[name] = (into[name] ?? 0) + (n ?? 0);
    }
    merged.snapshots.push(...r.snapshots);
    merged.inventoryErrors.push(...r.inventoryErrors);
    merged.truncated ||= r.truncated;
    merged.compliant &&= r.compliant;
    merged.events.published += r.events.published;
    merged.events.failed.push(...r.events.failed);
    if (r.blastRadius) {
      const b = merged.blastRadius ?? { revocations: 0, deletions: 0, reasons: [] };
      merged.blastRadius = {
        revocations: b.revocations + r.blastRadius.revocations,
        deletions: b.deletions + r.blastRadius.deletions,
        reasons: [...b.reasons, ...r.blastRadius.reasons],
      };
    }
  }
  return merged;
}

type AccountView = {
  account: string;
  outcomes: OrganizationReport['outcomes'];
};

function byAccount(report: OrganizationReport): AccountView[] {
  const views = new Map<string, AccountView>();
  for (const outcome of report.outcomes) {
    const view = views.get(outcome.result.account) ?? { account: outcome.result.account, outcomes: [] };
    view.outcomes.push(outcome);
    views.set(view.account, view);
  }
  return [...views.values()];
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');

/**
 * The CLI's table for an organisation run: the run's summary and every failure first, then each
 * account's own report (the single-account layout, its regions together), then the accounts left
 * out and why.
 *
 * @example
 * process.stdout.write(renderOrganizationReport(report, source, '123456789012'));
 */
export function renderOrganizationReport(
  report: OrganizationReport,
  source: ReportSource,
  hubAccount: string,
): string {
  const { summary, plan } = report;
  const t = summary.totals;
  const mode = plan.run.dryRun || report.outcomes[0]?.report?.dryRun ? ' (dry run: nothing changed)' : '';
  const out = [
    `Organization sweep ${summary.runId}  hub account ${hubAccount}${mode}`,
    `Policy ${source.policyFile ?? '(inline)'}${source.policySha256 ? ` sha256 ${source.policySha256.slice(0, 12)}` : ''}  regions ${source.regions.join(', ')}`,
    '',
    'Organization',
    `  accounts           ${summary.accounts} planned, ${summary.accountRegions} account-regions, ${summary.swept} read to the end`,
    `  snapshots checked  ${t.snapshots}`,
    `  violating          ${t.violating}`,
    `  revocations        ${
      Object.entries(t.revocations)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || '0'
    }`,
    `  deletions          ${
      Object.entries(t.deletions)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || '0'
    }`,
    `  failures           ${t.failures}`,
  ];
  if (report.gate) {
    const g = report.gate;
    out.push(
      `  run limits         ${g.planned.revocations} revocations, ${g.planned.deletions} deletions planned in ${g.held.length} account-regions: ${g.phase === 'enforce' ? 'within the limits' : 'OVER THE LIMITS, nothing changed'}`,
    );
  }
  if (summary.blastRadius) out.push(`  BLAST RADIUS       ${summary.blastRadius}`);
  for (const f of summary.failures) {
    const where = f.region ? `${f.account} ${f.region}` : f.account;
    out.push(`  ${f.detailType.toUpperCase().padEnd(19)} ${where}: ${f.reason}`);
  }
  if (summary.events.failed > 0) out.push(`  EVENTS FAILED      ${summary.events.failed} run-level events`);
  out.push(`  result             ${summary.compliant ? 'COMPLIANT' : 'NOT COMPLIANT'}`);
  for (const view of byAccount(report)) {
    out.push('', `Account ${view.account}`);
    for (const { result } of view.outcomes) {
      if (result.status === 'unreachable' || result.status === 'failed') {
        out.push(`  ${result.region}: ${result.status.toUpperCase()}: ${result.reason ?? ''}`);
      }
    }
    const merged = mergeReports(view.outcomes.flatMap((o) => (o.report ? [o.report] : [])));
    if (merged) {
      const regions = view.outcomes.filter((o) => o.report).map((o) => o.result.region);
      out.push(indent(renderReport(merged, { ...source, regions })).trimEnd());
    }
  }
  const left = [
    ...plan.unreachable.map((u) => ({ ...u, kind: 'UNREACHABLE' })),
    ...plan.skipped.map((s) => ({ ...s, kind: 'skipped' })),
  ];
  if (left.length > 0) {
    out.push('', 'Accounts not swept');
    for (const a of left) out.push(`  ${a.account}  ${a.kind}: ${a.reason}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The CLI's `--json` document for an organisation run: the summary, then per account and region
 * the single-account JSON report (or why there is none).
 *
 * @example
 * organizationJson(report, source, hubAccount).compliant; // false when anything failed or remains
 */
export function organizationJson(report: OrganizationReport, source: ReportSource, hubAccount: string) {
  const { summary, plan } = report;
  return {
    runId: summary.runId,
    trigger: plan.run.trigger,
    dryRun: plan.run.dryRun,
    startedAt: plan.run.startedAt,
    hubAccount,
    policy: { path: source.policyFile, sha256: source.policySha256 },
    regions: source.regions,
    compliant: summary.compliant,
    summary: {
      accounts: summary.accounts,
      accountRegions: summary.accountRegions,
      swept: summary.swept,
      totals: summary.totals,
      failures: summary.failures,
      blastRadius: summary.blastRadius,
      gate: report.gate && {
        phase: report.gate.phase,
        planned: report.gate.planned,
        reason: report.gate.reason,
      },
      skipped: plan.skipped,
      unreachable: plan.unreachable,
      events: summary.events,
    },
    accounts: byAccount(report).map((view) => ({
      account: view.account,
      regions: view.outcomes.map(({ result, report: r }) => ({
        region: result.region,
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
        ...(r ? { report: jsonReport(r, { ...source, regions: [result.region] }) } : {}),
      })),
    })),
  };
}
