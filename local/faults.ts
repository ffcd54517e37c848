import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitSettings } from './core/throttle.ts';
import type { FaultRule, FaultSpec, RateLimitSpec } from './fault-spec.ts';
import { createRandom, type Random } from './prng.ts';
import { type LatencyProfile, latencyOf } from './profiles.ts';

export type { FaultRule, FaultSpec, RateLimitSpec } from './fault-spec.ts';

export type FaultOutcome =
  | { kind: 'ok' }
  | { kind: 'throttle' }
  | { kind: 'error'; status: 500 | 503 }
  | { kind: 'service-error'; code: string; status: number; message: string }
  | { kind: 'reset' };

/** Reads one request parameter of the call being decided on (see FaultRule.params). */
export type ParamLookup = (name: string) => string | undefined;

export interface FaultDecision {
  delayMs: number;
  /** Latency added per KB of the answer, once its size is known. */
  perKbMs: number;
  outcome: FaultOutcome;
}

/** Who is calling where: what a rate limit is counted per (besides the action). */
export type CallScope = { account: string; region: string };

/** `settings` with `spec` applied: given fields replace, per-action limits are merged in. */
export function applyRateLimitSpec(settings: RateLimitSettings, spec: RateLimitSpec): RateLimitSettings {
  const changesLimits = spec.rate !== undefined || spec.burst !== undefined || spec.actions !== undefined;
  return {
    enabled: spec.enabled ?? (changesLimits ? true : settings.enabled),
    default: { rate: spec.rate ?? settings.default.rate, burst: spec.burst ?? settings.default.burst },
    actions: { ...settings.actions, ...spec.actions },
  };
}

interface LiveRule {
  rule: FaultRule;
  throttleLeft: number;
  errorLeft: number;
  resetLeft: number;
  customLeft: number;
  throttleUntil: number;
  errorUntil: number;
  customUntil: number;
  /** After this instant the rule no longer applies (activeForMs). */
  expiresAt: number;
}

const OK: FaultOutcome = { kind: 'ok' };

/**
 * Injected latency and failures. Every random choice comes from one seeded generator, so a given
 * seed and call sequence always produces the same faults.
 */
export class FaultControl {
  private rules: LiveRule[] = [];
  private random: Random;
  private seed: number;
  private entryFailures: { rate: number; left: number; errorCode: string } | undefined;
  private vanish: { afterPage: number; pages: number; snapshotIdentifier?: string | undefined } | undefined;
  private revokesLeft = 0;
  private keepAccess: { left: number; account?: string | undefined } = { left: 0 };
  private readonly limiter: RateLimiter;

  /**
   * `base` are the server-wide rules (start options, a latency profile) and `rateLimits` the
   * server-wide rate limits; both survive clear().
   */
  constructor(
    private readonly base: FaultRule | undefined,
    seed = 1,
    private readonly now: () => number = Date.now,
    private readonly rateLimits: RateLimitSettings = DEFAULT_RATE_LIMITS,
    /** Per-action latency applied before any rule's; survives clear(). */
    private readonly profile?: LatencyProfile,
  ) {
    this.seed = seed;
    this.random = createRandom(seed);
    this.limiter = new RateLimiter(rateLimits);
    this.clear();
  }

  /** Adds rules and replaces the one-shot hooks that are given. */
  configure(spec: FaultSpec): void {
    if (spec.seed !== undefined) {
      this.seed = spec.seed;
      this.random = createRandom(spec.seed);
    }
    for (const rule of spec.rules ?? []) this.rules.push(this.live(rule));
    if (spec.putEventsFailures) {
      const f = spec.putEventsFailures;
      this.entryFailures = {
        rate: f.rate ?? 0,
        left: f.next ?? 0,
        errorCode: f.errorCode ?? 'InternalFailure',
      };
    }
    if (spec.vanishSnapshot) this.vanish = { ...spec.vanishSnapshot, pages: 0 };
    if (spec.rateLimit) this.limiter.configure(applyRateLimitSpec(this.limiter.current, spec.rateLimit));
    if (spec.concurrentRevoke) this.revokesLeft = spec.concurrentRevoke.next ?? 1;
    if (spec.revokeKeepsAccess) {
      this.keepAccess = { left: spec.revokeKeepsAccess.next ?? 1, account: spec.revokeKeepsAccess.account };
    }
  }

  clear(): void {
    this.rules = this.base ? [this.live(this.base)] : [];
    this.limiter.configure(this.rateLimits);
    this.entryFailures = undefined;
    this.vanish = undefined;
    this.revokesLeft = 0;
    this.keepAccess = { left: 0 };
    this.random = createRandom(this.seed);
  }

