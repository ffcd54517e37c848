import { type ActionResult, FINDING_KINDS, type Finding } from '../engine/model.ts';
import { type RunReport, type SnapshotEntry, violationCounts } from '../engine/run-report.ts';
import { type Segment, type Style, type TextStyle, wrap } from './text.ts';

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

const OUTCOME_STYLES: Record<ActionResult['outcome'], Style | undefined> = {
  applied: 'green',
  'already-done': 'green',
  'dry-run': 'yellow',
  skipped: 'yellow',
  failed: 'red',
};

/** Where the summary's values start: after the widest label. */
const LABEL_WIDTH = 21;
/** Where a finding's message starts: mark, kind padded to the longest kind, two spaces. */
const FINDING_INDENT = 27;

type ViolationCounts = ReturnType<typeof violationCounts>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function outcomeCounts(record: Record<string, number>): Segment[] {
  const entries = Object.entries(record);
  if (entries.length === 0) return [{ text: '0' }];
  return entries.flatMap(([k, n], i) => {
    const outcome = k as ActionResult['outcome'];
    return [
      ...(i > 0 ? [{ text: ', ' }] : []),
      { text: `${n} ${OUTCOME_WORDS[outcome] ?? k}`, style: OUTCOME_STYLES[outcome] },
    ];
  });
}

/** "found 1 violation, fixed", "found 8 violations: 5 fixed, 3 remain", "no violations found". */
function violationWords({ found, fixed, remaining }: ViolationCounts): string {
  if (found === 0) return 'no violations found';
  if (remaining === 0)
    return found === 1 ? 'found 1 violation, fixed' : `found ${found} violations, all fixed`;
  if (fixed === 0) return `found ${plural(found, 'violation')}, none fixed`;
  return `found ${plural(found, 'violation')}: ${fixed} fixed, ${remaining} ${remaining === 1 ? 'remains' : 'remain'}`;
}

function resultLine(report: RunReport, violations: ViolationCounts): Segment[] {
  const why = [violationWords(violations)];
  if (report.totals.failures > 0) why.push(plural(report.totals.failures, 'failure'));
  if (report.events.failed.length > 0) why.push(`${report.events.failed.length} events not published`);
  if (report.truncated) why.push('time ran out');
  if (report.dryRun && violations.remaining > 0) why.push('dry run: nothing changed');
  return report.compliant
    ? [{ text: 'COMPLIANT', style: 'green' }, { text: ` (${why.join('; ')})` }]
    : [{ text: 'NOT COMPLIANT', style: 'red' }, { text: ` (${why.join('; ')})` }];
}

function actionFor(finding: Finding, results: ActionResult[]): Segment[] {
  if (finding.severity === 'info') return [];
  const deleted = results.find((r) => r.type === 'delete');
  const revoked = results.find((r) => r.type === 'revoke' && r.account === finding.account);
  const result =
    finding.remediation === 'delete' ? deleted : finding.remediation === 'revoke' ? revoked : undefined;
  if (!result) return finding.remediation === 'none' ? [{ text: ' -> reported', keep: true }] : [];
  const verb = result.type === 'revoke' ? 'revoke' : 'delete';
  const why = result.outcome === 'failed' || result.outcome === 'skipped' ? ` (${result.reason ?? ''})` : '';
  return [
    {
      text: ` -> ${verb}: ${OUTCOME_WORDS[result.outcome]}`,
      style: OUTCOME_STYLES[result.outcome],
      keep: true,
    },
    { text: why },
  ];
}

function snapshotLines(entry: SnapshotEntry, source: ReportSource, style: TextStyle): string[] {
  const s = entry.snapshot;
  const scope = s.cluster ?? s.namespace ?? '-';
  const lines = wrap(
    [{ text: '  ' }],
    [
      { text: `${scope}/${s.id}`, style: 'bold' },
      { text: `  (${s.type}, ${s.region}, owner ${s.owner})`, keep: true },
    ],
    6,
    style,
  );
  for (const f of entry.findings) {
    const violation = f.severity === 'violation';
    const line = f.rule ? source.locate?.(f.rule) : undefined;
    const where = f.rule ? ` [${f.rule}${line ? `, line ${line}` : ''}]` : '';
    const body: Segment[] = [
      { text: f.message },
      { text: where, style: 'dim' },
      ...actionFor(f, entry.results),
    ];
    // Continued under the message; but on a narrow terminal, or when a word (an ARN in an AWS
    // error) would not fit beside the kind column, under the mark, so no word has to be cut.
    const longest = Math.max(...body.flatMap((b) => b.text.split(' ').map((w) => w.length)));
    const room = style.width - FINDING_INDENT;
    const indent = room >= 40 && longest <= room ? FINDING_INDENT : 6;
    lines.push(
      ...wrap(
        [
          { text: '    ' },
          violation ? { text: 'x', style: 'red' } : { text: 'i', style: 'dim' },
          { text: ` ${f.kind.padEnd(FINDING_INDENT - 7)} ` },
        ],
        body,
        indent,
        style,
      ),
    );
  }
  return lines;
}

/** One summary row: the label, then its value wrapped under itself. */
function row(label: string, value: Segment[], style: TextStyle): string[] {
  return wrap([{ text: `  ${label}`.padEnd(LABEL_WIDTH) }], value, LABEL_WIDTH, style);
}

