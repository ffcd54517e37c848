/**
 * AWS's request rate limits, modelled as token buckets: one bucket per account, region and action
 * ('redshift.DescribeClusterSnapshots'), holding up to `burst` tokens and refilled at `rate` tokens
 * a second. A call takes one token; a call that finds the bucket empty is throttled and takes none.
 */

/** Sustained requests a second and the burst a full bucket allows. */
export type RateLimit = { rate: number; burst: number };

/**
 * Redshift publishes no API rate limits. Amazon RDS documents 12 requests a second sustained with
 * bursts of 300 per account and Region for its control-plane API; the stand-in borrows that
 * figure for every action. An assumption, not a measurement of Redshift.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { rate: 12, burst: 300 };

/**
 * Actions whose documented quota is far above the default. EventBridge documents PutEvents at
 * thousands of requests a second per Region (10,000 in us-east-1, fewer elsewhere); the stand-in
 * assumes 400, below every figure it documents for the large Regions.
 */
export const DEFAULT_ACTION_LIMITS: Readonly<Record<string, RateLimit | null>> = {
  'events.PutEvents': { rate: 400, burst: 400 },
};

/** What a stand-in is started or reconfigured with; `actions` keys are actions or 'service.*'. */
export type RateLimitSettings = {
  enabled: boolean;
  default: RateLimit;
  /** Per-action limits; `null` leaves the action unlimited. */
  actions: Record<string, RateLimit | null>;
};

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  enabled: true,
  default: DEFAULT_RATE_LIMIT,
  actions: { ...DEFAULT_ACTION_LIMITS },
};

type Bucket = { tokens: number; at: number; limit: RateLimit };

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(
    private settings: RateLimitSettings = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Replaces the settings; every bucket starts full again under them. */
  configure(settings: RateLimitSettings): void {
    this.settings = { ...settings, actions: { ...settings.actions } };
    this.buckets.clear();
  }

  get current(): RateLimitSettings {
    return this.settings;
  }

  /** Takes a token for one call; false means the call is throttled. */
  take(account: string, region: string, action: string): boolean {
    if (!this.settings.enabled) return true;
    const limit = this.limitFor(action);
    if (!limit) return true;
    const key = `${account}|${region}|${action}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, at: now, limit };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.rate) / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** The limit an action is held to: its own, its service's ('redshift.*'), else the default. */
  limitFor(action: string): RateLimit | null {
    const { actions } = this.settings;
    if (action in actions) return actions[action] ?? null;
    const service = `${action.slice(0, action.indexOf('.'))}.*`;
    if (service in actions) return actions[service] ?? null;
    return this.settings.default;
  }

  describe(): Record<string, unknown> {
    return { ...this.settings, buckets: this.buckets.size };
  }
}
