import { describe, expect, it } from 'vitest';
import { readArgs } from '../../bench/args.ts';
import { ORG_PLANS, OrgCaseSchema, renderOrgTable, runOrgBench } from '../../bench/org.ts';

// The organisation bench on a tiny organisation without latency: no timing is asserted, only that
// every figure is produced and that the run makes no call beyond the minimum.
describe('npm run bench -- --org, on a tiny organisation', () => {
  it('makes exactly the minimum calls in both scopes: one AssumeRole per account, a second listing only where the run holds changes', {
    timeout: 90_000,
  }, async () => {
    const cases = (await runOrgBench(ORG_PLANS.smoke)).map((c) => OrgCaseSchema.parse(c));

    expect(cases.map((c) => c.scope)).toEqual(['run', 'account-region']);
    for (const c of cases) {
      for (const [action, figures] of Object.entries(c.calls.byAction))
        expect(figures.ratio, `${c.scope} ${action}`).toBe(1);
      expect(c.calls.byAction.AssumeRole).toMatchObject({ actual: 3, minimum: 3 });
      expect(c.calls.byAction.RevokeSnapshotAccess?.actual).toBeGreaterThan(0);
      expect(c.summary).toMatchObject({
        accounts: 3,
        accountRegions: 6,
        swept: 6,
        failures: 0,
        compliant: true,
      });
      expect(c.wall).toMatchObject({ floorMs: 0, ratio: null });
      expect(c.memory.peakRssMb).toBeGreaterThan(0);
    }
    const [run, single] = cases;
    expect(run?.summary.held).toBeGreaterThan(0);
    expect(run?.calls.byAction.DescribeClusterSnapshots?.actual).toBeGreaterThan(
      single?.calls.byAction.DescribeClusterSnapshots?.actual ?? 0,
    );
    expect(renderOrgTable(cases)).toContain('safetyScope account-region: 3 accounts × 2 regions');
  });

  it('is opt-in, scaled by its flags', () => {
    expect(readArgs(['--org', '--org-accounts', '10', '--org-snapshots', '200'])).toMatchObject({
      org: { ...ORG_PLANS.full, accounts: 10, snapshotsPerRegion: 200 },
    });
    expect(readArgs(['--quick'])).not.toHaveProperty('org');
  });
});
