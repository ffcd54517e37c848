import { type Clock, Pacer } from '../../functions/aws/pace.ts';

/**
 * A sweep's calls against AWS's token bucket, in simulated time: `workers` loops each keep one
 * call waiting on the pacer, every call takes its latency, the bucket (rate and burst, as the
 * stand-in models AWS) answers each arrival half-way through it, and a throttled call is retried
 * as the SDK's standard mode does (a random wait of up to 500 ms × 2^attempt, six attempts).
 */
export type BucketScenario = {
  calls: number;
  latencyMs: number;
  /** How far either side of `latencyMs` a call may land. */
  jitterMs?: number;
  rate: number;
  burst: number;
  workers: number;
  ceiling: number;
  /** For this long from the start, half the calls are throttled whatever the bucket holds. */
  stormMs?: number;
  /** Answers the bucket let through that are refusals (AccessDenied, AuthorizationNotFound): a token spent, not retried. */
  failShare?: number;
  /** Answers that take 10 ms instead of `latencyMs` (pages of a nearly empty window). */
  fastShare?: number;
};

export type BucketOutcome = {
  attempts: number;
  throttled: number;
  /** Calls that ran out of attempts. */
  failed: number;
  wallMs: number;
  /** The least time the bucket allows: the burst at once, the rest at the rate, plus one latency. */
  floorMs: number;
  /** The highest rate the pacer allowed after the first simulated minute. */
  highestLateRate: number;
};

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

/**
 * Runs `s` to its end on a clock that jumps from one timer to the next.
 *
 * @example
 * const o = await simulateBucket({ calls: 1000, latencyMs: 20, rate: 12, burst: 300, workers: 8, ceiling: 8 });
 * o.throttled / o.attempts; // the share of throttled attempts
 */
export async function simulateBucket(s: BucketScenario, seed = 1): Promise<BucketOutcome> {
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
  const latency = () =>
    s.fastShare !== undefined
      ? rand() < s.fastShare
        ? 10
        : s.latencyMs
      : s.latencyMs + (rand() * 2 - 1) * (s.jitterMs ?? 0);
  const pacer = new Pacer({ ceiling: s.ceiling, clock });
  let next = 0;
  const out: BucketOutcome = {
    attempts: 0,
    throttled: 0,
    failed: 0,
    wallMs: 0,
    floorMs: (Math.max(0, s.calls - s.burst) / s.rate) * 1000 + s.latencyMs,
    highestLateRate: 0,
  };
  const worker = async () => {
    while (next < s.calls) {
      next++;
      for (let attempt = 0; ; attempt++) {
        const started = await pacer.acquire();
        out.attempts++;
        const ms = latency();
        await clock.sleep(ms / 2);
        const ok = now < (s.stormMs ?? 0) && rand() < 0.5 ? false : admit();
        await clock.sleep(ms / 2);
        const refused = ok && s.failShare !== undefined && rand() < s.failShare;
        pacer.release(started, !ok ? 'throttled' : refused ? 'failed' : 'ok');
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
    out.wallMs = now;
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
