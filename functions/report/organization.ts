import type { RunReport } from '../engine/run-report.ts';
import type { OrganizationReport } from '../org/run.ts';
import { jsonReport } from './json.ts';
import { type ReportSource, renderReport } from './table.ts';
import { type Segment, type TextStyle, wrap } from './text.ts';

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
  const add = (into: Record<string, number | undefined>, from: Record<string, number | undefined>) => {
    for (const [name, n] of Object.entries(from)) into[name] = (into[name] ?? 0) + (n ?? 0);
  };
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
    add(t.revocations, r.totals.revocations);
    add(t.deletions, r.totals.deletions);
    add(t.findingsByKind, r.totals.findingsByKind);
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
    if (r.securityHub) {
      const h = merged.securityHub ?? { imported: 0, archived: 0, resolved: 0, failed: [], notes: [] };
      merged.securityHub = {
        imported: h.imported + r.securityHub.imported,
        archived: h.archived + r.securityHub.archived,
        resolved: h.resolved + r.securityHub.resolved,
        failed: [...h.failed, ...r.securityHub.failed],
        notes: [...h.notes, ...r.securityHub.notes],
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

/** Where the organisation summary's values start, as in the single-account summary. */
const LABEL_WIDTH = 21;

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || '0';

/**
 * The CLI's table for an organisation run: the run's summary and every failure first, then each
 * account's own report (the single-account layout, its regions together, indented by two), then
 * the accounts left out and why. Every line fits `style.width` columns, as the single-account
 * table does.
 *
 * @example
 * process.stdout.write(renderOrganizationReport(report, source, '123456789012', { width: 80, color: false }));
 */
export function renderOrganizationReport(
  report: OrganizationReport,
  source: ReportSource,
  hubAccount: string,
  style: TextStyle = { width: 80, color: false },
): string {
  const { summary, plan } = report;
  const t = summary.totals;
  const line = (prefix: Segment[], body: Segment[], hang: number) => wrap(prefix, body, hang, style);
  const row = (label: string, body: Segment[]) =>
    line([{ text: `  ${label}`.padEnd(LABEL_WIDTH) }], body, LABEL_WIDTH);
  const mode = plan.run.dryRun || report.outcomes[0]?.report?.dryRun ? ' (dry run: nothing changed)' : '';
  const out = [
    ...line(
      [{ text: 'Organization sweep', style: 'bold' }],
      [{ text: ` ${summary.runId}` }, { text: `  hub account ${hubAccount}${mode}`, keep: true }],
      2,
    ),
    ...line(
      [{ text: 'Policy' }],
      [
        { text: ` ${source.policyFile ?? '(inline)'}` },
        ...(source.policySha256 ? [{ text: ` sha256 ${source.policySha256.slice(0, 12)}`, keep: true }] : []),
        { text: `  regions ${source.regions.join(', ')}`, keep: true },
      ],
      2,
    ),
    '',
    ...line([{ text: 'Organization', style: 'bold' }], [], 0),
    ...row('accounts', [
      {
        text: `${summary.accounts} planned, ${summary.accountRegions} account-regions, ${summary.swept} read to the end`,
      },
    ]),
    ...row('snapshots checked', [{ text: `${t.snapshots}` }]),
    ...row('violating', [{ text: `${t.violating}` }]),
    ...row('revocations', [{ text: counts(t.revocations) }]),
    ...row('deletions', [{ text: counts(t.deletions) }]),
    ...row('failures', [{ text: `${t.failures}`, style: t.failures > 0 ? 'red' : undefined }]),
  ];
  if (report.gate) {
    const g = report.gate;
    const verdict = g.phase === 'enforce' ? 'within the limits' : 'OVER THE LIMITS';
    out.push(
      ...row('run limits', [
        {
          text: `${g.planned.revocations} revocations, ${g.planned.deletions} deletions planned in ${g.held.length} account-region${g.held.length === 1 ? '' : 's'}: ${verdict}`,
        },
      ]),
    );
  }
  if (summary.blastRadius) {
    out.push(...row('BLAST RADIUS', [{ text: `not done: ${summary.blastRadius}`, style: 'red' }]));
  }
  for (const f of summary.failures) {
    const where = f.region ? `${f.account} ${f.region}` : f.account;
    const label = f.detailType === 'Account Unreachable' ? 'UNREACHABLE' : 'INVENTORY FAILED';
    out.push(...row(label, [{ text: `${where}: ${f.reason}`, style: 'red' }]));
  }
  if (summary.events.failed > 0) {
    out.push(...row('EVENTS FAILED', [{ text: `${summary.events.failed} run-level events`, style: 'red' }]));
  }
  out.push(
    ...row(
      'result',
      summary.compliant ? [{ text: 'COMPLIANT', style: 'green' }] : [{ text: 'NOT COMPLIANT', style: 'red' }],
    ),
  );
  // Each account's report is indented by two: it is laid out two columns narrower.
  const inner = { ...style, width: style.width - 2 };
  for (const view of byAccount(report)) {
    out.push('', ...line([{ text: 'Account', style: 'bold' }], [{ text: ` ${view.account}` }], 2));
    for (const { result } of view.outcomes) {
      if (result.status === 'unreachable' || result.status === 'failed') {
        out.push(
          ...line(
            [{ text: `  ${result.region}: ` }],
            [{ text: `${result.status.toUpperCase()}: ${result.reason ?? ''}`, style: 'red' }],
            4,
          ),
        );
      }
    }
    const merged = mergeReports(view.outcomes.flatMap((o) => (o.report ? [o.report] : [])));
    if (merged) {
      const regions = view.outcomes.filter((o) => o.report).map((o) => o.result.region);
      out.push(indent(renderReport(merged, { ...source, regions }, inner)).trimEnd());
    }
  }
  const left = [
    ...plan.unreachable.map((u) => ({ ...u, kind: 'UNREACHABLE' })),
    ...plan.skipped.map((s) => ({ ...s, kind: 'skipped' })),
  ];
  if (left.length > 0) {
    out.push('', ...line([{ text: 'Accounts not swept', style: 'bold' }], [], 0));
    for (const a of left)
      out.push(...line([{ text: `  ${a.account}  ` }], [{ text: `${a.kind}: ${a.reason}` }], 4));
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
