import { describe, expect, it } from 'vitest';
import { FaultControl } from '../../../local/faults.ts';
import { FLAT, meanLatencyMs, REALISTIC } from '../../../local/profiles.ts';

describe('latency profiles', () => {
  it('gives each call of an action a latency within its mean ± jitter, plus its per-KB cost', () => {
    const faults = new FaultControl(undefined, 7, Date.now, undefined, REALISTIC);

    const describes = Array.from({ length: 200 }, () => faults.decide('redshift.DescribeClusterSnapshots'));
    const puts = Array.from({ length: 200 }, () => faults.decide('events.PutEvents'));

    for (const d of describes) {
      expect(d.delayMs).toBeGreaterThanOrEqual(120);
      expect(d.delayMs).toBeLessThanOrEqual(240);
      expect(d.perKbMs).toBe(1);
    }
    for (const p of puts) {
      expect(p.delayMs).toBeGreaterThanOrEqual(25);
      expect(p.delayMs).toBeLessThanOrEqual(55);
      expect(p.perKbMs).toBe(0);
    }
  });

  it('falls back to the default for an action the profile does not name', () => {
    expect(meanLatencyMs(REALISTIC, 'redshift.DescribeClusters', 2048)).toBe(102);
    expect(meanLatencyMs(FLAT, 'redshift.DescribeClusterSnapshots', 184_320)).toBe(20);
  });

  it('prices a full DescribeClusterSnapshots page at about 360 ms', () => {
    expect(meanLatencyMs(REALISTIC, 'redshift.DescribeClusterSnapshots', 180 * 1024)).toBe(360);
  });
});
