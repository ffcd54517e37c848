import { describe, expect, it } from 'vitest';
import { readArgs } from '../../bench/args.ts';
import { compareCalls, latencyFloorMs, minimumCalls, pagesFor } from '../../bench/floor.ts';
import { PLANS } from '../../bench/plans.ts';
import { median, percentile } from '../../bench/stats.ts';
import { split } from '../../bench/sweep.ts';

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

describe('the latency floor', () => {
  it('is the account lookup, the longest region, then revokes and PutEvents at their concurrency', () => {
    const floor = latencyFloorMs({
      latencyMs: 20,
      listingCallsPerRegion: [334, 334, 335],
      revocations: 80,
      putEvents: 8,
      concurrency: 8,
      publishConcurrency: 4,
    });

    expect(floor).toBe(20 * (1 + 335 + 10 + 2));
  });

  it('is zero without latency', () => {
    const floor = latencyFloorMs({
      latencyMs: 0,
      listingCallsPerRegion: [10],
      revocations: 5,
      putEvents: 1,
      concurrency: 8,
      publishConcurrency: 4,
    });

    expect(floor).toBe(0);
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
