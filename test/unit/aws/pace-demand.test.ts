import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../../../functions/aws/pace.ts';
import { simulateBucket as simulate } from '../../helpers/bucket.ts';

/** A clock whose sleeps pass at once, and move time on. */
function fakeClock() {
  const c = { t: 0 };
  const clock: Clock = {
    now: () => c.t,
    sleep: async (ms) => {
      c.t += ms;
    },
  };
  return { c, clock };
}

describe('Pacer, by what it is asked', () => {
  it('does not take the answers of a caller with little to do for the bucket’s refill rate', async () => {
    // A warm event function (or the listing of a part after its predecessor's enforcement): a
    // throttle while another caller spends the bucket, one call 10 s later, another throttle 30 s
    // after that. Between the throttles the pacer sent one call: that is its demand, not the bucket.
    const { c, clock } = fakeClock();
    const p = new Pacer({ clock });
    p.release(await p.acquire(), 'throttled');
    c.t = 10_000;
    p.release(await p.acquire(), 'ok');
    c.t = 40_000;
    p.release(await p.acquire(), 'throttled');

    const rateAfter = p.currentRate();
    const start = c.t;
    for (let i = 0; i < 10; i++) p.release(await p.acquire(), 'ok');
    const tenCallsMs = c.t - start;

    // What it does: 0.2 calls a second (MIN_RATE), ten calls take about 50 s, and near its
    // "measure" the rate grows by 0.1% an answer.
    expect({ rateAfter, tenCallsMs }).toEqual({
      rateAfter: expect.toSatisfy((r: number) => r >= 1),
      tenCallsMs: expect.toSatisfy((ms: number) => ms < 10_000),
    });
  });

  it('counts refusals that spent a token when it measures the refill rate (half the answers refused)', async () => {
    const o = await simulate({
      calls: 1000,
      latencyMs: 20,
      rate: 12,
      burst: 10,
      workers: 8,
      ceiling: 8,
      failShare: 0.5,
    });
    expect(o.wallMs / o.floorMs).toBeLessThanOrEqual(1.2);
  });

  it('forgets what it learnt after a minute without attempts, even when its last attempt was slow', async () => {
    const { c, clock } = fakeClock();
    const p = new Pacer({ clock });
    const started = await p.acquire();
    // Throttled, answered 1.2 s after it was sent (a large page): the cut drops every start older than 1 s.
    c.t = 1_200;
    p.release(started, 'throttled');
    c.t = 10 * 60_000;
    p.release(await p.acquire(), 'ok');

    expect(p.currentRate()).toBe(Number.POSITIVE_INFINITY);
  });

  it('raises its rate again after a halving when a few answers were much faster than the rest (empty pages)', async () => {
    // 5% of answers take 10 ms (a page of a nearly empty window), the rest 400 ms: averageMs stays
    // above 2 x fastestMs for good, so raise() returns at once and never raises the rate again.
    const o = await simulate({
      calls: 3000,
      latencyMs: 400,
      rate: 12,
      burst: 10,
      workers: 8,
      ceiling: 8,
      failShare: 0,
      fastShare: 0.05,
    });
    const floorMs = Math.max(o.floorMs, (3000 * 400 * 0.95) / 8);
    expect(o.wallMs / floorMs).toBeLessThanOrEqual(1.2);
  });
});
