import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, RateLimiter } from '../../../local/core/throttle.ts';
import { applyRateLimitSpec, FaultControl } from '../../../local/faults.ts';

const DESCRIBE = 'redshift.DescribeClusterSnapshots';

/** A limiter on a clock the test moves by hand. */
function limiter(rate: number, burst: number, actions = {}) {
  const clock = { ms: 0 };
  const l = new RateLimiter({ enabled: true, default: { rate, burst }, actions }, () => clock.ms);
  return { l, clock };
}

describe('RateLimiter', () => {
  it('lets a full bucket through, then throttles until tokens come back at the rate', () => {
    const { l, clock } = limiter(2, 3);

    const burst = [1, 2, 3, 4].map(() => l.take('123456789012', 'us-east-1', DESCRIBE));
    clock.ms = 499;
    const early = l.take('123456789012', 'us-east-1', DESCRIBE);
    clock.ms = 500;
    const refilled = l.take('123456789012', 'us-east-1', DESCRIBE);

    expect(burst).toEqual([true, true, true, false]);
    expect(early).toBe(false);
    expect(refilled).toBe(true);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const { l, clock } = limiter(10, 2);
    clock.ms = 60_000;

    const taken = [1, 2, 3].map(() => l.take('123456789012', 'us-east-1', DESCRIBE));

    expect(taken).toEqual([true, true, false]);
  });

  it('keeps one bucket per account, region and action', () => {
    const { l } = limiter(1, 1);
    l.take('123456789012', 'us-east-1', DESCRIBE);

    expect(l.take('123456789012', 'us-east-1', DESCRIBE)).toBe(false);
    expect(l.take('123456789012', 'eu-west-1', DESCRIBE)).toBe(true);
    expect(l.take('210987654321', 'us-east-1', DESCRIBE)).toBe(true);
    expect(l.take('123456789012', 'us-east-1', 'redshift.RevokeSnapshotAccess')).toBe(true);
  });

  it('takes an action limit before its service limit before the default, and null as no limit', () => {
    const { l } = limiter(12, 300, {
      'redshift.*': { rate: 1, burst: 1 },
      [DESCRIBE]: { rate: 5, burst: 5 },
      'events.PutEvents': null,
    });

    expect(l.limitFor(DESCRIBE)).toEqual({ rate: 5, burst: 5 });
    expect(l.limitFor('redshift.RevokeSnapshotAccess')).toEqual({ rate: 1, burst: 1 });
    expect(l.limitFor('sts.GetCallerIdentity')).toEqual({ rate: 12, burst: 300 });
    expect(l.limitFor('events.PutEvents')).toBeNull();
  });

  it('defaults to 12 a second with bursts of 300, PutEvents far higher', () => {
    const l = new RateLimiter();

    expect(l.limitFor(DESCRIBE)).toEqual({ rate: 12, burst: 300 });
    expect(l.limitFor('events.PutEvents')).toEqual({ rate: 400, burst: 400 });
  });
});

describe('applyRateLimitSpec', () => {
  it('replaces the fields given and merges per-action limits', () => {
    const next = applyRateLimitSpec(DEFAULT_RATE_LIMITS, {
      rate: 2,
      actions: { [DESCRIBE]: { rate: 1, burst: 4 } },
    });

    expect(next).toEqual({
      enabled: true,
      default: { rate: 2, burst: 300 },
      actions: { 'events.PutEvents': { rate: 400, burst: 400 }, [DESCRIBE]: { rate: 1, burst: 4 } },
    });
  });

  it('turns the limits off and on again', () => {
    const off = applyRateLimitSpec(DEFAULT_RATE_LIMITS, { enabled: false });

    expect(off.enabled).toBe(false);
    expect(applyRateLimitSpec(off, { burst: 10 }).enabled).toBe(true);
  });
});

describe('FaultControl rate limits', () => {
  it('throttles a call that finds its bucket empty, and forgets a configured limit on clear', () => {
    const faults = new FaultControl(undefined);
    faults.configure({ rateLimit: { rate: 1, burst: 1 } });
    const scope = { account: '123456789012', region: 'us-east-1' };

    const first = faults.decide(DESCRIBE, () => undefined, scope).outcome;
    const second = faults.decide(DESCRIBE, () => undefined, scope).outcome;
    faults.clear();
    const afterClear = faults.decide(DESCRIBE, () => undefined, scope).outcome;

    expect(first).toEqual({ kind: 'ok' });
    expect(second).toEqual({ kind: 'throttle' });
    expect(afterClear).toEqual({ kind: 'ok' });
  });

  it('counts no rate limit for a call made without a scope', () => {
    const faults = new FaultControl(undefined);
    faults.configure({ rateLimit: { rate: 1, burst: 1 } });

    const outcomes = [1, 2].map(() => faults.decide(DESCRIBE).outcome.kind);

    expect(outcomes).toEqual(['ok', 'ok']);
  });
});
