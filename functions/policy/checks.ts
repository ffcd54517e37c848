import { joinPath } from '../input/issues.ts';
import {
  AccountIdSchema,
  type AllowedAccount,
  ExemptionSchema,
  MAX_LIST,
  type Match,
  MatchSchema,
  type Policy,
} from './schema.ts';
import { findRuleConflicts, matchesEverything } from './shadow.ts';
import { type Located, type PolicySource, positionOf } from './source.ts';

/**
 * What the schema cannot see because it needs the whole policy, or the file: rules that can never
 * match, accounts listed twice, exemptions that cover everything, and dates already past.
 *
 * The errors are computed from the raw data, one list entry at a time, so a typo elsewhere in the
 * file does not hide them: every problem is reported in one pass.
 */

/** The raw value at `keys`, or undefined where the file does not have one. */
function valueAt(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A raw list, or none when it is not one or longer than the schema allows (its own error says so). */
function boundedList(value: unknown): unknown[] {
  return Array.isArray(value) && value.length <= MAX_LIST ? value : [];
}

function located(source: PolicySource, path: string, message: string): Located {
  return { ...positionOf(source, path), path, message };
}

function ruleIssues(source: PolicySource): Located[] {
  const rules = boundedList(valueAt(source.value, 'sharing', 'rules'));
  const matches = rules.map((rule) => {
    const parsed = MatchSchema.safeParse(valueAt(rule, 'match'));
    return parsed.success ? parsed.data : undefined;
  });
  return findRuleConflicts(matches).map((conflict) => {
    const path = `sharing.rules[${conflict.rule}]`;
    if (conflict.kind === 'catch-all-not-last') {
      return located(
        source,
        `${path}.match`,
        'matches every snapshot, so the rules after it can never match; make it the last rule',
      );
    }
    const by = `sharing.rules[${conflict.by}]`;
    const line = positionOf(source, by).line;
    return located(
      source,
      path,
      `can never match: ${by} (line ${line}) already matches every snapshot this rule matches`,
    );
  });
}

function duplicateAccounts(source: PolicySource, base: string, entries: unknown): Located[] {
  const seen = new Map<string, string>();
  const issues: Located[] = [];
  boundedList(entries).forEach((entry, i) => {
    const parsed = AccountIdSchema.safeParse(typeof entry === 'string' ? entry : valueAt(entry, 'account'));
    if (!parsed.success) return;
    const path = joinPath(base, i);
    const first = seen.get(parsed.data);
    if (first === undefined) {
      seen.set(parsed.data, path);
      return;
    }
    const line = positionOf(source, first).line;
    issues.push(located(source, path, `"${parsed.data}" is already listed at ${first} (line ${line})`));
  });
  return issues;
}

const EXEMPTION_KEYS = new Set(Object.keys(ExemptionSchema.shape));

/**
 * What an exemption matches, read from its criteria alone, so a mistake in its `reason` or
 * `until` does not hide that it would exempt everything. `undefined` when a criterion is itself
 * invalid (its own error says so) or the entry has an unknown key, which may be a misspelt
 * criterion (`tag:`): then what it was meant to match is unknown.
 */
function exemptionCriteria(raw: unknown): Partial<Match> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  if (Object.keys(raw).some((key) => !EXEMPTION_KEYS.has(key))) return undefined;
  const { snapshot, tags } = ExemptionSchema.shape;
  const parsedSnapshot = snapshot.safeParse(valueAt(raw, 'snapshot'));
  const parsedTags = tags.safeParse(valueAt(raw, 'tags'));
  if (!parsedSnapshot.success || !parsedTags.success) return undefined;
  return { snapshot: parsedSnapshot.data, tags: parsedTags.data };
}

function exemptionIssues(source: PolicySource): Located[] {
  return boundedList(valueAt(source.value, 'exemptions')).flatMap((raw, i) => {
    const criteria = exemptionCriteria(raw);
    if (criteria === undefined || !matchesEverything(criteria)) return [];
    return [
      located(
        source,
        `exemptions[${i}].snapshot`,
        'would exempt every snapshot; name a narrower glob or tags',
      ),
    ];
  });
}

/**
 * Errors that need more than one value to see.
 *
 * @example
 * policyIssues(readSource(text) as PolicySource) // [{ path: 'sharing.rules[1]', message: 'can never match: …' }]
 */
export function policyIssues(source: PolicySource): Located[] {
  const rules = boundedList(valueAt(source.value, 'sharing', 'rules'));
  return [
    ...ruleIssues(source),
    ...duplicateAccounts(
      source,
      'sharing.allowedAccounts',
      valueAt(source.value, 'sharing', 'allowedAccounts'),
    ),
    ...rules.flatMap((rule, i) =>
      duplicateAccounts(source, `sharing.rules[${i}].allowedAccounts`, valueAt(rule, 'allowedAccounts')),
    ),
    ...exemptionIssues(source),
    ...organizationIssues(source),
  ];
}

/** Accounts listed twice, and an account both listed and excluded (which of the two was meant?). */
function organizationIssues(source: PolicySource): Located[] {
  const accounts = valueAt(source.value, 'organization', 'accounts');
  const excluded = boundedList(valueAt(source.value, 'organization', 'excludeAccounts'));
  const listed = new Map<unknown, number>(boundedList(accounts).map((account, i) => [account, i]));
  return [
    ...duplicateAccounts(source, 'organization.accounts', accounts),
    ...duplicateAccounts(source, 'organization.excludeAccounts', excluded),
    ...excluded.flatMap((account, i) => {
      const index = typeof account === 'string' ? listed.get(account) : undefined;
      if (index === undefined) return [];
      const line = positionOf(source, `organization.accounts[${index}]`).line;
      return [
        located(
          source,
          `organization.excludeAccounts[${i}]`,
          `"${account}" is also listed in organization.accounts (line ${line}); list it in one place`,
        ),
      ];
    }),
  ];
}

/** `YYYY-MM-DD` of `now` in UTC: the policy's dates are whole UTC days. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function expiredAccounts(
  source: PolicySource,
  base: string,
  entries: readonly AllowedAccount[],
  today: string,
) {
  return entries.flatMap((entry, i) =>
    typeof entry === 'object' && entry.expires !== undefined && entry.expires < today
      ? [
          located(
            source,
            `${base}[${i}].expires`,
            `"${entry.account}" expired on ${entry.expires} and is no longer allowed`,
          ),
        ]
      : [],
  );
}

/**
 * Dates already past on `now`: not errors (the policy still means something), but the grant or
 * exemption no longer applies. A date covers its whole UTC day.
 *
 * @example
 * expiryWarnings(policy, source, new Date('2027-07-01T00:00:00Z')) // until: 2027-06-30 → one warning
 */
export function expiryWarnings(policy: Policy, source: PolicySource, now: Date): Located[] {
  const today = utcDay(now);
  return [
    ...expiredAccounts(source, 'sharing.allowedAccounts', policy.sharing.allowedAccounts, today),
    ...policy.sharing.rules.flatMap((rule, i) =>
      expiredAccounts(source, `sharing.rules[${i}].allowedAccounts`, rule.allowedAccounts, today),
    ),
    ...policy.exemptions.flatMap((exemption, i) =>
      exemption.until < today
        ? [
            located(
              source,
              `exemptions[${i}].until`,
              `expired on ${exemption.until}; the exemption no longer applies`,
            ),
          ]
        : [],
    ),
  ];
}
