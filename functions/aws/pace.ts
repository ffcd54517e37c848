/**
 * Adaptive pacing of AWS calls. AWS throttles each account, region and action with a token
 * bucket whose size and refill rate it does not publish for Redshift. The sweep therefore learns
 * them: every attempt of an action in a region passes one `Pacer`, which lets at most `limit`
 * attempts be in flight and, once a throttle has been seen, at most `rate` attempts a second.
 *
 * A throttle means the bucket was empty. Between two throttles a second or more apart, every
 * token the bucket gained was spent, so the answers that were not throttled between them count
 * its refill rate; a throttle sets the rate just under that measure. Before there is one (the
 * first throttles, when the burst is spent) a throttle halves the rate, once per round of
 * attempts. Answers raise the rate again, quickly while it is well under the measure and slowly
 * near it, so the sweep settles just under the service's rate with a throttled call every hundred
 * or so. Rising latency holds the limit where it is. Attempts are paced below the SDK's retry
 * loop, so retries are too.
 */

/** The limit's ceiling when nothing else bounds it: listing calls use the policy's ceiling instead. */
const UNBOUNDED = Number.POSITIVE_INFINITY;
/** The least rate, in attempts a second, a throttle can bring the pacer down to. */
const MIN_RATE = 0.2;
/** What was learnt is forgotten after this long without an attempt (a warm Lambda's next sweep starts afresh). */
const FORGET_MS = 60_000;
/** The least time between two throttles for the answers between them to measure the refill rate. */
const MEASURE_MS = 1_000;
/**
 * Halving before there is a measure stops at this fraction of the rate attempts went out at when
 * the first throttle came: enough for a bucket 100 times slower than the unpaced calls, and a
 * floor for throttles that do not answer to the rate at all (a throttling storm).
 */
const DEEPEST_CUT = 1 / 128;
/** Answers after a cut to the measure before the pacer judges whether throttles answer to the rate. */
const EVIDENCE = 8;
/**
 * At the measured rate a bucket throttles rarely, even one another client shares: the measure
 * counts only what this pacer got through. A larger share of throttled answers after such a cut
 * means throttles that slowing down does not stop (a throttling storm): cutting again and again
 * would only crawl. The pacer then forgets what it learnt and lets throttles be (the SDK's retries
 * ride them out) for a while before it looks again.
 */
const UNANSWERED_SHARE = 0.3;
const STORM_MS = 5_000;
/** Where a throttle sets the rate: this fraction of the measured refill rate. */
const BELOW_MEASURE = 0.9;
/** Growth per answer that was not throttled: well under the measure, and near it (or above). */
const FAST_GROWTH = 0.02;
const SLOW_GROWTH = 0.001;
/**
 * Well under the measure the rate also grows by at least this factor a second (at most doubling
 * at once): answers are few when the rate is low, and growth by the answer alone would take
 * minutes to climb back from a fraction of a call a second.
 */
const FAST_PER_SECOND = 1.25;
/** A measure is stale once the rate grew this far past it, and past where the last cut left it, without a throttle. */
const STALE = 1.2;
/** Latency this many times the usual means the service is struggling: stop adding calls in flight. */
const SLOW = 2;
/** The answers whose latencies say what is usual, and the percentile that is. */
const RECENT = 50;
const USUAL_PERCENTILE = 0.2;

export type Clock = { now: () => number; sleep: (ms: number) => Promise<void> };

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type AttemptOutcome = 'ok' | 'throttled' | 'failed';

/** Drops the times at the front of `times` that are at or before `since`. */
function forgetBefore(times: number[], since: number): void {
  let i = 0;
  while (i < times.length && (times[i] as number) <= since) i++;
  if (i > 0) times.splice(0, i);
}

/**
 * One action in one region.
 *
 * @example
 * const pacer = new Pacer({ ceiling: 8 });
 * const started = await pacer.acquire();
 * pacer.release(started, 'ok');
 */
