import { describe, expect, it } from 'vitest';
import type { OrgAccount } from '../../../functions/org/accounts.ts';
import type { Run } from '../../../functions/org/model.ts';
import { accountOutOfScope, planRun } from '../../../functions/org/plan.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';
import type { Organization } from '../../../functions/policy/schema.ts';

const run: Run = { runId: 'run-1', startedAt: '2026-11-01T10:00:00.000Z', dryRun: false, trigger: 'cli' };

function org(lines = ''): Organization {
  const { policy } = parsePolicy(`version: 1\norganization:\n  maxConcurrency: 4\n${lines}`, 'org.yml');
  if (!policy.organization) throw new Error('no organization');
  return policy.organization;
}

const listed: OrgAccount[] = [
  { id: '999999999999', status: 'ACTIVE' },
  { id: '222222222222', status: 'ACTIVE' },
  { id: '111111111111', status: 'ACTIVE' },
  { id: '444444444444', status: 'SUSPENDED' },
  { id: '555555555555', status: 'PENDING_CLOSURE' },
];

describe('planRun', () => {
  it('plans one item per active account and region, accounts in order with their regions together', () => {
    const plan = planRun(
      org('  excludeAccounts: ["999999999999"]\n'),
      ['us-east-1', 'eu-west-1'],
      listed,
      run,
    );
    expect(plan.items).toEqual([
      { account: '111111111111', region: 'us-east-1' },
      { account: '111111111111', region: 'eu-west-1' },
      { account: '222222222222', region: 'us-east-1' },
      { account: '222222222222', region: 'eu-west-1' },
    ]);
    expect(plan.accounts).toBe(2);
    expect(plan.run).toBe(run);
  });

  it('names excluded and inactive accounts as skipped, not as failures, under accounts: all', () => {
    const plan = planRun(org('  excludeAccounts: ["999999999999"]\n'), ['us-east-1'], listed, run);
    expect(plan.unreachable).toEqual([]);
    expect(plan.skipped).toEqual([
      { account: '444444444444', reason: 'SUSPENDED in AWS Organizations, not ACTIVE' },
      { account: '555555555555', reason: 'PENDING_CLOSURE in AWS Organizations, not ACTIVE' },
      { account: '999999999999', reason: 'excluded by the policy (organization.excludeAccounts)' },
    ]);
  });

  it('reports a listed account that is suspended or not in the organisation as unreachable', () => {
    const plan = planRun(
      org('  accounts: ["111111111111", "444444444444", "777777777777"]\n'),
      ['us-east-1'],
      listed,
      run,
    );
    expect(plan.items).toEqual([{ account: '111111111111', region: 'us-east-1' }]);
    expect(plan.unreachable).toEqual([
      { account: '444444444444', reason: 'SUSPENDED in AWS Organizations, not ACTIVE' },
      {
        account: '777777777777',
        reason: 'not an account of the organisation (ListAccounts does not list it)',
      },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('sweeps only the accounts a list names, even when more are active', () => {
    const plan = planRun(org('  accounts: ["222222222222"]\n'), ['us-east-1'], listed, run);
    expect(plan.items.map((i) => i.account)).toEqual(['222222222222']);
  });
});

describe('accountOutOfScope', () => {
  const active = new Set(['111111111111', '222222222222']);

  it('keeps an active account of the organisation under accounts: all', () => {
    expect(accountOutOfScope(org(), '111111111111', active)).toBeUndefined();
  });

  it('says why an account is left alone: excluded, not listed, not an active member', () => {
    expect(accountOutOfScope(org('  excludeAccounts: ["111111111111"]\n'), '111111111111', active)).toBe(
      'account 111111111111 is excluded by the policy',
    );
    expect(accountOutOfScope(org('  accounts: ["222222222222"]\n'), '111111111111', undefined)).toBe(
      "account 111111111111 is not among the policy's organization.accounts",
    );
    expect(accountOutOfScope(org(), '888888888888', active)).toBe(
      'account 888888888888 is not an active account of the organisation',
    );
  });
});
