import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../../../functions/aws/pace.ts';

/** mulberry32, as pace-simulation.test.ts. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Scenario = {
  calls: number;
  latencyMs: number;
  jitterMs: number;
  rate: number;
  burst: number;
  workers: number;
  ceiling: number;
};

/** The simulation of pace-simulation.test.ts (token bucket, SDK-like retries), also returning the highest rate the pacer allowed. */
async function simulate(s: Scenario) {
  let now = 0;
  const timers: { at: number; seq: number; wake: () => void }[] = [];
  let seq = 0;
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + Math.max(0, ms), seq: seq++, wake })),
  };
  const rand = random(1);
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
  const out = { attempts: 0, throttled: 0, failed: 0, highestLateRate: 0 };
  const worker = async () => {
    while (next < s.calls) {
      next++;
      for (let attempt = 0; ; attempt++) {
        const started = await pacer.acquire();
        out.attempts++;
        const latency = s.latencyMs + (rand() * 2 - 1) * s.jitterMs;
        await clock.sleep(latency / 2);
        const ok = admit();
        await clock.sleep(latency / 2);
        pacer.release(started, ok ? 'ok' : 'throttled');
        // After the first minute the pacer has had time to learn the bucket.
        if (now > 60_000 && Number.isFinite(pacer.currentRate()))
          out.highestLateRate = Math.max(out.highestLateRate, pacer.currentRate());
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
  let finished = false;
  void Promise.all(Array.from({ length: s.workers }, worker)).then(() => {
    finished = true;
  });
  while (!finished) {
    await new Promise((r) => setImmediate(r));
    if (finished) break;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const timer = timers.shift();
    if (!timer) throw new Error('stalled');
    now = Math.max(now, timer.at);
    timer.wake();
  }
  return out;
}

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