export class Pacer {
  private limit: number;
  private inFlight = 0;
  private rate = Number.POSITIVE_INFINITY;
  /** The bucket's refill rate, as last measured between two throttles. */
  private measured: number | undefined;
  /** Whether the last throttle measured it (a cut then uses the measure instead of halving). */
  private freshMeasure = false;
  /** The first throttle since the last measure, and the answers not throttled since. */
  private windowStart: number | undefined;
  private answeredInWindow = 0;
  /** The least rate halving may reach, set at the first throttle. */
  private floor = MIN_RATE;
  /** Whether the last cut set the rate from a measure, and what was answered since it. */
  private cutToMeasure = false;
  private sinceCut = { answers: 0, throttled: 0 };
  private lastAttemptAt: number | undefined;
  private raisedAt: number | undefined;
  private staleAbove = Number.POSITIVE_INFINITY;
  /** Until when throttles do not cut: they did not answer to the rate. */
  private stormUntil = Number.NEGATIVE_INFINITY;
  private tokens = 1;
  private tokensAt = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  /** The latencies of the last answers: a low percentile of them is the usual latency. */
  private readonly recentMs: number[] = [];
  private averageMs = 0;
  private readonly started: number[] = [];
  private readonly queue: ((startedAt: number) => void)[] = [];
  private pumping = false;
  private readonly clock: Clock;
  ceiling: number;
  /** Attempts answered with throttling, for reports and tests. */
  throttles = 0;

  constructor(options: { ceiling?: number; clock?: Clock } = {}) {
    this.ceiling = options.ceiling ?? UNBOUNDED;
    this.limit = this.ceiling;
    this.clock = options.clock ?? realClock;
  }

  /** Attempts the caller may usefully keep in flight now (the partitioned listing's width). */
  allowed(): number {
    return Math.max(1, Math.floor(Math.min(this.limit, this.ceiling)));
  }

  /** Requests a second currently allowed; Infinity until the first throttle. */
  currentRate(): number {
    return this.rate;
  }

  /** Waits for a slot (and, once throttled, a rate token); resolves with the attempt's start time. */
  acquire(): Promise<number> {
    if (this.queue.length === 0 && this.admit()) return Promise.resolve(this.start());
    return new Promise<number>((resolve) => {
      this.queue.push(resolve);
      void this.pump();
    });
  }

  release(startedAt: number, outcome: AttemptOutcome): void {
    this.inFlight--;
    const now = this.clock.now();
    const latency = now - startedAt;
    if (outcome !== 'failed' && startedAt >= this.lastCut) {
      this.sinceCut.answers++;
      if (outcome === 'throttled') this.sinceCut.throttled++;
    }
    if (outcome === 'throttled') {
      this.throttles++;
      if (now < this.stormUntil) {
        void this.pump();
        return;
      }
      this.measure(now);
      // One cut per round of attempts: those sent before the last cut were sent too fast already.
      if (startedAt >= this.lastCut && this.answersToRate(now)) this.cut(now);
    } else {
      // A refusal (AccessDenied, AuthorizationNotFound) spent a token too.
      this.answeredInWindow++;
      if (outcome === 'ok') {
        this.recentMs.push(latency);
        if (this.recentMs.length > RECENT) this.recentMs.shift();
        this.averageMs = this.averageMs === 0 ? latency : 0.8 * this.averageMs + 0.2 * latency;
        this.raise();
      }
    }
    void this.pump();
  }

  /**
   * The bucket was empty at the throttle that opened the window and is empty now: it let through
   * exactly what it gained between (unless it filled to its brim meanwhile, which only lowers the
   * measure).
   */
  private measure(now: number): void {
    const since = this.windowStart;
    this.freshMeasure = since !== undefined && now - since >= MEASURE_MS;
    if (since !== undefined && !this.freshMeasure) return;
    if (this.freshMeasure) this.measured = (this.answeredInWindow * 1000) / (now - (since as number));
    this.windowStart = now;
    this.answeredInWindow = 0;
  }

  /**
   * Whether a throttle now says the rate is too high. After a cut to the measure it says so only
   * once enough answers show that throttles mostly stopped; if they did not, slowing down does not
   * stop them: the pacer starts afresh and lets throttles be for STORM_MS.
   */
  private answersToRate(now: number): boolean {
    if (!this.cutToMeasure) return true;
    const { answers, throttled } = this.sinceCut;
    if (answers < EVIDENCE) return false;
    if (throttled / answers < UNANSWERED_SHARE) return true;
    this.afresh();
    this.stormUntil = now + STORM_MS;
    return false;
  }

