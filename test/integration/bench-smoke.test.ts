import { describe, expect, it } from 'vitest';
import { PLANS } from '../../bench/plans.ts';
import { BenchResultSchema, resultJson } from '../../bench/result.ts';
import { runBench } from '../../bench/run.ts';

// Runs every measurement once, on 300 snapshots without latency: no timing is asserted, only that
// the bench produces every figure and that the product makes no call beyond the minimum.
describe('npm run bench, on a tiny fleet', () => {
  it('writes every figure, with the minimum number of AWS calls', { timeout: 60_000 }, async () => {
    const result = BenchResultSchema.parse(JSON.parse(resultJson(await runBench(PLANS.smoke))));

    const [sweep] = result.sweeps;
    expect(sweep).toMatchObject({ snapshots: 300, regions: 1, profile: 'flat', partitions: 1, throttled: 0 });
    expect(sweep?.fleet.unauthorizedGrants).toBeGreaterThan(0);
    for (const action of [
      'DescribeClusterSnapshots',
      'RevokeSnapshotAccess',
      'PutEvents',
      'GetCallerIdentity',
    ]) {
      expect(sweep?.calls.byAction[action]?.actual, action).toBeGreaterThan(0);
    }
    for (const [action, figures] of Object.entries(sweep?.calls.byAction ?? {})) {
      expect(figures.ratio, action).toBe(1);
    }
    expect(sweep?.calls.total.ratio).toBe(1);
    expect(sweep?.report).toMatchObject({ compliant: true, failures: 0, inventoryErrors: 0 });
    // Without latency, and within the rate limits' burst, there is no floor to compare the wall time with.
    expect(sweep?.wall).toMatchObject({ floorMs: 0, sequentialFloorMs: 0, rateFloorMs: 0, ratio: null });
    expect(sweep?.memory.peakRssMb).toBeGreaterThan(0);

    expect(result.engine.perSecond).toBeGreaterThan(0);
    expect(result.handler.events).toBe(PLANS.smoke.handlerEvents);
    expect(result.handler.callsPerEvent).toEqual({
      DescribeClusterSnapshots: 1,
      RevokeSnapshotAccess: 1,
      PutEvents: 1,
    });
    expect(result.functions.map((f) => f.name)).toEqual(['sweep', 'snapshot-event']);
    for (const f of result.functions) {
      expect(f.gzipBytes).toBeGreaterThan(0);
      expect(f.gzipBytes).toBeLessThan(f.bytes);
    }
    // The command line, built as npm ci builds it: its help and a sweep of the whole fleet.
    expect(result.cli.help.samplesMs).toHaveLength(PLANS.smoke.cliHelpRuns);
    expect(result.cli.help.ratio).toBeGreaterThan(0);
    expect(result.cli.sweep).toMatchObject({ snapshots: PLANS.smoke.cliSweepSnapshots });
    expect(result.cli.sweep.peakRssMb).toBeGreaterThan(0);
    expect(result.targets.map((t) => t.id)).toEqual([
      'calls',
      'throttled',
      'quick-wall',
      'sweep-wall',
      'regions',
      'sweep-rss',
      'huge',
      'engine',
      'handler',
      'cold-start',
      'bundle-size',
      'cli-help',
      'cli-rss',
    ]);
    expect(result.targets.find((t) => t.id === 'throttled')?.status).toBe('met');
    expect(result.targets.find((t) => t.id === 'calls')?.status).toBe('met');
    // A smoke fleet is too small to settle the command line's memory target.
    expect(result.targets.find((t) => t.id === 'cli-rss')?.status).toBe('not measured');
  });
});
