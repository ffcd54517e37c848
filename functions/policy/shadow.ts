import { globCovers } from './glob.ts';
import type { Match } from './schema.ts';

/**
 * Sharing rules are tried in order and the first match wins, so a rule placed after a broader one
 * is dead text that looks like policy. These checks find it before a reviewer trusts it.
 */

const GLOB_CRITERIA = ['cluster', 'snapshot', 'namespace'] as const;

/** Why a rule can never decide anything. */
export type RuleConflict =
  /** Every snapshot `rule` matches is already matched by the earlier rule `by`. */
  | { kind: 'shadowed'; rule: number; by: number }
  /** `rule` matches every snapshot, yet rules follow it. */
  | { kind: 'catch-all-not-last'; rule: number };

/**
 * Whether a glob matches every identifier. Identifiers are never empty, so `*`, `**`, `?*` and
 * `*?` all qualify; `??*` does not (it misses one-character names).
 *
 * @example
 * globMatchesEverything('*')   // true
 * globMatchesEverything('db*') // false
 */
export function globMatchesEverything(glob: string): boolean {
  return /^[*?]+$/.test(glob) && glob.includes('*') && glob.split('?').length <= 2;
}

/**
 * Whether a match takes every snapshot: a snapshot glob that matches everything and nothing else.
 * `cluster: "*"` is not enough, because a Redshift Serverless snapshot has no cluster to match.
 *
 * @example
 * matchesEverything({ snapshot: '*' })                    // true
 * matchesEverything({ cluster: '*' })                     // false: serverless snapshots escape it
 * matchesEverything({ snapshot: '*', tags: { a: 'b' } })  // false
 */
export function matchesEverything(match: Partial<Match>): boolean {
  const { snapshot, cluster, namespace, tags } = match;
  return snapshot !== undefined && globMatchesEverything(snapshot) && !cluster && !namespace && !tags;
}

/**
 * Whether every snapshot `inner` matches is also matched by `outer`: each criterion `outer` names
 * is named by `inner` too and covers it (a glob covering a glob; tags a subset with equal values,
 * or `*`).
 * Sound, not complete, like `globCovers`: a missed cover only leaves a dead rule unreported.
 *
 * @example
 * matchCovers({ cluster: 'finance-*' }, { cluster: 'finance-prod', tags: { team: 'bi' } }) // true
 * matchCovers({ cluster: 'finance-*' }, { snapshot: 'finance-1' })                        // false
 */
export function matchCovers(outer: Partial<Match>, inner: Partial<Match>): boolean {
  for (const criterion of GLOB_CRITERIA) {
    const o = outer[criterion];
    if (o === undefined) continue;
    const i = inner[criterion];
    if (i === undefined || !globCovers(o, i)) return false;
  }
  if (outer.tags === undefined) return true;
  const innerTags = inner.tags;
  if (innerTags === undefined) return false;
  // A tag value of `*` asks only that the tag exist, with any value.
  return Object.entries(outer.tags).every(
    ([k, v]) => Object.hasOwn(innerTags, k) && (v === '*' || innerTags[k] === v),
  );
}

/**
 * The rules that can never match. `matches` may have holes (rules that failed validation): they
 * neither shadow nor are checked. A rule dead only because of a misplaced catch-all is reported
 * once, on the catch-all.
 *
 * @example
 * findRuleConflicts([{ cluster: 'finance-*' }, { cluster: 'finance-prod' }])
 * // [{ kind: 'shadowed', rule: 1, by: 0 }]
 */
export function findRuleConflicts(matches: ReadonlyArray<Partial<Match> | undefined>): RuleConflict[] {
  const conflicts: RuleConflict[] = [];
  const broad = matches.map((m) => m !== undefined && matchesEverything(m));
  matches.forEach((match, j) => {
    if (match === undefined) return;
    if (broad[j] && j < matches.length - 1) conflicts.push({ kind: 'catch-all-not-last', rule: j });
    const by = matches.findIndex((m, i) => i < j && m !== undefined && !broad[i] && matchCovers(m, match));
    if (by >= 0) conflicts.push({ kind: 'shadowed', rule: j, by });
  });
  return conflicts;
}