  /** As before the first throttle: no rate, the full width, nothing measured. */
  private afresh(): void {
    this.rate = Number.POSITIVE_INFINITY;
    this.limit = this.ceiling;
    this.measured = undefined;
    this.windowStart = undefined;
    this.cutToMeasure = false;
    this.sinceCut = { answers: 0, throttled: 0 };
  }

  private cut(now: number): void {
    forgetBefore(this.started, now - 1000);
    // The rate attempts went out at lately (over at least a tenth of a second).
    const span = Math.max(100, now - (this.started[0] ?? now));
    const sent = (Math.max(this.started.length, 1) * 1000) / span;
    if (!Number.isFinite(this.rate)) this.floor = Math.max(MIN_RATE, sent * DEEPEST_CUT);
    this.cutToMeasure = this.freshMeasure && this.measured !== undefined;
    if (this.cutToMeasure) {
      // A caller with little to ask for (nothing waiting) measures its own demand, not the
      // bucket: then never below half the rate, and a low measure is reached over a few cuts if
      // it is the bucket's. With calls waiting, the measure is the bucket's.
      const floor = this.queue.length === 0 ? this.rate / 2 : MIN_RATE;
      this.rate = Math.max(MIN_RATE, BELOW_MEASURE * (this.measured as number), floor);
    } else {
      this.rate = Math.max(this.floor, Math.min(this.rate, sent) / 2);
    }
    this.sinceCut = { answers: 0, throttled: 0 };
    this.limit = Math.max(1, Math.min(this.limit, this.inFlight + 1) / 2);
    this.tokens = 0;
    this.tokensAt = now;
    this.lastCut = now;
    this.raisedAt = now;
    // Stale once the rate grew well past both the measure and where this cut left it.
    this.staleAbove = STALE * Math.max(this.measured ?? 0, this.rate);
  }

