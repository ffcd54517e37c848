import { describe, expect, it } from 'vitest';
import { findingId, SEVERITY, toAsff } from '../../../functions/engine/asff.ts';
import { evaluate } from '../../../functions/engine/evaluate.ts';
import { completeRegions, openFindings } from '../../../functions/engine/findings.ts';
import type { ActionResult, Snapshot } from '../../../functions/engine/model.ts';
import { plan } from '../../../functions/engine/plan.ts';
import type { FindingsBatch, RegionPage, RunPorts } from '../../../functions/engine/ports.ts';
import { runCompliance } from '../../../functions/engine/run.ts';
import { toSnapshotRef as toRef } from '../../../functions/engine/snapshot-ref.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { NOW, policy } from '../../helpers/policies.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const A = '111122223333';
const X = '999988887777';
const Y = '555566667777';
const enforce = policy({
  mode: 'enforce',
  sharing: { allowedAccounts: [A] },
  retention: { manual: { maxRetentionDays: 30 } },
});

function entry(snap: Snapshot, outcome: ActionResult['outcome']) {
  const findings = evaluate(snap, enforce, NOW);
  const results = plan(snap, findings, { account: OWNER }).map((a) => ({ ...a, outcome }));
  return { snapshot: toRef(snap), findings, results };
}

/** Ports that do what they are asked, and a findings port that records what it was given. */
function ports(batches: FindingsBatch[]): RunPorts {
  return {
    revoke: async () => ({ outcome: 'applied' }),
    delete: async () => ({ outcome: 'applied' }),
    restore: async () => ({ outcome: 'applied' }),
    publish: async (events) => ({ published: events.length, failed: [] }),
    findings: async (batch) => {
      batches.push(batch);
      return { imported: batch.open.length, archived: 0, resolved: 0, failed: [], notes: batch.notes };
    },
  };
}

const context = {
  runId: 'run-1',
  trigger: 'cli' as const,
  account: OWNER,
  policy: enforce,
  dryRun: false,
  now: NOW,
};

describe('openFindings', () => {
  it('groups a snapshot’s open violations by kind, with every account concerned', () => {
    // Act
    const open = openFindings([entry(snapshot({ grants: [X, Y], retentionDays: -1 }), 'dry-run')]);

    // Assess
    expect(open.map((f) => [f.kind, f.accounts, f.status])).toEqual([
      ['unauthorized-grant', [X, Y], 'dry-run'],
      ['retention-indefinite', [], 'reported'],
    ]);
  });

  it('leaves out what the run fixed', () => {
    // Act
    const open = openFindings([entry(snapshot({ grants: [X] }), 'applied')]);

    // Assess
    expect(open).toEqual([]);
  });
});

describe('completeRegions', () => {
  it('closes nothing in a region read in part, nor anywhere when time ran out', () => {
    expect(completeRegions(['us-east-1', 'eu-west-1'], [{ region: 'eu-west-1' }], false)).toEqual({
      regions: ['us-east-1'],
      notes: ['eu-west-1 was read in part: no finding is archived there this run'],
    });
    expect(completeRegions(['us-east-1'], [], true).regions).toEqual([]);
  });
});

describe('toAsff', () => {
  it('gives a snapshot and kind the same Id from run to run, and maps the severity', () => {
    // Prepare
    const [open] = openFindings([entry(snapshot({ grants: [X] }), 'dry-run')]);

    // Act
    const first = toAsff(open as never, { ...context, runId: 'a' });
    const second = toAsff(open as never, {
      ...context,
      runId: 'b',
      now: new Date(NOW.getTime() + 3_600_000),
    });

    // Assess
    expect(first.Id).toBe(second.Id);
    expect(first.Id).toBe(findingId(snapshot().arn, 'unauthorized-grant'));
    expect(first.Severity.Label).toBe(SEVERITY['unauthorized-grant']);
    expect(first.GeneratorId).toBe('redshift-snapshot-guard/sharing.allowedAccounts');
  });

  it('keeps Title and Description within the limits ASFF sets', () => {
    // Prepare
    const many = Array.from({ length: 300 }, (_, i) => String(100000000000 + i));
    const [open] = openFindings([entry(snapshot({ grants: many }), 'dry-run')]);

    // Act
    const asff = toAsff(open as never, context);

    // Assess
    expect(asff.Title.length).toBeLessThanOrEqual(256);
    expect(asff.Description.length).toBeLessThanOrEqual(1024);
    expect((asff.Remediation?.Recommendation.Text ?? '').length).toBeLessThanOrEqual(512);
  });
});

describe('runCompliance with a findings port', () => {
  async function* page(region: string, snapshots: Snapshot[]): AsyncGenerator<RegionPage> {
    yield { region, items: snapshots.map((s) => ({ snapshot: s })) };
  }

  it('gives the port the open findings and only the regions a sweep read in full', async () => {
    // Prepare
    const batches: FindingsBatch[] = [];
    const failing = async function* (region: string) {
      if (region === 'eu-west-1') throw new Error('region unreachable');
      yield {
        items: [{ snapshot: snapshot({ grants: [X], retentionDays: -1 }) }],
        left: { provisioned: [], serverless: [] },
      };
    };

    // Act
    const report = await sweep(
      { ...context, regions: ['us-east-1', 'eu-west-1'], homeRegion: 'us-east-1' },
      { ...ports(batches), inventory: failing },
    );

    // Assess
    expect(batches).toHaveLength(1);
    expect(batches[0]?.scope).toEqual({ regions: ['us-east-1'] });
    expect(batches[0]?.notes).toEqual(['eu-west-1 was read in part: no finding is archived there this run']);
    expect(batches[0]?.open.map((f) => f.kind)).toEqual(['retention-indefinite']);
    expect(report.securityHub?.imported).toBe(1);
  });

  it('counts a finding the port could not send against compliance, as a failed PutEvents entry is', async () => {
    // Prepare
    const failing: RunPorts = {
      ...ports([]),
      findings: async () => ({
        imported: 0,
        archived: 0,
        resolved: 0,
        failed: [{ id: 'f', reason: 'x' }],
        notes: [],
      }),
    };

    // Act
    const report = await runCompliance(
      page('us-east-1', [snapshot()]),
      { ...context, homeRegion: 'us-east-1' },
      failing,
    );

    // Assess
    expect(report.compliant).toBe(false);
    expect(report.securityHub?.failed).toHaveLength(1);
  });
});
