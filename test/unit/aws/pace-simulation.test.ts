import { describe, expect, it } from 'vitest';
import { type BucketScenario, simulateBucket as simulate } from '../../helpers/bucket.ts';

/**
 * The least time the bucket allows (the burst at once, the rest at the rate, plus one latency),
 * or, when the calls are slow, the least time `ceiling` of them in flight at once need.
 */
const floorMs = (s: BucketScenario) =>
  Math.max(
    (Math.max(0, s.calls - s.burst) / s.rate) * 1000 + s.latencyMs,
    (s.calls * s.latencyMs) / s.ceiling,
  );

describe('Pacer against a token bucket', () => {
  // The default ceiling (8) against rates a fifth of, equal to and four times the assumed 12 a
  // second, bursts of 10 and 300, and calls as fast as a small page and as slow as a large one.
  const scenarios = [2, 12, 50].flatMap((rate) =>
    [10, 300].flatMap((burst) =>
      [20, 400].map((latencyMs) => ({
        calls: 1000,
        latencyMs,
        jitterMs: latencyMs / 4,
        rate,
        burst,
        workers: 8,
        ceiling: 8,
      })),
    ),
  );
  it.each(scenarios)(
    'keeps throttled calls under 2% and the time within 1.2 × the floor: $rate/s, burst $burst, $latencyMs ms',
    async (s) => {
      const o = await simulate(s);

      expect(o.failed).toBe(0);
      expect(o.throttled / o.attempts).toBeLessThanOrEqual(0.02);
      expect(o.wallMs / floorMs(s)).toBeLessThanOrEqual(1.2);
    },
  );

  it('does not crawl through a storm of throttles that slowing down does not stop', async () => {
    // Half the calls throttled for 60 s whatever the rate: cutting again and again brought the
    // pacer down to a fraction of a call a second, and 3,000 calls took 80 minutes. It still
    // leaves the storm at the rate it measured in it and climbs back slowly: about 16 minutes.
    const s = { calls: 3000, latencyMs: 50, jitterMs: 10, rate: 50, burst: 300, workers: 8, ceiling: 8 };
    const o = await simulate({ ...s, stormMs: 60_000 });

    expect(o.failed).toBeLessThan(s.calls * 0.05);
    expect(o.wallMs).toBeLessThan(10 * (60_000 + floorMs(s)));
  });

  it('throttles no more than the calls in flight when its burst is spent, however many calls follow', async () => {
    const s = { calls: 5000, latencyMs: 20, jitterMs: 5, rate: 12, burst: 300, workers: 32, ceiling: 32 };
    const o = await simulate(s);

    expect(o.throttled).toBeLessThanOrEqual(2 * s.ceiling);
    expect(o.wallMs / floorMs(s)).toBeLessThanOrEqual(1.2);
  });
});
