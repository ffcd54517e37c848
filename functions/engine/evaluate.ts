import { type Policy, SUPPORT_ACCOUNT } from '../policy/schema.ts';
import {
  type CompiledExemption,
  type CompiledPolicy,
  compiledPolicy,
  DAY_MS,
  matches,
  type Scope,
} from './compile.ts';
import type { Finding, FindingKind, Snapshot, SnapshotRef } from './model.ts';
import { toSnapshotRef } from './snapshot-ref.ts';

// Shared by every compliant snapshot, so judging a compliant fleet allocates nothing. Frozen so
// that a caller pushing onto it fails loudly instead of leaking findings into other snapshots.
const NO_FINDINGS = Object.freeze([]) as unknown as Finding[];

type Problem = { kind: FindingKind; rule: string; message: string };

/** Names what a scope protects, for messages: the cluster or namespace when known. */
function subject(snapshot: Snapshot): string {
  if (snapshot.cluster !== undefined) return `snapshots of cluster ${snapshot.cluster}`;
  if (snapshot.namespace !== undefined) return `snapshots of namespace ${snapshot.namespace}`;
  return `snapshot ${snapshot.id}`;
}

/** The sharing settings that apply to a snapshot: the first matching rule's, else the global ones. */
export function scopeFor(compiled: CompiledPolicy, snapshot: Snapshot): Scope {
  for (const rule of compiled.rules) {
    if (matches(rule.criteria, snapshot)) return rule.scope;
  }
  return compiled.global;
}

/** Why a grant breaks the policy, or undefined when it does not (the common case, allocation-free). */
function grantProblem(scope: Scope, snapshot: Snapshot, account: string, nowMs: number): Problem | undefined {
  if (account === SUPPORT_ACCOUNT) {
    if (!scope.allowSupport) {
      return {
        kind: 'support-access',
        rule: scope.supportPath,
        message: `AWS Support (${SUPPORT_ACCOUNT}) may restore ${subject(snapshot)}, which ${scope.supportPath} does not allow`,
      };
    }
  } else {
    const allowance = scope.allowed.get(account);
    if (allowance === undefined) {
      return {
        kind: 'unauthorized-grant',
        rule: scope.listPath,
        message: `account ${account} is not allowed to restore ${subject(snapshot)}`,
      };
    }
    if (allowance.expiresAt <= nowMs) {
      return {
        kind: 'expired-grant',
        rule: allowance.path,
        message: `allowance for ${account} expired on ${allowance.expires}`,
      };
    }
  }
  if (!snapshot.encrypted && scope.requireEncryption) {
    return {
      kind: 'unencrypted-shared',
      rule: scope.encryptionPath,
      message: `snapshot ${snapshot.id} is shared with ${account} but not encrypted, and ${scope.encryptionPath} requires shared snapshots to be encrypted`,
    };
  }
  return undefined;
}

/** The findings so far and the one ref they share; created with the first finding only. */
type Found = { ref: SnapshotRef; list: Finding[] };

function addFinding(
  found: Found | undefined,
  snapshot: Snapshot,
  problem: Problem,
  remediation: Finding['remediation'],
  account?: string,
): Found {
  const acc = found ?? { ref: toSnapshotRef(snapshot), list: [] };
  const f: Finding = {
    kind: problem.kind,
    severity: 'violation',
    snapshot: acc.ref,
    rule: problem.rule,
    message: problem.message,
    remediation,
  };
  if (account !== undefined) f.account = account;
  acc.list.push(f);
  return acc;
}

function sharingFindings(compiled: CompiledPolicy, snapshot: Snapshot, nowMs: number): Found | undefined {
  const grants = snapshot.grants;
  if (grants.length === 0) return undefined;
  const scope = scopeFor(compiled, snapshot);
  let found: Found | undefined;
  for (let i = 0; i < grants.length; i++) {
    const account = grants[i] as string;
    const problem = grantProblem(scope, snapshot, account, nowMs);
    // The duplicate check runs only for a problem, keeping compliant snapshots linear.
    if (problem === undefined || grants.indexOf(account) < i) continue;
    found = addFinding(found, snapshot, problem, 'revoke', account);
  }
  return found;
}