  /**
   * A low percentile of the recent latencies, not the fastest ever: a few nearly empty pages
   * among large ones must not make every answer look slow.
   */
  private usualMs(): number {
    const sorted = [...this.recentMs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length * USUAL_PERCENTILE)] ?? Number.POSITIVE_INFINITY;
  }

  private raise(): void {
    // Slower answers hold the calls in flight (the service is struggling), not the rate.
    if (this.averageMs <= SLOW * this.usualMs()) {
      this.limit = Math.min(this.ceiling, this.limit + 1 / Math.max(1, this.limit));
    }
    if (!Number.isFinite(this.rate)) return;
    const now = this.clock.now();
    // More answered since the last cut than the measure allows, and no throttle: the bucket is not
    // what was measured (it grew, or the throttles were a storm), so the rate grows quickly again
    // until the next throttle. Judged on what got through, not on the rate asked for.
    if (this.measured !== undefined && this.rate > this.staleAbove) {
      this.measured = undefined;
      this.cutToMeasure = false;
    }
    const near = this.measured !== undefined && this.rate >= BELOW_MEASURE * this.measured;
    const seconds = (now - (this.raisedAt ?? now)) / 1000;
    this.raisedAt = now;
    this.rate *= near ? 1 + SLOW_GROWTH : Math.min(2, Math.max(1 + FAST_GROWTH, FAST_PER_SECOND ** seconds));
  }

  private admit(): boolean {
    const last = this.lastAttemptAt;
    if (Number.isFinite(this.rate) && last !== undefined && this.clock.now() - last > FORGET_MS)
      this.afresh();
    if (this.inFlight >= this.allowed()) return false;
    if (!Number.isFinite(this.rate)) return true;
    this.refill();
    // A hair short of a token is a token: float error must not stall the queue on a 0 ms wait.
    return this.tokens >= 1 - 1e-6;
  }

  private refill(): void {
    const now = this.clock.now();
    // At most one second's worth banked: pacing, not a burst of its own.
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.tokensAt) * this.rate) / 1000);
    this.tokensAt = now;
  }

  private start(): number {
    this.inFlight++;
    if (Number.isFinite(this.rate)) this.tokens -= 1;
    const now = this.clock.now();
    forgetBefore(this.started, now - 1000);
    this.started.push(now);
    this.lastAttemptAt = now;
    return now;
  }

  /** Lets queued attempts go as slots and tokens allow; sleeps until the next token when short of one. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        // A slot frees only when an attempt is released, which pumps again.
        if (this.inFlight >= this.allowed()) return;
        if (!this.admit()) {
          await this.clock.sleep(Math.max(1, ((1 - this.tokens) * 1000) / this.rate));
          continue;
        }
        this.queue.shift()?.(this.start());
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** The error names the SDK treats as throttling (its retry strategy's list), plus HTTP 429. */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/** Whether AWS answered an attempt by throttling it. */
export function isThrottling(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return THROTTLING.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

/** The listing calls whose width the policy's `safety.maxListingConcurrency` caps. */
const LISTING_COMMANDS = new Set(['DescribeClusterSnapshotsCommand', 'ListSnapshotsCommand']);

type Next = (args: unknown) => Promise<unknown>;
type Stack = {
  middlewareStack: {
    addRelativeTo(
      middleware: (next: Next, context: { commandName?: string }) => Next,
      options: { relation: 'after'; toMiddleware: string; name: string; override: boolean },
    ): void;
  };
};

/**
 * The pacers of one set of SDK clients: one per region and command. Kept for the clients' life
 * (a warm Lambda's next sweep starts from what the last one learnt).
 */
export class Pacing {
  private readonly pacers = new Map<string, Pacer>();
  private readonly attached = new WeakSet<object>();

  constructor(private listingCeiling: number) {}

  /** The policy's ceiling for listing calls, applied to pacers already made too. */
  setListingCeiling(ceiling: number): void {
    this.listingCeiling = ceiling;
    for (const [key, pacer] of this.pacers) {
      if (LISTING_COMMANDS.has(key.slice(key.indexOf('|') + 1))) pacer.ceiling = ceiling;
    }
  }

  pacer(region: string, command: string): Pacer {
    const key = `${region}|${command}`;
    let pacer = this.pacers.get(key);
    if (!pacer) {
      pacer = new Pacer({ ceiling: LISTING_COMMANDS.has(command) ? this.listingCeiling : undefined });
      this.pacers.set(key, pacer);
    }
    return pacer;
  }

  /** Attempts throttled so far, over every region and command. */
  throttles(): number {
    let n = 0;
    for (const pacer of this.pacers.values()) n += pacer.throttles;
    return n;
  }

  /**
   * Puts every attempt `client` makes in `region` through its command's pacer, inside the SDK's
   * retry loop. Once per client; returns the client.
   */
  attach<C extends object>(client: C, region: string): C {
    if (this.attached.has(client)) return client;
    this.attached.add(client);
    (client as unknown as Stack).middlewareStack.addRelativeTo(
      (next, context) => async (args) => {
        const pacer = this.pacer(region, context.commandName ?? 'unknown');
        const started = await pacer.acquire();
        try {
          const out = await next(args);
          pacer.release(started, 'ok');
          return out;
        } catch (error) {
          pacer.release(started, isThrottling(error) ? 'throttled' : 'failed');
          throw error;
        }
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'adaptivePacing', override: true },
    );
    return client;
  }
}

const registry = new WeakMap<object, Pacing>();

/**
 * The pacing of a set of clients (built once per cold start), with the policy's listing ceiling.
 *
 * @example
 * const pacing = pacingFor(clients, policy.safety.maxListingConcurrency);
 * const redshift = pacing.attach(clients.redshift('eu-west-1'), 'eu-west-1');
 */
export function pacingFor(clients: object, listingCeiling: number): Pacing {
  let pacing = registry.get(clients);
  if (!pacing) {
    pacing = new Pacing(listingCeiling);
    registry.set(clients, pacing);
  } else pacing.setListingCeiling(listingCeiling);
  return pacing;
}
