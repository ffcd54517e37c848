import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../../../functions/aws/pace.ts';

/**
 * A sweep's listing against AWS's token bucket, in simulated time: `workers` loops each keep one
 * call waiting on the pacer, every call takes its latency, the bucket (rate and burst, as the
 * stand-in models AWS) answers each arrival, and a throttled call is retried as the SDK's
 * standard mode does (a random wait of up to 500 ms × 2^attempt, at most `maxAttempts`).
 */
type Scenario = {
  calls: number;
  latencyMs: number;
  jitterMs: number;
  rate: number;
  burst: number;
  workers: number;
  ceiling: number;
  /** For this long from the start, half the calls are throttled whatever the bucket holds. */
  stormMs?: number;
};

type Outcome = { attempts: number; throttled: number; failed: number; wallMs: number };

/** A deterministic generator (mulberry32), so each scenario is one fixed history. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function simulate(s: Scenario, seed = 1): Promise<Outcome> {
  let now = 0;
  const timers: { at: number; seq: number; wake: () => void }[] = [];
  let seq = 0;
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + Math.max(0, ms), seq: seq++, wake })),
  };
  const rand = random(seed);
  let tokens = s.burst;
  let tokensAt = 0;
  const admit = (): boolean => {
    tokens = Math.min(s.burst, tokens + ((now - tokensAt) * s.rate) / 1000);
    tokensAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  const pacer = new Pacer({ ceiling: s.ceiling, clock });
  let next = 0;
  const out: Outcome = { attempts: 0, throttled: 0, failed: 0, wallMs: 0 };
  const worker = async () => {
    while (next < s.calls) {
      next++;
      for (let attempt = 0; ; attempt++) {
        const started = await pacer.acquire();
        out.attempts++;
        // The request reaches AWS half-way through its latency; the answer comes back after all of it.
        const latency = s.latencyMs + (rand() * 2 - 1) * s.jitterMs;
        await clock.sleep(latency / 2);
        const ok = now < (s.stormMs ?? 0) && rand() < 0.5 ? false : admit();
        await clock.sleep(latency / 2);
        pacer.release(started, ok ? 'ok' : 'throttled');
        if (ok) break;
        out.throttled++;
        if (attempt + 1 >= 6) {
          out.failed++;
          break;
        }
        await clock.sleep(rand() * Math.min(20_000, 500 * 2 ** attempt));
      }
    }
  };
  const done = Promise.all(Array.from({ length: s.workers }, worker)).then(() => {
    out.wallMs = now;
  });
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  while (!finished) {
    await new Promise((r) => setImmediate(r));
    if (finished) break;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const timer = timers.shift();
    if (!timer) throw new Error('stalled: nothing waiting on the clock and the calls not done');
    now = Math.max(now, timer.at);
    timer.wake();
  }
  return out;
}

/**
 * The least time the bucket allows (the burst at once, the rest at the rate, plus one latency),
 * or, when the calls are slow, the least time `ceiling` of them in flight at once need.
 */
const floorMs = (s: Scenario) =>
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
