import { globMatch } from '../policy/glob.ts';
import type { AllowedAccount, Match, Policy } from '../policy/schema.ts';
import type { Snapshot } from './model.ts';

/**
 * The policy turned into lookup tables once, so judging a snapshot costs a few map lookups and
 * number comparisons instead of walking the policy's lists again for every snapshot.
 */

export const DAY_MS = 86_400_000;

/** One allowlist entry: `expiresAt` is the first instant it no longer allows (Infinity if never). */
export type Allowance = { path: string; expires: string | undefined; expiresAt: number };

/** The sharing settings that apply to a snapshot, each with the policy path that set it. */
export type Scope = {
  /** Where a grant missing from the allowlist is reported: the deciding rule or the global list. */
  listPath: string;
  allowed: Map<string, Allowance>;
  allowSupport: boolean;
  supportPath: string;
  requireEncryption: boolean;
  encryptionPath: string;
};

export type Criteria = {
  cluster: string | undefined;
  namespace: string | undefined;
  snapshot: string | undefined;
  tags: ReadonlyArray<readonly [string, string]> | undefined;
};

/** One exemption, ready to match: until when, and which findings it lifts. */
export type CompiledExemption = {
  criteria: Criteria;
  path: string;
  reason: string;
  until: string;
  /** The first instant the exemption no longer applies: the day after `until`, 00:00 UTC. */
  endsAt: number;
  sharing: boolean;
  retention: boolean;
};

export type CompiledPolicy = {
  rules: ReadonlyArray<{ criteria: Criteria; scope: Scope }>;
  global: Scope;
  exemptions: readonly CompiledExemption[];
  maxRetentionDays: number | undefined;
  manualMaxAgeDays: number | undefined;
  deleteTooOld: boolean;
  automatedMaxAgeDays: number | undefined;
};

/** The first millisecond after the whole UTC day `YYYY-MM-DD`: dates in the policy include their day. */
export function dayEndsAt(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, (day ?? 1) + 1);
}

function allowances(entries: readonly AllowedAccount[], base: string): Map<string, Allowance> {
  const map = new Map<string, Allowance>();
  entries.forEach((entry, i) => {
    const account = typeof entry === 'string' ? entry : entry.account;
    const expires = typeof entry === 'string' ? undefined : entry.expires;
    const expiresAt = expires === undefined ? Number.POSITIVE_INFINITY : dayEndsAt(expires);
    const previous = map.get(account);
    // An account listed twice is allowed for as long as any of its entries allows it: the
    // policy never revokes a grant that one of its lines permits.
    if (!previous || expiresAt > previous.expiresAt) {
      map.set(account, { path: `${base}[${i}]`, expires, expiresAt });
    }
  });
  return map;
}

function criteria(match: Partial<Match>): Criteria {
  return {
    cluster: match.cluster,
    namespace: match.namespace,
    snapshot: match.snapshot,
    tags: match.tags ? Object.entries(match.tags) : undefined,
  };
}

function compile(policy: Policy): CompiledPolicy {
  const { sharing, retention } = policy;
  const global: Scope = {
    listPath: 'sharing.allowedAccounts',
    allowed: allowances(sharing.allowedAccounts, 'sharing.allowedAccounts'),
    allowSupport: sharing.allowSupportAccess,
    supportPath: 'sharing.allowSupportAccess',
    requireEncryption: sharing.requireEncryption,
    encryptionPath: 'sharing.requireEncryption',
  };
  const rules = sharing.rules.map((rule, k) => {
    const path = `sharing.rules[${k}]`;
    const scope: Scope = {
      listPath: path,
      allowed: allowances(rule.allowedAccounts, `${path}.allowedAccounts`),
      allowSupport: rule.allowSupportAccess ?? global.allowSupport,
      supportPath: rule.allowSupportAccess === undefined ? global.supportPath : `${path}.allowSupportAccess`,
      requireEncryption: rule.requireEncryption ?? global.requireEncryption,
      encryptionPath:
        rule.requireEncryption === undefined ? global.encryptionPath : `${path}.requireEncryption`,
    };
    return { criteria: criteria(rule.match), scope };
  });
  const exemptions = policy.exemptions.map(
    (e, i): CompiledExemption => ({
      criteria: criteria(e),
      path: `exemptions[${i}]`,
      reason: e.reason,
      until: e.until,
      endsAt: dayEndsAt(e.until),
      sharing: e.covers.includes('sharing'),
      retention: e.covers.includes('retention'),
    }),
  );
  return {
    rules,
    global,
    exemptions,
    maxRetentionDays: retention.manual.maxRetentionDays,
    manualMaxAgeDays: retention.manual.maxAgeDays,
    deleteTooOld: retention.manual.onViolation === 'delete',
    automatedMaxAgeDays: retention.automated.maxAgeDays,
  };
}

// Keyed by the policy object itself: a sweep evaluates thousands of snapshots against one
// policy, and a reloaded policy is a new object, so a stale table can never be used.
const cache = new WeakMap<Policy, CompiledPolicy>();

/**
 * The lookup tables for `policy`, built on first use and reused for the same object after that.
 * Callers must not mutate a policy once it has been evaluated.
 *
 * @example
 * const tables = compiledPolicy(policy);
 * tables.global.allowed.has('111122223333') // true when the account is on the global allowlist
 */
export function compiledPolicy(policy: Policy): CompiledPolicy {
  let compiled = cache.get(policy);
  if (!compiled) {
    compiled = compile(policy);
    cache.set(policy, compiled);
  }
  return compiled;
}

/**
 * Whether a snapshot meets every criterion (they are ANDed). A criterion on a field the snapshot
 * lacks (a cluster glob against a serverless snapshot) is not met.
 *
 * @example
 * matches({ cluster: 'finance-*', namespace: undefined, snapshot: undefined, tags: undefined }, snap)
 */
export function matches(c: Criteria, snapshot: Snapshot): boolean {
  if (
    c.cluster !== undefined &&
    (snapshot.cluster === undefined || !globMatch(c.cluster, snapshot.cluster))
  ) {
    return false;
  }
  if (
    c.namespace !== undefined &&
    (snapshot.namespace === undefined || !globMatch(c.namespace, snapshot.namespace))
  ) {
    return false;
  }
  if (c.snapshot !== undefined && !globMatch(c.snapshot, snapshot.id)) return false;
  if (c.tags !== undefined) {
    const tags = snapshot.tags;
    for (const [key, value] of c.tags) {
      // hasOwn, not `tags[key]`: a tag named `constructor` must not be found on the prototype.
      if (!Object.hasOwn(tags, key) || (value !== '*' && tags[key] !== value)) return false;
    }
  }
  return true;
}
