import { describe, expect, it } from 'vitest';
import { simulateBucket as simulate } from '../../helpers/bucket.ts';

describe('Pacer against a token bucket, answers slower than a second (large pages)', () => {
  it('keeps its rate near the measured refill rate instead of letting it run away', async () => {
    // 2 calls a second, pages answered in 2 s (±0.5 s): the measure is right (about 2/s), but a
    // cut never takes the rate below half, the halved rate is over 1.2 x the measure, so the next
    // answer calls the measure stale and the rate grows by 1.25x a second until the next cut.
    const s = { calls: 1000, latencyMs: 2000, jitterMs: 500, rate: 2, burst: 10, workers: 8, ceiling: 8 };
    const o = await simulate(s);

    expect(o.failed).toBe(0);
    expect(o.highestLateRate).toBeLessThan(10 * s.rate);
    expect(o.throttled / o.attempts).toBeLessThanOrEqual(0.02);
  });
});
