import type { Organization } from '../policy/schema.ts';
import type { OrgAccount } from './accounts.ts';
import type { AccountNote, Run, RunPlan } from './model.ts';

/**
 * Whether an event from `account` is the hub's to act on: the account is in the policy's scope
 * and, for `accounts: all`, an active member of the organisation (`active`, from ListAccounts).
 * The reason it is not, otherwise. Pure: the caller decides where the list comes from.
 *
 * @example
 * accountOutOfScope(org, '999999999999', new Set(['111111111111'])); // 'account 999999999999 is not …'
 */
export function accountOutOfScope(
  org: Organization,
  account: string,
  active: ReadonlySet<string> | undefined,
): string | undefined {
  if (org.excludeAccounts.includes(account)) return `account ${account} is excluded by the policy`;
  if (org.accounts !== 'all' && !org.accounts.includes(account)) {
    return `account ${account} is not among the policy's organization.accounts`;
  }
  if (active && !active.has(account)) {
    return `account ${account} is not an active account of the organisation`;
  }
  return undefined;
}

/**
 * One run's work: one item per (account, region), accounts in id order and each account's
 * regions together, so the items of one account share its assumed role. Under `accounts: all`
 * every ACTIVE account is swept and the rest are named as skipped; an account the policy lists by
 * id that is not an active member is unreachable (a failure of the run, with its own event).
 *
 * @example
 * planRun(org, ['us-east-1'], [{ id: '111111111111', status: 'ACTIVE' }], run).items;
 * // [{ account: '111111111111', region: 'us-east-1' }]
 */
export function planRun(org: Organization, regions: string[], listed: OrgAccount[], run: Run): RunPlan {
  const status = new Map(listed.map((a) => [a.id, a.status]));
  const accounts: string[] = [];
  const unreachable: AccountNote[] = [];
  const skipped: AccountNote[] = [];
  const candidates = org.accounts === 'all' ? [...status.keys()] : org.accounts;
  for (const account of [...new Set(candidates)].sort()) {
    const state = status.get(account);
    if (org.excludeAccounts.includes(account)) {
      skipped.push({ account, reason: 'excluded by the policy (organization.excludeAccounts)' });
    } else if (state === 'ACTIVE') {
      accounts.push(account);
    } else if (org.accounts === 'all') {
      skipped.push({ account, reason: `${state} in AWS Organizations, not ACTIVE` });
    } else {
      unreachable.push({
        account,
        reason:
          state === undefined
            ? 'not an account of the organisation (ListAccounts does not list it)'
            : `${state} in AWS Organizations, not ACTIVE`,
      });
    }
  }
  return {
    run,
    accounts: accounts.length,
    items: accounts.flatMap((account) => regions.map((region) => ({ account, region }))),
    unreachable,
    skipped,
  };
}
