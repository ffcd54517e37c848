import { describe, expect, it } from 'vitest';
import type { ActionResult, Finding, Snapshot } from '../../../functions/engine/model.ts';
import type { RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import type { RunReport } from '../../../functions/engine/run-report.ts';
import { toSnapshotRef } from '../../../functions/engine/snapshot-ref.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';
import { jsonReport } from '../../../functions/report/json.ts';
import { renderReport } from '../../../functions/report/table.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const SOURCE = {
  policyFile: 'policies/default.yml',
  policySha256: 'd761791a1162aa',
  regions: ['us-east-1'],
  locate: (path: string) => (path ? 24 : undefined),
};
const ESCAPE = '\x1b';

function finding(s: Snapshot, overrides: Partial<Finding>): Finding {
  return {
    kind: 'unauthorized-grant',
    severity: 'violation',
    snapshot: toSnapshotRef(s),
    account: '999988887777',
    rule: 'sharing.rules[0]',
    message: 'account 999988887777 is not allowed to restore snapshots of cluster finance-prod',
    remediation: 'revoke',
    ...overrides,
  };
}

/** A report with long identifiers, long AWS errors and every outcome: what makes lines wrap. */
function report(entries: { snapshot: Snapshot; findings: Partial<Finding>[]; results: ActionResult[] }[]) {
  const snapshots = entries.map((e) => ({
    snapshot: toSnapshotRef(e.snapshot),
    findings: e.findings.map((f) => finding(e.snapshot, f)),
    results: e.results,
  }));
  const findings = snapshots.flatMap((e) => e.findings);
  const violating = snapshots.filter((e) => e.findings.some((f) => f.severity === 'violation')).length;
  const byKind: RunReport['totals']['findingsByKind'] = {};
  for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const results = snapshots.flatMap((e) => e.results);
  const failures = results.filter((r) => r.outcome === 'failed').length;
  return {
    runId: '1a631990-d84c-4794-8d6b-f89b2af1636a',
    trigger: 'cli',
    account: OWNER,
    mode: 'enforce',
    dryRun: false,
    startedAt: NOW.toISOString(),
    totals: {
      snapshots: snapshots.length + 2,
      foreign: 0,
      compliant: snapshots.length + 2 - violating,
      violating,
      findings: findings.length,
      revocations: { applied: results.filter((r) => r.outcome === 'applied').length },
      deletions: {},
      failures,
      findingsByKind: byKind,
      unreadable: 0,
    },
    snapshots,
    inventoryErrors: [],
    truncated: false,
    events: { published: 3, failed: [] },
    compliant: failures === 0 && results.every((r) => r.outcome === 'applied'),
  } satisfies RunReport;
}

const revoke = (s: Snapshot, outcome: ActionResult['outcome'], reason?: string): ActionResult => ({
  type: 'revoke',
  snapshot: toSnapshotRef(s),
  account: '999988887777',
  findings: ['unauthorized-grant'],
  rule: 'sharing.rules[0]',
  purpose: 'not-allowed',
  outcome,
  reason,
});