  /**
   * What to do with one incoming call to `action` ('service.Action'); `param` reads its request,
   * `account` is who makes it (for rules limited to one account). With a `scope`, the call first
   * takes a token from its rate limit, and is throttled without one.
   */
  decide(
    action: string,
    param: ParamLookup = () => undefined,
    scope?: CallScope,
    account: string | undefined = scope?.account,
  ): FaultDecision {
    let delayMs = 0;
    let perKbMs = 0;
    if (this.profile) {
      const l = latencyOf(this.profile, action);
      delayMs += l.meanMs - l.jitterMs + this.random.next() * 2 * l.jitterMs;
      perKbMs += l.perKbMs ?? 0;
    }
    let outcome: FaultOutcome =
      scope && !this.limiter.take(scope.account, scope.region, action) ? { kind: 'throttle' } : OK;
    const now = this.now();
    for (const live of this.rules) {
      const { rule } = live;
      if (!matches(rule.action, action) || now >= live.expiresAt) continue;
      if (!paramsMatch(rule.params, param)) continue;
      if (rule.account !== undefined && rule.account !== account) continue;
      delayMs += (rule.latencyMs ?? 0) + (rule.jitterMs ? this.random.next() * rule.jitterMs : 0);
      perKbMs += rule.perKbMs ?? 0;
      if (outcome !== OK) continue;
      outcome = this.fire(live);
    }
    return { delayMs, perKbMs, outcome };
  }

  /** ErrorCode for the next valid PutEvents entry, or undefined to let it through. */
  takeEntryFailure(): string | undefined {
    const f = this.entryFailures;
    if (!f) return undefined;
    if (f.left > 0) {
      f.left--;
      return f.errorCode;
    }
    return this.random.chance(f.rate) ? f.errorCode : undefined;
  }

  /** Called after each DescribeClusterSnapshots page; says when (and what) to make vanish. */
  afterDescribePage(): { snapshotIdentifier?: string | undefined } | undefined {
    const v = this.vanish;
    if (!v) return undefined;
    v.pages++;
    if (v.pages < v.afterPage) return undefined;
    this.vanish = undefined;
    return { snapshotIdentifier: v.snapshotIdentifier };
  }

  takeConcurrentRevoke(): boolean {
    if (this.revokesLeft <= 0) return false;
    this.revokesLeft--;
    return true;
  }

  /** Whether this RevokeSnapshotAccess of `grantee` is to be accepted while changing nothing. */
  takeRevokeKeepsAccess(grantee: string): boolean {
    const k = this.keepAccess;
    if (k.left <= 0 || (k.account !== undefined && k.account !== grantee)) return false;
    k.left--;
    return true;
  }

  describe(): Record<string, unknown> {
    return {
      seed: this.seed,
      rules: this.rules.map((r) => ({
        ...r.rule,
        remaining: {
          throttle: r.throttleLeft,
          serverError: r.errorLeft,
          error: r.customLeft,
          reset: r.resetLeft,
        },
      })),
      putEventsFailures: this.entryFailures,
      vanishSnapshot: this.vanish,
      concurrentRevoke: this.revokesLeft > 0 ? { next: this.revokesLeft } : undefined,
      revokeKeepsAccess:
        this.keepAccess.left > 0
          ? { next: this.keepAccess.left, account: this.keepAccess.account }
          : undefined,
      rateLimit: this.limiter.describe(),
      latencyProfile: this.profile?.name,
    };
  }

  private live(rule: FaultRule): LiveRule {
    const t = this.now();
    return {
      rule,
      throttleLeft: rule.throttle?.next ?? 0,
      errorLeft: rule.serverError?.next ?? 0,
      resetLeft: rule.reset?.next ?? 0,
      customLeft: rule.error?.next ?? 0,
      throttleUntil: rule.throttle?.forMs ? t + rule.throttle.forMs : 0,
      errorUntil: rule.serverError?.forMs ? t + rule.serverError.forMs : 0,
      customUntil: rule.error?.forMs ? t + rule.error.forMs : 0,
      expiresAt: rule.activeForMs === undefined ? Number.POSITIVE_INFINITY : t + rule.activeForMs,
    };
  }

  private fire(live: LiveRule): FaultOutcome {
    const { rule } = live;
    if (rule.reset) {
      if (live.resetLeft > 0) {
        live.resetLeft--;
        return { kind: 'reset' };
      }
      if (this.random.chance(rule.reset.rate ?? 0)) return { kind: 'reset' };
    }
    if (rule.error) {
      const e = rule.error;
      let hit = false;
      if (live.customLeft > 0) {
        live.customLeft--;
        hit = true;
      } else hit = this.now() < live.customUntil || this.random.chance(e.rate ?? 0);
      if (hit) {
        return {
          kind: 'service-error',
          code: e.code,
          status: e.status ?? 400,
          message: e.message ?? `Injected fault: ${e.code}`,
        };
      }
    }
    if (rule.serverError) {
      let hit = false;
      if (live.errorLeft > 0) {
        live.errorLeft--;
        hit = true;
      } else hit = this.now() < live.errorUntil || this.random.chance(rule.serverError.rate ?? 0);
      if (hit)
        return { kind: 'error', status: rule.serverError.status ?? (this.random.chance(0.5) ? 500 : 503) };
    }
    if (rule.throttle) {
      if (live.throttleLeft > 0) {
        live.throttleLeft--;
        return { kind: 'throttle' };
      }
      if (this.now() < live.throttleUntil || this.random.chance(rule.throttle.rate ?? 0))
        return { kind: 'throttle' };
    }
    return OK;
  }
}

function paramsMatch(wanted: Record<string, string> | undefined, param: ParamLookup): boolean {
  return wanted === undefined || Object.entries(wanted).every(([name, value]) => param(name) === value);
}

function matches(pattern: string | undefined, action: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  if (pattern.endsWith('.*')) return action.startsWith(pattern.slice(0, -1));
  return pattern === action;
}
