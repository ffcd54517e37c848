import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../functions/cli/io.ts';
import { main } from '../../../functions/cli.ts';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import type { RunReport } from '../../../functions/engine/run-report.ts';
import { renderHtml } from '../../../functions/report/html.ts';
import { jsonReport } from '../../../functions/report/json.ts';
import { type SweepDocument, SweepDocumentSchema } from '../../../functions/report/sweep-document.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const dir = mkdtempSync(join(tmpdir(), 'report-'));

/** A run report with one snapshot's findings, as the engine would return it. */
function runReport(...grants: string[]): RunReport {
  const snap = snapshot({ id: 'q3-<b>export</b>', grants });
  const findings = evaluate(snap, policy({ sharing: { allowedAccounts: ['111122223333'] } }), NOW);
  return {
    runId: 'run-1',
    trigger: 'cli',
    account: OWNER,
    mode: 'enforce',
    dryRun: true,
    startedAt: NOW.toISOString(),
    totals: {
      snapshots: 1,
      foreign: 0,
      compliant: 0,
      violating: 1,
      findings: findings.length,
      revocations: {},
      deletions: {},
      failures: 0,
      findingsByKind: {},
      unreadable: 0,
    },
    snapshots: [{ snapshot: findings[0]?.snapshot as never, findings, results: [] }],
    inventoryErrors: [],
    truncated: false,
    events: { published: 0, failed: [] },
    compliant: false,
  };
}

function doc(...grants: string[]): SweepDocument {
  return SweepDocumentSchema.parse(jsonReport(runReport(...grants), { regions: ['us-east-1'] }));
}

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} };
  const code = await main(['node', 'snapshot-guard', ...args], io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('renderHtml', () => {
  it('reads what sweep --json writes, created time and cluster included', () => {
    // Act
    const finding = doc('999988887777').findings[0];

    // Assess
    expect(finding).toMatchObject({ cluster: 'finance-prod', created: '2026-10-01T00:00:00.000Z' });
  });

  it('escapes a snapshot name that carries markup', () => {
    // Act
    const html = renderHtml(doc('999988887777'));

    // Assess
    expect(html).not.toContain('<b>export</b>');
    expect(html).toContain('q3-&lt;b&gt;export&lt;/b&gt;');
  });

  it('forbids every fetch with a Content-Security-Policy and references nothing outside the file', () => {
    // Act
    const html = renderHtml(doc('999988887777'));

    // Assess
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });

  it('lists the snapshot shared with the most accounts the policy does not allow first', () => {
    // Act
    const html = renderHtml(doc('999988887777', '555566667777'));

    // Assess
    expect(html).toContain('2 accounts: <span class="snap">999988887777, 555566667777</span>');
  });
});

describe('snapshot-guard report', () => {
  it('writes the HTML report from a saved sweep --json and exits 1 when not compliant', async () => {
    // Prepare
    const from = join(dir, 'sweep.json');
    const html = join(dir, 'report.html');
    writeFileSync(from, JSON.stringify(doc('999988887777')));

    // Act
    const { code, stdout } = await run('report', '--html', html, '--from', from);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain(`wrote ${html}: NOT COMPLIANT, 1 violations, 1 findings`);
    expect(readFileSync(html, 'utf8')).toContain('<p class="status bad" id="status">NOT COMPLIANT</p>');
  });

  it('exits 2 on a saved document that does not validate, naming the field', async () => {
    // Prepare
    const from = join(dir, 'broken.json');
    writeFileSync(from, JSON.stringify({ ...doc(), compliant: 'yes' }));

    // Act
    const { code, stderr } = await run('report', '--html', join(dir, 'x.html'), '--from', from);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${from}: compliant: `);
  });

  it('exits 2 when neither a saved run nor a policy for a dry run is given', async () => {
    const { code, stderr } = await run('report', '--html', join(dir, 'x.html'));
    expect(code).toBe(2);
    expect(stderr).toContain('give --from SWEEP.json, or --policy FILE for a live dry run');
  });
});
