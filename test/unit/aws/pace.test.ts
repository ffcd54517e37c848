import { describe, expect, it } from 'vitest';
import { type Clock, isThrottling, Pacer } from '../../../functions/aws/pace.ts';

/** A clock the test moves by hand; sleepers wake when it passes their time. */
function manualClock() {
  let now = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
  };
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const advance = async (ms: number) => {
    const until = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > until) break;
      timers.shift();
      now = next.at;
      next.wake();
      await settle();
    }
    now = until;
    await settle();
  };
  /** An attempt, started as soon as the pacer lets it: the clock runs in small steps until then. */
  const acquired = async (pacer: Pacer) => {
    let started: number | undefined;
    void pacer.acquire().then((t) => {
      started = t;
    });
    await settle();
    while (started === undefined) await advance(10);
    return started;
  };
  return { clock, advance, settle, acquired };
}

describe('Pacer', () => {
  it('lets up to its ceiling attempts in flight and starts the next as one ends', async () => {
    const { clock, settle } = manualClock();
    const pacer = new Pacer({ ceiling: 2, clock });
    const started: number[] = [];

    const attempts = [1, 2, 3].map((n) =>
      pacer.acquire().then((t) => {
        started.push(n);
        return t;
      }),
    );
    await settle();
    const whileFull = [...started];
    pacer.release(await (attempts[0] as Promise<number>), 'ok');
    await settle();

    expect(whileFull).toEqual([1, 2]);
    expect(started).toEqual([1, 2, 3]);
  });

  it('halves its limit and the rate attempts went out at on a first throttle, and paces at that rate', async () => {
    const { clock, advance, settle } = manualClock();
    const pacer = new Pacer({ ceiling: 8, clock });
    const first = await Promise.all(Array.from({ length: 8 }, () => pacer.acquire()));
    await advance(500);

    pacer.release(first[0] as number, 'throttled');
    const limit = pacer.allowed();
    const rate = pacer.currentRate();
    for (const t of first.slice(1)) pacer.release(t, 'ok');
    // Many attempts waiting, each answered at once: only the rate holds them back.
    let begun = 0;
    for (let i = 0; i < 20; i++)
      void pacer.acquire().then((t) => {
        begun++;
        pacer.release(t, 'ok');
      });
    await settle();
    await advance(1000);

    // 8 attempts in the half second before the throttle: 16 a second, halved.
    expect(limit).toBe(4);
    expect(rate).toBe(8);
    expect(begun).toBeGreaterThanOrEqual(6);
    expect(begun).toBeLessThanOrEqual(12);
  });

  it('cuts once for a round of throttles: attempts sent before the cut do not cut again', async () => {
    const { clock, advance } = manualClock();
    const pacer = new Pacer({ ceiling: 8, clock });
    const round = await Promise.all(Array.from({ length: 8 }, () => pacer.acquire()));
    await advance(100);

    for (const t of round) pacer.release(t, 'throttled');

    expect(pacer.allowed()).toBe(4);
    expect(pacer.throttles).toBe(8);
  });

  it('raises its limit again with answers that are not throttled, never above the ceiling', async () => {
    const { clock, advance, acquired } = manualClock();
    const pacer = new Pacer({ ceiling: 3, clock });
    pacer.release(await pacer.acquire(), 'throttled');
    const afterCut = pacer.allowed();

    for (let i = 0; i < 50; i++) {
      // Once throttled, an attempt waits for a token.
      const t = await acquired(pacer);
      await advance(100);
      pacer.release(t, 'ok');
    }

    expect(afterCut).toBe(1);
    expect(pacer.allowed()).toBe(3);
    expect(pacer.currentRate()).toBeGreaterThan(0.5);
  });

  it('sets its rate just under what passed between two throttles a second or more apart', async () => {
    const { clock, advance, acquired } = manualClock();
    const pacer = new Pacer({ ceiling: 8, clock });
    pacer.release(await pacer.acquire(), 'throttled');
    const firstThrottleAt = clock.now();
    for (let i = 0; i < 30; i++) {
      const t = await acquired(pacer);
      await advance(50);
      pacer.release(t, 'ok');
    }
    const t = await acquired(pacer);
    await advance(50);
    const seconds = (clock.now() - firstThrottleAt) / 1000;
    const before = pacer.currentRate();
    pacer.release(t, 'throttled');

    expect(seconds).toBeGreaterThanOrEqual(1);
    // Just under the measure, though never below half the rate it had.
    expect(pacer.currentRate()).toBeCloseTo(Math.max((0.9 * 30) / seconds, before / 2), 6);
    expect(pacer.currentRate()).toBeLessThan(before);
  });

  it('keeps what it learnt through a long sweep and forgets it after a minute without attempts', async () => {
    const { clock, advance, acquired } = manualClock();
    const pacer = new Pacer({ ceiling: 8, clock });
    pacer.release(await pacer.acquire(), 'throttled');
    for (let i = 0; i < 90; i++) {
      const t = await acquired(pacer);
      await advance(1_000);
      pacer.release(t, 'ok');
    }
    const during = pacer.currentRate();
    await advance(61_000);
    pacer.release(await pacer.acquire(), 'ok');

    expect(Number.isFinite(during)).toBe(true);
    expect(pacer.currentRate()).toBe(Number.POSITIVE_INFINITY);
    expect(pacer.allowed()).toBe(8);
  });

  it('holds its calls in flight while answers take more than twice as long as usual', async () => {
    const { clock, advance, acquired } = manualClock();
    const pacer = new Pacer({ ceiling: 64, clock });
    pacer.release(await pacer.acquire(), 'throttled');
    const next = () => acquired(pacer);
    for (let i = 0; i < 40; i++) {
      const fast = await next();
      await advance(100);
      pacer.release(fast, 'ok');
    }
    const held = pacer.allowed();

    for (let i = 0; i < 10; i++) {
      const t = await next();
      await advance(1_000);
      pacer.release(t, 'ok');
    }

    expect(held).toBeLessThan(64);
    expect(pacer.allowed()).toBe(held);
  });
});

describe('isThrottling', () => {
  it.each([
    [{ name: 'Throttling' }, true],
    [{ name: 'ThrottlingException' }, true],
    [{ name: 'TooManyRequestsException' }, true],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 429 } }, true],
    [{ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }, false],
    [{ name: 'AccessDenied' }, false],
  ])('%o → %s', (error, expected) => {
    expect(isThrottling(error)).toBe(expected);
  });
});
