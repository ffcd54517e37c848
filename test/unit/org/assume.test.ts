import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { listOrganizationAccounts, organizationsRegion } from '../../../functions/org/accounts.ts';
import {
  assumeMemberRole,
  credentialsPerAccount,
  type MemberCredentials,
  memberRoleArn,
  sessionName,
} from '../../../functions/org/assume.ts';

const sts = mockClient(STSClient);
const stsClient = new STSClient({ region: 'us-east-1' });
const orgs = mockClient(OrganizationsClient);
const orgsClient = new OrganizationsClient({ region: 'us-east-1' });

const answer = (account: string, session = 'snapshot-guard-run-1') => ({
  Credentials: {
    AccessKeyId: `ASIA${account}`,
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(Date.now() + 3_600_000),
  },
  AssumedRoleUser: {
    Arn: `arn:aws:sts::${account}:assumed-role/RedshiftSnapshotGuardMember/${session}`,
    AssumedRoleId: `AROA:${session}`,
  },
});

describe('assumeMemberRole', () => {
  beforeEach(() => sts.reset());

  it('assumes the member role with the external id and a session name carrying its purpose and the run id', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('111111111111'));

    const credentials = await assumeMemberRole(
      stsClient,
      '111111111111',
      { roleName: 'RedshiftSnapshotGuardMember', externalId: 'shared-id' },
      { purpose: 'sweep', runId: 'run-1' },
      'us-east-1',
    );

    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::111111111111:role/RedshiftSnapshotGuardMember',
      RoleSessionName: 'snapshot-guard-sweep-run-1',
      ExternalId: 'shared-id',
      DurationSeconds: 3600,
    });
    expect(credentials).toMatchObject({ account: '111111111111', accessKeyId: 'ASIA111111111111' });
  });

  it('sends no ExternalId when the policy sets none', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('111111111111'));
    await assumeMemberRole(
      stsClient,
      '111111111111',
      { roleName: 'Guard' },
      { purpose: 'event', runId: 'run-1' },
      'us-east-1',
    );
    const input = sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input;
    expect(input && 'ExternalId' in input).toBe(false);
  });

  it('refuses credentials that act as another account', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('222222222222'));
    await expect(
      assumeMemberRole(
        stsClient,
        '111111111111',
        { roleName: 'Guard' },
        { purpose: 'event', runId: 'run-1' },
        'us-east-1',
      ),
    ).rejects.toThrow('returned credentials of account 222222222222; they are not used');
  });

  it('names the role in the hub partition and keeps the session name within what STS accepts', () => {
    expect(memberRoleArn('111111111111', 'Guard', 'cn-north-1')).toBe(
      'arn:aws-cn:iam::111111111111:role/Guard',
    );
    expect(memberRoleArn('111111111111', 'Guard', 'us-gov-west-1')).toBe(
      'arn:aws-us-gov:iam::111111111111:role/Guard',
    );
    expect(sessionName('sweep', 'a'.repeat(80))).toHaveLength(64);
    expect(sessionName('event', 'run id/1')).toBe('snapshot-guard-event-run-id-1');
  });
});

describe('credentialsPerAccount', () => {
  const issue = (account: string, expiresInMs: number): MemberCredentials => ({
    account,
    accessKeyId: `ASIA${account}`,
    secretAccessKey: 's',
    sessionToken: 't',
    expiration: new Date(1_000_000 + expiresInMs),
  });

  it('assumes once per account, even for regions asked at the same time, and never hands one account another’s', async () => {
    const asked: string[] = [];
    const credentials = credentialsPerAccount(
      async (account) => {
        asked.push(account);
        return issue(account, 3_600_000);
      },
      () => 1_000_000,
    );

    const got = await Promise.all([
      credentials('111111111111'),
      credentials('111111111111'),
      credentials('222222222222'),
      credentials('111111111111'),
    ]);

    expect(asked).toEqual(['111111111111', '222222222222']);
    expect(got.map((c) => c.account)).toEqual([
      '111111111111',
      '111111111111',
      '222222222222',
      '111111111111',
    ]);
  });

  it('keeps a failure for the run, so an unreachable account is asked once', async () => {
    let asked = 0;
    const credentials = credentialsPerAccount(async () => {
      asked++;
      throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
    });
    await expect(credentials('333333333333')).rejects.toThrow('denied');
    await expect(credentials('333333333333')).rejects.toThrow('denied');
    expect(asked).toBe(1);
  });

  it('assumes again once credentials are about to expire', async () => {
    let now = 1_000_000;
    let asked = 0;
    const credentials = credentialsPerAccount(
      async (account) => {
        asked++;
        return issue(account, now - 1_000_000 + 3_600_000);
      },
      () => now,
    );
    await credentials('111111111111');
    now += 3_600_000 - 60_000; // a minute before expiry
    await Promise.all([credentials('111111111111'), credentials('111111111111')]);
    expect(asked).toBe(2);
  });
});

describe('listOrganizationAccounts', () => {
  beforeEach(() => orgs.reset());

  it('pages through ListAccounts 20 at a time and reads State before the older Status', async () => {
    orgs
      .on(ListAccountsCommand, { MaxResults: 20 })
      .resolvesOnce({
        Accounts: [
          { Id: '111111111111', Status: 'ACTIVE' },
          { Id: '222222222222', State: 'SUSPENDED', Status: 'SUSPENDED' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ Accounts: [{ Id: '333333333333', State: 'PENDING_CLOSURE', Status: 'ACTIVE' }] });

    const accounts = await listOrganizationAccounts(orgsClient);

    expect(accounts).toEqual([
      { id: '111111111111', status: 'ACTIVE' },
      { id: '222222222222', status: 'SUSPENDED' },
      { id: '333333333333', status: 'PENDING_CLOSURE' },
    ]);
    expect(orgs).toHaveReceivedCommandTimes(ListAccountsCommand, 2);
    expect(orgs).toHaveReceivedNthCommandWith(ListAccountsCommand, 2, {
      MaxResults: 20,
      NextToken: 'page-2',
    });
  });

  it('refuses an answer without a usable account id, and a token that would page forever', async () => {
    orgs.on(ListAccountsCommand).resolves({ Accounts: [{ Id: 'nope' }] });
    await expect(listOrganizationAccounts(orgsClient)).rejects.toThrow('without a usable id');
    orgs.reset();
    orgs.on(ListAccountsCommand).resolves({ Accounts: [], NextToken: 'same' });
    await expect(listOrganizationAccounts(orgsClient)).rejects.toThrow('the same NextToken twice');
  });

  it('asks Organizations in its partition’s one region', () => {
    expect(organizationsRegion('eu-west-1')).toBe('us-east-1');
    expect(organizationsRegion('cn-north-1')).toBe('cn-northwest-1');
    expect(organizationsRegion('us-gov-east-1')).toBe('us-gov-west-1');
  });
});