const longId = 'finance-prod-quarterly-export-for-the-external-auditors-2026-q3';
const shared = snapshot({ id: longId, grants: ['999988887777'] });
const failing = snapshot({ id: 'finance-prod-support-case', grants: ['999988887777'] });
const old = snapshot({ id: 'analytics-archive-10y', cluster: 'analytics', retentionDays: 3653 });
const wide = report([
  { snapshot: shared, findings: [{}], results: [revoke(shared, 'applied')] },
  {
    snapshot: failing,
    findings: [{}],
    results: [
      revoke(
        failing,
        'failed',
        'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/snapshot-guard-sweep/session is not authorized to perform: redshift:RevokeSnapshotAccess with an explicit deny in a service control policy',
      ),
    ],
  },
  {
    snapshot: old,
    findings: [
      {
        kind: 'retention-too-long',
        account: undefined,
        rule: 'retention.manual.maxRetentionDays',
        message: 'retention is 3653 days; the policy allows at most 365',
        remediation: 'none',
      },
    ],
    results: [],
  },
]);

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('renderReport', () => {
  it.each([80, 120])('fits every line into %i columns', (width) => {
    // Act
    const text = renderReport(wide, SOURCE, { width, color: false });

    // Assess
    const lines = text.trimEnd().split('\n');
    const over = lines.filter((l) => l.length > width);
    expect(over).toEqual([]);
    // The line that overflowed most at 80 columns before: a finding with a long AWS error.
    expect(text).toContain('explicit deny');
  });

  it.each([80, 120])(
    'wraps at word boundaries at %i columns, so the words are those of one long line',
    (width) => {
      // Act
      const wrapped = renderReport(wide, SOURCE, { width, color: false });
      const unwrapped = renderReport(wide, SOURCE, { width: 10_000, color: false });

      // Assess
      expect(words(wrapped)).toEqual(words(unwrapped));
      expect(wrapped.split('\n').length).toBeGreaterThan(unwrapped.split('\n').length);
    },
  );

  it('continues a finding under its message, not under its kind', () => {
    // Act
    const lines = renderReport(wide, SOURCE, { width: 80, color: false }).split('\n');

    // Assess
    const first = lines.findIndex((l) => l.startsWith('    x unauthorized-grant   account 999988887777'));
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toMatch(/^ {27}\S/);
  });

  it('writes no escape sequence without colour, and colours the result with it', () => {
    // Act
    const bare = renderReport(wide, SOURCE, { width: 80, color: false });
    const coloured = renderReport(wide, SOURCE, { width: 80, color: true });

    // Assess
    expect(bare).not.toContain(ESCAPE);
    expect(coloured).toContain('\x1b[31mNOT COMPLIANT\x1b[39m');
    expect(coloured).toContain('\x1b[31mx\x1b[39m');
    expect(coloured.replaceAll(new RegExp(`${ESCAPE}\\[[0-9;]*m`, 'g'), '')).toBe(bare);
  });

  it('says "found 1 violation, fixed" when the run fixed the one violation it found', () => {
    // Prepare
    const one = report([{ snapshot: shared, findings: [{}], results: [revoke(shared, 'applied')] }]);

    // Act
    const text = renderReport(one, SOURCE);

    // Assess
    expect(text).toMatch(/ {2}violating {10}1 found: 1 fixed\n/);
    expect(text).toMatch(/ {2}result {13}COMPLIANT \(found 1 violation, fixed\)\n/);
  });

  it('says how many violations were found, how many were fixed and how many remain', () => {
    // Act
    const text = renderReport(wide, SOURCE, { width: 120, color: false });

    // Assess
    expect(text).toMatch(/ {2}violating {10}3 found: 1 fixed, 2 remain\n/);
    expect(text).toMatch(
      / {2}result {13}NOT COMPLIANT \(found 3 violations: 1 fixed, 2 remain; 1 failure\)\n/,
    );
    expect(jsonReport(wide, SOURCE).summary).toMatchObject({ violating: 3, fixed: 1, remaining: 2 });
  });
});

describe('the findings count', () => {
  it('counts every finding listed, foreign-owner included, in the text and in --json alike', async () => {
    // Prepare
    const policy = PolicySchema.parse({
      version: 1,
      mode: 'enforce',
      retention: { manual: { maxRetentionDays: 365 } },
    });
    const fleet = [
      snapshot({ id: 'kept-forever', retentionDays: -1 }),
      snapshot({ id: 'shared-in', owner: '222233334444', grants: [OWNER] }),
    ];
    const ports = {
      publish: async (batch: unknown[]) => ({ published: batch.length, failed: [] }),
    } as unknown as RunPorts;
    const pages = (async function* () {
      yield { region: 'us-east-1', items: fleet.map((s) => ({ snapshot: s })) };
    })();

    // Act
    const run = await runCompliance(
      pages,
      {
        runId: 'run-1',
        trigger: 'cli',
        account: OWNER,
        policy,
        dryRun: false,
        now: NOW,
        homeRegion: 'us-east-1',
      },
      ports,
    );
    const json = jsonReport(run, SOURCE);
    const text = renderReport(run, SOURCE);

    // Assess
    expect(json.findings.map((f) => f.kind).sort()).toEqual(['foreign-owner', 'retention-indefinite']);
    expect(json.summary.findings).toBe(json.findings.length);
    const listed = text.split('\n').filter((l) => /^ {4}[xi] /.test(l)).length;
    expect(text).toMatch(new RegExp(`findings {11}${listed} \\(`));
    expect(text).toContain('foreign-owner 1)');
  });
});
