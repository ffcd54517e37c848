import { describe, expect, it } from 'vitest';
import { readArgs } from '../../bench/args.ts';
import {
  bucketMs,
  ceilingFloorMs,
  compareCalls,
  type FloorInput,
  minimumCalls,
  pagesFor,
  rateFloorMs,
  sequentialFloorMs,
} from '../../bench/floor.ts';
import { HUGE_SWEEP, PLANS } from '../../bench/plans.ts';
import type { BenchResult, SweepResult } from '../../bench/result.ts';
import { median, percentile } from '../../bench/stats.ts';
import { split } from '../../bench/sweep.ts';
import { evaluateTargets } from '../../bench/targets.ts';

const region = (snapshots: number, unauthorizedGrants = 0, supportGrants = 0) => ({
  snapshots,
  unauthorizedGrants,
  supportGrants,
});

describe('the minimum calls a sweep can make', () => {
  it('is one describe per hundred snapshots per region, and one for an empty region', () => {
    expect([0, 1, 100, 101, 100_000].map(pagesFor)).toEqual([1, 1, 1, 2, 1_000]);
  });

  it('adds one revoke per refused grant, one PutEvents per ten events and one STS call', () => {
    const minimum = minimumCalls([region(334, 3, 1), region(333, 4)], 9, {});

    expect(minimum).toEqual({
      DescribeClusterSnapshots: 8,
      RevokeSnapshotAccess: 8,
      PutEvents: 1,
      GetCallerIdentity: 1,
    });
  });

  it('adds one revoke and one GetSnapshot to confirm it per refused Serverless grant', () => {
    const minimum = minimumCalls([{ ...region(100, 2), serverless: { unauthorizedGrants: 3 } }], 1, {
      ListSnapshots: 1,
    });

    expect(minimum).toMatchObject({ RevokeSnapshotAccess: 5, GetSnapshot: 3, ListSnapshots: 1 });
    expect(minimumCalls([region(100, 2)], 1, {})).not.toHaveProperty('GetSnapshot');
  });

  it('counts one Serverless listing per region only when the product lists that kind', () => {
    expect(minimumCalls([region(10), region(10)], 1, { ListSnapshots: 2 }).ListSnapshots).toBe(2);
    expect(minimumCalls([region(10)], 1, {})).not.toHaveProperty('ListSnapshots');
  });
});

describe('comparing the calls made with the minimum', () => {
  it('gives a ratio per action and in total', () => {
    const { byAction, total } = compareCalls(
      { DescribeClusterSnapshots: 12, PutEvents: 2 },
      { DescribeClusterSnapshots: 10, PutEvents: 2 },
    );

    expect(byAction.DescribeClusterSnapshots).toEqual({ actual: 12, minimum: 10, ratio: 1.2 });
    expect(byAction.PutEvents?.ratio).toBe(1);
    expect(total).toEqual({ actual: 14, minimum: 12, ratio: 14 / 12 });
  });

  it('shows a call nothing required as excess, and a required call never made as a shortfall', () => {
    const { byAction } = compareCalls({ DescribeClusters: 3 }, { RevokeSnapshotAccess: 2 });

    expect(byAction.DescribeClusters).toEqual({ actual: 3, minimum: 0, ratio: 3 });
    expect(byAction.RevokeSnapshotAccess).toEqual({ actual: 0, minimum: 2, ratio: 0 });
  });
});

const LATENCY = { describeMs: 300, listMs: 100, revokeMs: 150, putEventsMs: 40, stsMs: 40 };
const input = (overrides: Partial<FloorInput> = {}): FloorInput => ({
  latency: LATENCY,
  pagesPerRegion: [334, 334, 335],
  serverlessCallsPerRegion: 1,
  revocations: 80,
  putEvents: 8,
  concurrency: 8,
  publishConcurrency: 4,
  ...overrides,
});

describe('the one-page-after-another floor', () => {
  it('is the account lookup, the longest region page by page, then revokes and PutEvents at their concurrency', () => {
    expect(sequentialFloorMs(input())).toBe(40 + 335 * 300 + 100 + 10 * 150 + 2 * 40);
  });

  it('is zero without latency', () => {
    const zero = { describeMs: 0, listMs: 0, revokeMs: 0, putEventsMs: 0, stsMs: 0 };
    expect(sequentialFloorMs(input({ latency: zero }))).toBe(0);
  });
});