/** The run and the policy it was judged against. */
function headerLines(report: RunReport, source: ReportSource, style: TextStyle): string[] {
  const mode = report.dryRun ? `${report.mode} (dry run: nothing changed)` : report.mode;
  const title = report.trigger === 'event' ? 'Event run' : 'Sweep';
  return [
    ...wrap(
      [{ text: title, style: 'bold' }],
      [
        { text: ` ${report.runId}` },
        { text: `  account ${report.account}`, keep: true },
        { text: `  mode ${mode}`, keep: true },
      ],
      2,
      style,
    ),
    ...wrap(
      [{ text: 'Policy' }],
      [
        { text: ` ${source.policyFile ?? '(inline)'}` },
        ...(source.policySha256 ? [{ text: ` sha256 ${source.policySha256.slice(0, 12)}`, keep: true }] : []),
        { text: `  regions ${source.regions.join(', ')}`, keep: true },
      ],
      2,
      style,
    ),
  ];
}

/**
 * The findings count by kind, in the model's order, not the order pages happened to arrive in:
 * two runs over one fleet read alike.
 */
function kindSegments(totals: RunReport['totals']): Segment[] {
  return FINDING_KINDS.flatMap((k) => {
    const n = totals.findingsByKind[k];
    return n ? [[k, n] as const] : [];
  }).map(
    ([k, n], i, all): Segment => ({
      text: `${i === 0 ? ' (' : ' '}${k} ${n}${i === all.length - 1 ? ')' : ','}`,
      keep: true,
    }),
  );
}

/** The counts: what was checked, found, fixed and published. */
function summaryLines(report: RunReport, violations: ViolationCounts, style: TextStyle): string[] {
  const t = report.totals;
  const fixedWords =
    violations.found === 0
      ? ''
      : ` found: ${violations.fixed} fixed${violations.remaining ? `, ${violations.remaining} ${violations.remaining === 1 ? 'remains' : 'remain'}` : ''}`;
  const foreign = t.foreign ? ` (${t.foreign} owned by other accounts: reported, never changed)` : '';
  const eventsFailed = report.events.failed.length;
  return [
    boldLine('Summary', style),
    ...row('snapshots checked', [{ text: `${t.snapshots}${foreign}` }], style),
    ...row('compliant', [{ text: `${t.compliant}` }], style),
    ...row('violating', [{ text: `${violations.found}${fixedWords}` }], style),
    ...row('findings', [{ text: `${t.findings}` }, ...kindSegments(t)], style),
    ...row('revocations', outcomeCounts(t.revocations), style),
    ...row('deletions', outcomeCounts(t.deletions), style),
    ...row('failures', [{ text: `${t.failures}`, style: t.failures > 0 ? 'red' : undefined }], style),
    ...row(
      'events published',
      [
        { text: `${report.events.published}` },
        ...(eventsFailed ? [{ text: `, ${eventsFailed} FAILED`, style: 'red' as const }] : []),
      ],
      style,
    ),
  ];
}

/** What stopped the run short of done (limits, time, unreadable inventory), then its result. */
function outcomeLines(report: RunReport, violations: ViolationCounts, style: TextStyle): string[] {
  const out: string[] = [];
  const hub = report.securityHub;
  if (hub) {
    const text = `${hub.imported} open, ${hub.archived} archived (${hub.resolved} resolved)`;
    const failed = hub.failed.length
      ? [{ text: `, ${hub.failed.length} FAILED`, style: 'red' as const }]
      : [];
    out.push(
      ...row(
        'security hub',
        [{ text }, ...failed, ...hub.notes.map((note) => ({ text: `; ${note}` }))],
        style,
      ),
    );
  }
  if (report.blastRadius) {
    // Each limit stops its own kind of change only: the rest of the run went ahead.
    const reasons = report.blastRadius.reasons.join('; ');
    out.push(...row('BLAST RADIUS', [{ text: `not done: ${reasons}`, style: 'red' }], style));
  }
  if (report.truncated) {
    const text = 'some snapshots or actions were not reached; the next run takes them up';
    out.push(...row('TIME RAN OUT', [{ text, style: 'yellow' }], style));
  }
  for (const e of report.inventoryErrors) {
    const text = `${e.region}${e.identifier ? ` ${e.identifier}` : ''}: ${e.reason}`;
    out.push(...row('INVENTORY ERROR', [{ text, style: 'red' }], style));
  }
  out.push(...row('result', resultLine(report, violations), style));
  return out;
}

/**
 * Each snapshot's findings and what was done about them: violations first, then by cluster or
 * namespace and identifier, so a reader's eye lands on what matters.
 */
function findingsLines(report: RunReport, source: ReportSource, style: TextStyle): string[] {
  if (report.snapshots.length === 0) return [];
  const rank = (e: SnapshotEntry) => (e.findings.some((f) => f.severity === 'violation') ? 0 : 1);
  const key = (e: SnapshotEntry) => `${e.snapshot.cluster ?? e.snapshot.namespace ?? ''}/${e.snapshot.id}`;
  const sorted = [...report.snapshots].sort((a, b) => rank(a) - rank(b) || key(a).localeCompare(key(b)));
  return [
    '',
    boldLine('Findings by snapshot', style),
    ...sorted.flatMap((e) => snapshotLines(e, source, style)),
  ];
}

/**
 * The CLI's table: a summary, then findings grouped by snapshot with what was done about each.
 * Every line fits `style.width` columns (wrapped at spaces, continued under its value), and
 * colour is used only when `style.color` is set.
 *
 * @example
 * process.stdout.write(renderReport(report, { regions: ['us-east-1'] }, { width: 80, color: false }));
 */
export function renderReport(
  report: RunReport,
  source: ReportSource,
  style: TextStyle = { width: 80, color: false },
): string {
  const violations = violationCounts(report);
  const out = [
    ...headerLines(report, source, style),
    '',
    ...summaryLines(report, violations, style),
    ...outcomeLines(report, violations, style),
    ...findingsLines(report, source, style),
  ];
  return `${out.join('\n')}\n`;
}

const boldLine = (text: string, style: TextStyle) => wrap([], [{ text, style: 'bold' }], 0, style).join('\n');
