import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../../functions/errors.ts';
import { parsePolicy } from '../../../functions/policy/load.ts';
import { DEFAULT_MEMBER_ROLE } from '../../../functions/policy/schema.ts';

/** Every issue as `line:col path: message`, or [] when the policy loads. */
function issuesOf(text: string): string[] {
  try {
    parsePolicy(text, 'org.yml');
    return [];
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path ? `${i.path}: ` : ''}${i.message}`);
  }
}

const org = (...lines: string[]) => `version: 1\norganization:\n${lines.map((l) => `  ${l}\n`).join('')}`;

describe('the organization block', () => {
  it('is absent unless written, so a single-account policy stays as it was', () => {
    expect(parsePolicy('version: 1\n', 'p.yml').policy.organization).toBeUndefined();
  });

  it('defaults to every active account, the standard member role, ten at once, limits counted per run', () => {
    expect(parsePolicy('version: 1\norganization: {}\n', 'org.yml').policy.organization).toEqual({
      accounts: 'all',
      excludeAccounts: [],
      roleName: DEFAULT_MEMBER_ROLE,
      maxConcurrency: 10,
      safetyScope: 'run',
    });
  });

  it('takes a list of accounts, exclusions, a role, an external id and a concurrency', () => {
    const { policy } = parsePolicy(
      org(
        'accounts: ["111111111111", "222222222222"]',
        'excludeAccounts: ["999999999999"]',
        'roleName: GuardMember',
        'externalId: s3cr3t-Shared_id',
        'maxConcurrency: 25',
        'safetyScope: account-region',
      ),
      'org.yml',
    );
    expect(policy.organization).toEqual({
      accounts: ['111111111111', '222222222222'],
      excludeAccounts: ['999999999999'],
      roleName: 'GuardMember',
      externalId: 's3cr3t-Shared_id',
      maxConcurrency: 25,
      safetyScope: 'account-region',
    });
  });

  it('suggests the key a typo meant, at the typo', () => {
    expect(issuesOf(org('acounts: all', 'maxConcurency: 3'))).toEqual([
      '3:3 organization: unknown key "acounts" (did you mean "accounts"?)',
      '4:3 organization: unknown key "maxConcurency" (did you mean "maxConcurrency"?)',
    ]);
    expect(issuesOf('version: 1\norganisation: {}\n')).toEqual([
      '2:1 unknown key "organisation" (did you mean "organization"?)',
    ]);
  });

  it('says what accounts may be, and points at a bad entry of a list', () => {
    expect(issuesOf(org('accounts: al'))).toEqual([
      '3:13 organization.accounts: "al" must be "all" or a list of 12-digit account ids (did you mean "all"?)',
    ]);
    expect(issuesOf(org('accounts: ["111111111111", "12345", 222222222222]'))).toEqual([
      '3:30 organization.accounts[1]: "12345" is not a 12-digit AWS account id',
      '3:39 organization.accounts[2]: 222222222222 must be written in quotes: YAML reads unquoted digits as a number (and drops leading zeros)',
    ]);
    expect(issuesOf(org('accounts: []'))).toEqual(['3:13 organization.accounts: must not be empty']);
  });

  it('rejects an impossible concurrency, role name, external id or scope', () => {
    expect(
      issuesOf(org('maxConcurrency: 0', 'roleName: "bad role"', 'externalId: "x"', 'safetyScope: runs')),
    ).toEqual([
      '3:19 organization.maxConcurrency: must be between 1 and 1000',
      '4:13 organization.roleName: "bad role" is not an IAM role name',
      '5:15 organization.externalId: must be 2 to 1224 letters, digits or + = , . @ : / _ - (what AssumeRole accepts)',
      '6:16 organization.safetyScope: must be one of run, account-region (did you mean "run"?)',
    ]);
  });

  it('rejects an account listed twice, or both listed and excluded', () => {
    expect(
      issuesOf(
        org(
          'accounts: ["111111111111", "222222222222", "111111111111"]',
          'excludeAccounts: ["222222222222", "333333333333", "333333333333"]',
        ),
      ),
    ).toEqual([
      '3:46 organization.accounts[2]: "111111111111" is already listed at organization.accounts[0] (line 3)',
      '4:21 organization.excludeAccounts[0]: "222222222222" is also listed in organization.accounts (line 3); list it in one place',
      '4:53 organization.excludeAccounts[2]: "333333333333" is already listed at organization.excludeAccounts[1] (line 4)',
    ]);
  });
});