describe('the latency floor at the concurrency ceiling', () => {
  it('lists each region’s pages the ceiling at a time', () => {
    expect(ceilingFloorMs(input(), 8)).toBe(40 + 42 * 300 + 100 + 10 * 150 + 2 * 40);
  });
});

describe('the rate floor', () => {
  const limit = { rate: 12, burst: 300 };

  it('lets a full bucket through at once and the rest at the rate', () => {
    expect(bucketMs(300, limit)).toBe(0);
    expect(bucketMs(1_020, limit)).toBe(60_000);
    expect(bucketMs(5_000, null)).toBe(0);
  });

  it('adds the phases (the slowest region of each) and one latency', () => {
    const floor = rateFloorMs({
      describePerRegion: [1_020, 300],
      listPerRegion: [1, 1],
      revokePerRegion: [312, 600],
      putEvents: 120,
      limits: { describe: limit, list: limit, revoke: limit, putEvents: { rate: 400, burst: 400 } },
      latencyMs: 360,
    });

    expect(floor).toBe(60_000 + 25_000 + 0 + 360);
  });
});

describe('bench helpers', () => {
  it('splits a fleet over regions as evenly as whole snapshots allow', () => {
    expect(split(1_000, 3)).toEqual([334, 333, 333]);
    expect(split(300, 1)).toEqual([300]);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);

    expect(median(values)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('the command line', () => {
  it('runs the full plan by default and the quick one with --quick', () => {
    expect(readArgs([])).toMatchObject({ help: false, plan: PLANS.full });
    expect(readArgs(['--quick', '--out', 'bench.json'])).toMatchObject({
      help: false,
      plan: PLANS.quick,
      out: 'bench.json',
    });
  });

  it('has the quick run sweep 10,000 snapshots in one region under the realistic profile', () => {
    expect(PLANS.quick.sweeps).toContainEqual({ snapshots: 10_000, regions: 1, profile: 'realistic' });
    expect(PLANS.full.sweeps).toContainEqual({ snapshots: 100_000, regions: 1, profile: 'realistic' });
    expect(PLANS.full.sweeps).toContainEqual({ snapshots: 100_000, regions: 3, profile: 'realistic' });
  });

  it('adds a million snapshots swept as the 15-minute function would with --huge, and puts every sweep under one profile with --profile', () => {
    const huge = readArgs(['--huge']);
    const realistic = readArgs(['--quick', '--profile', 'realistic']);

    expect(huge).toMatchObject({ plan: { sweeps: expect.arrayContaining([HUGE_SWEEP]) } });
    expect(HUGE_SWEEP).toEqual({
      snapshots: 1_000_000,
      regions: 1,
      profile: 'realistic',
      lambdaTimeoutMs: 900_000,
    });
    if (realistic.help || !('plan' in realistic)) throw new Error('no plan');
    expect(realistic.plan.sweeps.every((s) => s.profile === 'realistic')).toBe(true);
  });

  it('takes the rate limit and its burst, or turns it off', () => {
    expect(readArgs(['--rate-limit', '5', '--burst', '50'])).toMatchObject({
      plan: { rateLimit: { rate: 5, burst: 50 } },
    });
    expect(readArgs(['--rate-limit', 'off'])).toMatchObject({ plan: { rateLimit: false } });
    expect(() => readArgs(['--rate-limit', 'off', '--burst', '5'])).toThrow(/burst/);
    expect(() => readArgs(['--profile', 'fast'])).toThrow(/profile/);
  });

  it('takes the latency and its jitter', () => {
    expect(readArgs(['--latency-ms', '50', '--jitter-ms', '10'])).toMatchObject({
      plan: { latencyMs: 50, jitterMs: 10 },
    });
  });

  it('refuses a jitter larger than the latency, and unknown flags', () => {
    expect(() => readArgs(['--latency-ms', '2', '--jitter-ms', '5'])).toThrow(/jitter/);
    expect(() => readArgs(['--fast'])).toThrow(/--fast/);
  });
});

describe('the sweep targets', () => {
  const memory = { baselineRssMb: 50, peakRssMb: 150, baselineHeapMb: 9, peakHeapMb: 60, retainedHeapMb: 10 };
  const sweep = (
    overrides: Partial<SweepResult> & Pick<SweepResult, 'snapshots' | 'regions' | 'profile'>,
  ): SweepResult => ({
    partitions: 1,
    throttled: 0,
    fleet: { perRegion: [overrides.snapshots], unauthorizedGrants: 0, snapshotsWithUnauthorizedGrants: 0 },
    calls: { byAction: {}, total: { actual: 100, minimum: 100, ratio: 1 } },
    wall: { ms: 1000, floorMs: 1000, sequentialFloorMs: 4000, rateFloorMs: 500, ratio: 1, inventoryMs: 800 },
    parts: [{ wallMs: 1000, snapshots: overrides.snapshots }],
    cpuMs: 500,
    memory,
    sdk: {},
    report: {
      snapshots: overrides.snapshots,
      revocationsApplied: 0,
      failures: 0,
      eventsPublished: 0,
      eventsFailed: 0,
      inventoryErrors: 0,
      compliant: true,
    },
    ...overrides,
  });
  const target = (id: string, sweeps: SweepResult[]) =>
    evaluateTargets({
      sweeps,
      functions: [],
      engine: { perSecond: 1 },
      handler: { own: { medianMs: 1, p99Ms: 1 } },
      cli: {
        help: { ratio: 1, medianMs: 1, nodeMedianMs: 1, runs: 1 },
        sweep: { snapshots: 0, peakRssMb: 1, wallMs: 1 },
      },
    } as unknown as BenchResult).find((t) => t.id === id);
  const calls = (actual: number, minimum: number) => ({
    byAction: {},
    total: { actual, minimum, ratio: actual / minimum },
  });

  it('holds a region listed in one window to exactly the minimum calls, and a split one to 5% more', () => {
    const split = sweep({
      snapshots: 10_000,
      regions: 1,
      profile: 'flat',
      partitions: 12,
      calls: calls(104, 100),
    });
    const single = sweep({ snapshots: 1_000, regions: 1, profile: 'flat', calls: calls(31, 30) });

    expect(target('calls', [split])?.status).toBe('met');
    expect(target('calls', [split, single])?.status).toBe('missed');
    expect(
      target('calls', [
        sweep({ snapshots: 10_000, regions: 1, profile: 'flat', partitions: 9, calls: calls(106, 100) }),
      ])?.status,
    ).toBe('missed');
  });

  it('counts throttled calls against all calls', () => {
    const at = (throttled: number) => sweep({ snapshots: 10, regions: 1, profile: 'flat', throttled });

    expect(target('throttled', [at(2)])?.status).toBe('met');
    expect(target('throttled', [at(3)])?.status).toBe('missed');
  });

  it('judges the quick sweep against its one-page-after-another floor, and says when it did not run', () => {
    const quick = (ms: number) =>
      sweep({
        snapshots: 10_000,
        regions: 1,
        profile: 'realistic',
        wall: { ms, floorMs: 1, sequentialFloorMs: 10_000, rateFloorMs: 1, ratio: 1, inventoryMs: 1 },
      });

    expect(target('quick-wall', [quick(3_500)])?.status).toBe('met');
    expect(target('quick-wall', [quick(3_600)])?.status).toBe('missed');
    expect(target('quick-wall', [])?.status).toBe('not measured');
  });

  it('compares three regions with one against their own floors, under the realistic profile', () => {
    const at = (regions: 1 | 3, ratio: number) =>
      sweep({
        snapshots: 100_000,
        regions,
        profile: 'realistic',
        wall: { ms: 1, floorMs: 1, sequentialFloorMs: 1, rateFloorMs: 1, ratio, inventoryMs: 1 },
      });

    expect(target('regions', [at(1, 1.1), at(3, 1.15)])?.status).toBe('met');
    expect(target('regions', [at(1, 1.1), at(3, 1.2)])?.status).toBe('missed');
  });
});
