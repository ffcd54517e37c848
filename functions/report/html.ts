import type { FindingKind } from '../engine/model.ts';
import type { SweepAction, SweepDocument, SweepFinding } from './sweep-document.ts';

/**
 * The compliance report as one self-contained HTML file: styles, script and charts are inline and
 * a Content-Security-Policy forbids every fetch, so it opens the same offline, from a mail
 * attachment or from a ticket. Every row is rendered here, not by the script: without JavaScript,
 * and on paper, the report is complete; the script only filters and sorts.
 */

const DAY_MS = 86_400_000;

/** Sharing findings: a grant someone outside the policy holds. */
const SHARING: ReadonlySet<FindingKind> = new Set([
  'unauthorized-grant',
  'expired-grant',
  'support-access',
  'unencrypted-shared',
]);
/** Kinds that need no action (drawn grey): an exemption, or a snapshot another account owns. */
const INFO_KINDS: ReadonlySet<string> = new Set(['exempted', 'foreign-owner']);
const RETENTION: ReadonlySet<FindingKind> = new Set([
  'retention-too-long',
  'retention-indefinite',
  'too-old',
]);

const OUTCOME_WORDS: Record<SweepAction['outcome'], string> = {
  applied: 'done',
  'already-done': 'already done',
  'dry-run': 'dry run',
  skipped: 'skipped',
  failed: 'FAILED',
};

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside an element or a quoted attribute: snapshot names and tags come from outside. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function name(f: Pick<SweepFinding, 'cluster' | 'namespace' | 'snapshot'>): string {
  const scope = f.cluster ?? f.namespace;
  return scope ? `${scope}/${f.snapshot}` : f.snapshot;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function outcomes(record: Record<string, number>): string {
  const parts = Object.entries(record).map(
    ([k, n]) => `${n} ${OUTCOME_WORDS[k as SweepAction['outcome']] ?? k}`,
  );
  return parts.length > 0 ? parts.join(', ') : '0';
}

/** What was done about one finding, in the CLI table's words. */
function actionOf(f: SweepFinding, actions: readonly SweepAction[]): string {
  if (f.severity === 'info') return '';
  if (f.remediation === 'none') return 'reported';
  const action = actions.find(
    (a) =>
      a.arn === f.arn && a.type === f.remediation && (f.remediation === 'delete' || a.account === f.account),
  );
  if (!action) return `${f.remediation}: not planned`;
  const why = action.outcome === 'failed' || action.outcome === 'skipped' ? ` (${action.reason ?? ''})` : '';
  return `${action.type}: ${OUTCOME_WORDS[action.outcome]}${why}`;
}

/**
 * A horizontal bar chart as inline SVG, with its figures as text for screen readers (the SVG's
 * title and description) and a data table that a print or a screen reader can use.
 */
function barChart(
  id: string,
  title: string,
  rows: [string, number][],
  unit: string,
  muted: (key: string) => boolean = () => false,
): string {
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const bar = 24;
  const label = 190;
  const width = 640;
  const height = Math.max(1, rows.length) * bar + 8;
  const summary = rows.length === 0 ? `no ${unit}` : rows.map(([k, n]) => `${k}: ${n}`).join(', ');
  const bars = rows
    .map(([key, n], i) => {
      const y = 4 + i * bar;
      const w = Math.max(2, Math.round(((width - label - 60) * n) / max));
      return (
        `<text x="${label - 8}" y="${y + 16}" text-anchor="end">${esc(key)}</text>` +
        `<rect x="${label}" y="${y + 3}" width="${w}" height="${bar - 8}" rx="2" class="bar${muted(key) ? ' info' : ''}"></rect>` +
        `<text x="${label + w + 6}" y="${y + 16}">${n}</text>`
      );
    })
    .join('');
  const table = rows.map(([k, n]) => `<tr><th scope="row">${esc(k)}</th><td>${n}</td></tr>`).join('');
  return `<figure class="chart">
<figcaption id="${id}-title">${esc(title)}</figcaption>
<svg role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title>${esc(title)}</title><desc id="${id}-desc">${esc(summary)}</desc>${bars}</svg>
<table class="sr-only"><caption>${esc(title)}</caption><thead><tr><th scope="col">${esc(unit)}</th><th scope="col">count</th></tr></thead><tbody>${table}</tbody></table>
</figure>`;
}

type Risk = { key: string; finding: SweepFinding; accounts: Set<string>; kinds: Set<string> };

function byShareRisk(findings: readonly SweepFinding[]): Risk[] {
  const risks = new Map<string, Risk>();
  for (const f of findings) {
    if (f.severity !== 'violation' || !SHARING.has(f.kind) || f.account === undefined) continue;
    const risk = risks.get(f.arn) ?? { key: f.arn, finding: f, accounts: new Set(), kinds: new Set() };
    risk.accounts.add(f.account);
    risk.kinds.add(f.kind);
    risks.set(f.arn, risk);
  }
  return [...risks.values()]
    .sort((a, b) => b.accounts.size - a.accounts.size || name(a.finding).localeCompare(name(b.finding)))
    .slice(0, 5);
}

function byAge(findings: readonly SweepFinding[]): Risk[] {
  const risks = new Map<string, Risk>();
  for (const f of findings) {
    if (f.severity !== 'violation' || !RETENTION.has(f.kind)) continue;
    const risk = risks.get(f.arn) ?? { key: f.arn, finding: f, accounts: new Set(), kinds: new Set() };
    risk.kinds.add(f.kind);
    risks.set(f.arn, risk);
  }
  const created = (r: Risk) => (r.finding.created ? Date.parse(r.finding.created) : Number.POSITIVE_INFINITY);
  return [...risks.values()]
    .sort((a, b) => created(a) - created(b) || a.key.localeCompare(b.key))
    .slice(0, 5);
}

function riskList(title: string, risks: Risk[], detail: (r: Risk) => string, empty: string): string {
  const items = risks
    .map(
      (r) =>
        `<li><span class="snap">${esc(name(r.finding))}</span> <span class="muted">${esc(r.finding.region)}</span><br>${detail(r)}</li>`,
    )
    .join('');
  return `<section class="risk" aria-labelledby="${esc(title.replace(/\W+/g, '-').toLowerCase())}">
<h3 id="${esc(title.replace(/\W+/g, '-').toLowerCase())}">${esc(title)}</h3>
${items ? `<ol>${items}</ol>` : `<p class="muted">${esc(empty)}</p>`}</section>`;
}

function findingRow(f: SweepFinding, actions: readonly SweepAction[]): string {
  const action = actionOf(f, actions);
  const cells = [
    `<td data-sort="${f.severity === 'violation' ? 0 : 1}"><span class="sev ${f.severity}">${f.severity}</span></td>`,
    `<td class="nowrap">${esc(f.kind)}</td>`,
    `<td class="snap" title="${esc(f.arn)}">${esc(name(f))}</td>`,
    `<td class="nowrap">${esc(f.region)}</td>`,
    `<td>${esc(f.account ?? '')}</td>`,
    // Rule paths break only after a dot, so they stay legible in a narrow column.
    `<td><code>${esc(f.rule).replaceAll('.', '.<wbr>')}</code></td>`,
    `<td data-sort="${f.line ?? 0}">${f.line ?? ''}</td>`,
    `<td>${esc(f.message)}</td>`,
    `<td>${esc(action)}</td>`,
  ];
  return `<tr data-kind="${esc(f.kind)}" data-region="${esc(f.region)}" data-severity="${f.severity}">${cells.join('')}</tr>`;
}

function options(values: readonly string[]): string {
  return values.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bad:#b42318;--bad-bg:#fde8e7;--ok:#1a7f37;--ok-bg:#dafbe1;--info:#0b5cad;--info-bg:#ddf0ff;--bar:#c2410c}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);margin:0;background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 10px}h3{font-size:1rem;margin:0 0 8px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px}
.status{display:inline-block;font-weight:700;padding:4px 12px;border-radius:999px;font-size:1rem;margin:8px 0}
.status.bad{background:var(--bad-bg);color:var(--bad)}.status.good{background:var(--ok-bg);color:var(--ok)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0 0}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:0;padding:0;list-style:none}
.figures li{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.figures b{display:block;font-size:1.5rem}.figures span{color:var(--muted);font-size:.85rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.chart figcaption{font-weight:600;margin-bottom:6px}.chart svg text{font-size:13px;fill:var(--fg)}.chart .bar{fill:var(--bar)}.chart .bar.info{fill:#6e7781}
.risk ol{margin:0;padding-left:1.3em}.risk li{margin:0 0 8px}
.snap{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;overflow-wrap:anywhere}
table.findings td.snap{min-width:11em}table.findings td.nowrap{white-space:nowrap}
.muted{color:var(--muted)}
.alert{border-left:4px solid var(--bad);background:var(--bad-bg);padding:8px 12px;margin:8px 0;border-radius:4px}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:end;margin:0 0 10px}
.controls label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
.controls input,.controls select{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:6px;min-width:170px;color:var(--fg)}
table.findings{width:100%;border-collapse:collapse;background:#fff;font-size:.85rem}
table.findings th,table.findings td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
table.findings thead th{position:sticky;top:0;background:#eef1f4}
table.findings th button{all:unset;cursor:pointer;font-weight:600}
table.findings th button:focus-visible,.controls :focus-visible{outline:3px solid #0969da;outline-offset:2px}
table.findings th[aria-sort=ascending] button::after{content:" \\25B2"}table.findings th[aria-sort=descending] button::after{content:" \\25BC"}
.sev{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.8rem;font-weight:600}
.sev.violation{background:var(--bad-bg);color:var(--bad)}.sev.info{background:var(--info-bg);color:var(--info)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
footer{color:var(--muted);font-size:.8rem;margin-top:24px}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}.controls,#count{display:none}
tr[hidden]{display:table-row!important}.card,.chart,.figures li{border-color:#999;break-inside:avoid}
table.findings thead th{position:static}table.findings tr{break-inside:avoid}a{color:inherit}}
`;

const SCRIPT = `
(function(){
var table=document.getElementById('findings-table');if(!table)return;
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var text=document.getElementById('f-text'),kind=document.getElementById('f-kind'),region=document.getElementById('f-region'),sev=document.getElementById('f-severity'),count=document.getElementById('count');
function apply(){var q=text.value.trim().toLowerCase(),n=0;
rows.forEach(function(r){var show=(!kind.value||r.dataset.kind===kind.value)&&(!region.value||r.dataset.region===region.value)&&(!sev.value||r.dataset.severity===sev.value)&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.hidden=!show;if(show)n++;});
count.textContent=n+' of '+rows.length+' findings shown';}
[text,kind,region,sev].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
var heads=Array.prototype.slice.call(table.tHead.rows[0].cells);
heads.forEach(function(th,i){var b=th.querySelector('button');if(!b)return;b.addEventListener('click',function(){
var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;heads.forEach(function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',dir===1?'ascending':'descending');
function key(r){var c=r.cells[i];var s=c.getAttribute('data-sort');return s!==null?Number(s):c.textContent.toLowerCase();}
rows.sort(function(a,b){var x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*dir;});rows.forEach(function(r){body.appendChild(r);});
count.textContent=count.textContent.replace(/ \\(sorted.*$/,'')+' (sorted by '+b.textContent+(dir===1?', ascending)':', descending)');});});
apply();})();
`;

const COLUMNS = ['Severity', 'Kind', 'Snapshot', 'Region', 'Account', 'Rule', 'Line', 'Message', 'Action'];

/**
 * Renders a sweep's JSON document (`sweep --json`, or a live dry run's) as the HTML report:
 * headline, figures, findings by kind and by region, the snapshots most at risk, and a
 * filterable, sortable table of every finding with its rule and policy line.
 *
 * @example
 * writeFileSync('report.html', renderHtml(SweepDocumentSchema.parse(JSON.parse(json))));
 */
export function renderHtml(doc: SweepDocument): string {
  const t = doc.summary;
  const findings = doc.findings;
  const violations = findings.filter((f) => f.severity === 'violation');
  const startedMs = Date.parse(doc.startedAt);
  const status = doc.compliant ? 'COMPLIANT' : 'NOT COMPLIANT';
  const mode = doc.dryRun ? `${doc.mode} (dry run: nothing was changed)` : doc.mode;
  const alerts: string[] = [];
  if (t.blastRadius)
    alerts.push(`Blast radius exceeded, nothing was changed: ${t.blastRadius.reasons.join('; ')}`);
  if (t.truncated) alerts.push('Time ran out: some snapshots or actions were not reached.');
  for (const e of t.inventoryErrors) {
    alerts.push(`Not read: ${e.region}${e.identifier ? ` ${e.identifier}` : ''}: ${e.reason}`);
  }
  for (const e of doc.events.failed) alerts.push(`Event not published (${e.detailType}): ${e.reason}`);

  const figures: [string | number, string][] = [
    [t.snapshots, 'snapshots checked'],
    [t.compliant, 'compliant'],
    [t.violating, 'violating'],
    [violations.length, 'violations'],
    [outcomes(t.revocations), 'revocations'],
    [outcomes(t.deletions), 'deletions'],
    [t.failures, 'failures'],
    [t.foreign, 'owned by other accounts'],
  ];
  const byKind = countBy(findings, (f) => f.kind);
  const byRegion = countBy(findings, (f) => f.region);
  // Violations first, then by snapshot and kind: where a reader's eye should land first.
  const rank = (f: SweepFinding) =>
    `${f.severity === 'violation' ? 0 : 1} ${name(f)} ${f.kind} ${f.account ?? ''}`;
  const rows = [...findings].sort((a, b) => rank(a).localeCompare(rank(b)));
  const kinds = [...new Set(findings.map((f) => f.kind))].sort();
  const regions = [...new Set([...doc.regions, ...findings.map((f) => f.region)])].sort();
  const shared = byShareRisk(findings);
  const old = byAge(findings);
  const ageOf = (r: Risk) =>
    r.finding.created
      ? `${Math.floor((startedMs - Date.parse(r.finding.created)) / DAY_MS)} days old`
      : 'age unknown';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Redshift snapshot compliance: ${status} (${esc(doc.account)}, ${esc(doc.startedAt)})</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="card">
<h1>Redshift snapshot compliance</h1>
<p class="status ${doc.compliant ? 'good' : 'bad'}" id="status">${status}</p>
<dl class="meta">
<dt>When</dt><dd><time datetime="${esc(doc.startedAt)}">${esc(doc.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time></dd>
<dt>Account</dt><dd>${esc(doc.account)}</dd>
<dt>Regions</dt><dd>${esc(doc.regions.join(', '))}</dd>
<dt>Mode</dt><dd>${esc(mode)}</dd>
<dt>Policy</dt><dd>${esc(doc.policy.path ?? '(inline)')}${doc.policy.sha256 ? ` <span class="muted">sha256</span> <code>${esc(doc.policy.sha256)}</code>` : ''}</dd>
<dt>Run</dt><dd><code>${esc(doc.runId)}</code> <span class="muted">(${esc(doc.trigger)})</span></dd>
</dl>
${alerts.map((a) => `<p class="alert" role="alert">${esc(a)}</p>`).join('\n')}
</header>

<h2 id="summary">Summary</h2>
<ul class="figures" aria-labelledby="summary">
${figures.map(([n, label]) => `<li><b>${esc(n)}</b><span>${esc(label)}</span></li>`).join('\n')}
</ul>

<h2 id="charts">Findings by kind and by region</h2>
<div class="grid">
${barChart('by-kind', 'Findings by kind', byKind, 'kind', (k) => INFO_KINDS.has(k))}
${barChart('by-region', 'Findings by region', byRegion, 'region')}
</div>

<h2 id="at-risk">Snapshots most at risk</h2>
<div class="grid">
${riskList('Shared with the most accounts the policy does not allow', shared, (r) => `${r.accounts.size} account${r.accounts.size === 1 ? '' : 's'}: <span class="snap">${esc([...r.accounts].join(', '))}</span> <span class="muted">(${esc([...r.kinds].join(', '))})</span>`, 'No snapshot is shared against the policy.')}
${riskList('Oldest over retention', old, (r) => `${esc(ageOf(r))} <span class="muted">(${esc([...r.kinds].join(', '))})</span>`, 'No snapshot breaks a retention rule.')}
</div>

<h2 id="all-findings">Every finding (${findings.length})</h2>
<div class="controls" role="search" aria-label="Filter findings">
<label for="f-text">Search<input id="f-text" type="search" placeholder="snapshot, account, rule, message"></label>
<label for="f-kind">Kind<select id="f-kind"><option value="">all kinds</option>${options(kinds)}</select></label>
<label for="f-region">Region<select id="f-region"><option value="">all regions</option>${options(regions)}</select></label>
<label for="f-severity">Severity<select id="f-severity"><option value="">all</option><option value="violation">violation</option><option value="info">info</option></select></label>
</div>
<p id="count" class="muted" aria-live="polite">${findings.length} of ${findings.length} findings shown</p>
<table class="findings" id="findings-table">
<caption class="sr-only">Every finding, with its rule and policy line. Column headers sort the table.</caption>
<thead><tr>${COLUMNS.map((c) => `<th scope="col"><button type="button">${c}</button></th>`).join('')}</tr></thead>
<tbody>
${rows.map((f) => findingRow(f, doc.actions)).join('\n')}
</tbody>
</table>
<footer>redshift-snapshot-guard report: generated from run ${esc(doc.runId)}. Self-contained: it loads nothing from the network.</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