function retentionFindings(
  compiled: CompiledPolicy,
  snapshot: Snapshot,
  nowMs: number,
  sharing: Found | undefined,
): Found | undefined {
  let found = sharing;
  const manual = snapshot.type === 'manual';
  const max = compiled.maxRetentionDays;
  const days = snapshot.retentionDays;
  // Report only: deleting a fresh snapshot because of its retention setting would destroy data
  // the age rule still allows.
  if (manual && max !== undefined && days !== undefined) {
    const rule = 'retention.manual.maxRetentionDays';
    if (days === -1) {
      const message = `kept indefinitely (retention -1); the policy allows at most ${max} days`;
      found = addFinding(found, snapshot, { kind: 'retention-indefinite', rule, message }, 'none');
    } else if (days > max) {
      const message = `retention is ${days} days; the policy allows at most ${max}`;
      found = addFinding(found, snapshot, { kind: 'retention-too-long', rule, message }, 'none');
    }
  }
  const maxAge = manual ? compiled.manualMaxAgeDays : compiled.automatedMaxAgeDays;
  const created = snapshot.createdAt;
  if (maxAge !== undefined && created !== undefined) {
    const age = nowMs - created.getTime();
    if (age > maxAge * DAY_MS) {
      const rule = manual ? 'retention.manual.maxAgeDays' : 'retention.automated.maxAgeDays';
      const message = `created ${Math.floor(age / DAY_MS)} days ago; the policy allows ${maxAge}`;
      // Automated snapshots are removed on Redshift's own schedule and cannot be deleted through the API.
      const remediation = manual && compiled.deleteTooOld ? 'delete' : 'none';
      found = addFinding(found, snapshot, { kind: 'too-old', rule, message }, remediation);
    }
  }
  return found;
}

/** The exemption that applies to a snapshot at `nowMs`, if any. */
export function exemptionFor(
  compiled: CompiledPolicy,
  snapshot: Snapshot,
  nowMs: number,
): CompiledExemption | undefined {
  for (const exemption of compiled.exemptions) {
    if (nowMs < exemption.endsAt && matches(exemption.criteria, snapshot)) return exemption;
  }
  return undefined;
}

function exemptedFinding(
  exemption: CompiledExemption,
  ref: SnapshotRef,
  covered: readonly Finding[],
  area: string,
): Finding {
  const kinds = [...new Set(covered.map((f) => f.kind))].join(', ');
  return {
    kind: 'exempted',
    severity: 'info',
    snapshot: ref,
    rule: exemption.path,
    message: `${area} findings (${kinds}) are exempt until ${exemption.until}: ${exemption.reason}`,
    remediation: 'none',
  };
}

/** Replaces the findings an applicable exemption covers by one `exempted` finding per area. */
function applyExemption(exemption: CompiledExemption, found: Found, sharingCount: number): Finding[] {
  const sharing = found.list.slice(0, sharingCount);
  const retention = found.list.slice(sharingCount);
  const out: Finding[] = [];
  if (sharing.length > 0) {
    if (exemption.sharing) out.push(exemptedFinding(exemption, found.ref, sharing, 'sharing'));
    else out.push(...sharing);
  }
  if (retention.length > 0) {
    if (exemption.retention) out.push(exemptedFinding(exemption, found.ref, retention, 'retention'));
    else out.push(...retention);
  }
  return out;
}

/**
 * Judges one snapshot against a policy: who may restore it (the first matching sharing rule,
 * else the global settings) and how long it may live, minus what an exemption lifts. Pure: the
 * only clock is `now`. A compliant snapshot gets a shared, frozen empty array: copy before pushing.
 *
 * @example
 * const policy = PolicySchema.parse({ version: 1, sharing: { allowedAccounts: ['111122223333'] } });
 * evaluate({ ...snap, grants: ['999988887777'] }, policy, new Date('2026-05-01T00:00:00Z'));
 * // [{ kind: 'unauthorized-grant', account: '999988887777', rule: 'sharing.allowedAccounts',
 * //    remediation: 'revoke', severity: 'violation', ... }]
 */
export function evaluate(snapshot: Snapshot, policy: Policy, now: Date): Finding[] {
  const compiled = compiledPolicy(policy);
  const nowMs = now.getTime();
  const sharing = sharingFindings(compiled, snapshot, nowMs);
  const sharingCount = sharing?.list.length ?? 0;
  const found = retentionFindings(compiled, snapshot, nowMs, sharing);
  if (found === undefined) return NO_FINDINGS;
  const exemption = exemptionFor(compiled, snapshot, nowMs);
  return exemption === undefined ? found.list : applyExemption(exemption, found, sharingCount);
}

/**
 * The one finding a snapshot another account owns gets: it is shared with this account, so it is
 * reported, never judged against the policy and never changed.
 *
 * @example
 * foreignOwnerFinding(snapshot); // { kind: 'foreign-owner', severity: 'info', remediation: 'none', rule: '', ... }
 */
export function foreignOwnerFinding(snapshot: Snapshot): Finding {
  return {
    kind: 'foreign-owner',
    severity: 'info',
    snapshot: toSnapshotRef(snapshot),
    rule: '',
    message: `owned by account ${snapshot.owner}; shared with this account, so it is reported, never changed`,
    remediation: 'none',
  };
}
