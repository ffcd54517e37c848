import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { rejectionOf, stsClient } from '../helpers/stand-in-clients.ts';

const MANAGEMENT = '123456789012';
const MEMBERS = ['111111111111', '222222222222'];
const NO_ROLE = '333333333333';
const SUSPENDED = '444444444444';
const ROLE = 'RedshiftSnapshotGuardMember';
const roleArn = (account: string, name = ROLE) => `arn:aws:iam::${account}:role/${name}`;

describe('the stand-in organisation', () => {
  // 23 extra members: ListAccounts needs two pages.
  const extra = Array.from({ length: 23 }, (_, i) => `5000000000${String(i).padStart(2, '0')}`);
  const aws = useStandIn({
    organization: { members: [...MEMBERS, ...extra], withoutRole: [NO_ROLE], suspended: [SUSPENDED] },
  });
  let sts: STSClient;
  let orgs: OrganizationsClient;

  beforeAll(() => {
    sts = stsClient(aws);
    orgs = new OrganizationsClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });

  afterAll(() => {
    sts.destroy();
    orgs.destroy();
  });

  it('lists the management account and every member, 20 a page, with their status', async () => {
    // Act
    const first = await orgs.send(new ListAccountsCommand({ MaxResults: 20 }));
    const second = await orgs.send(new ListAccountsCommand({ MaxResults: 20, NextToken: first.NextToken }));

    // Assess
    expect(first.Accounts).toHaveLength(20);
    expect(second.NextToken).toBeUndefined();
    const all = [...(first.Accounts ?? []), ...(second.Accounts ?? [])];
    expect(all).toHaveLength(28);
    expect(all[0]).toMatchObject({ Id: MANAGEMENT, Status: 'ACTIVE', State: 'ACTIVE' });
    expect(all.find((a) => a.Id === SUSPENDED)).toMatchObject({ Status: 'SUSPENDED' });
    expect(all.find((a) => a.Id === NO_ROLE)).toMatchObject({ Status: 'ACTIVE' });
    expect(all[1]?.JoinedTimestamp).toBeInstanceOf(Date);
    expect(aws.calls()).toEqual({ 'organizations.ListAccounts': 2 });
  });

  it('refuses ListAccounts to a member account and a MaxResults above 20', async () => {
    // Prepare
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn(MEMBERS[0] ?? ''), RoleSessionName: 'test' }),
    );
    const asMember = new OrganizationsClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: 'x',
        sessionToken: Credentials?.SessionToken ?? '',
      },
      maxAttempts: 1,
    });

    // Act
    const denied = await rejectionOf(asMember.send(new ListAccountsCommand({})));
    const tooMany = await rejectionOf(orgs.send(new ListAccountsCommand({ MaxResults: 21 })));

    // Assess
    expect(denied.name).toBe('AccessDeniedException');
    expect(tooMany.name).toBe('InvalidInputException');
    asMember.destroy();
  });

  it('hands out keys that act as the member account the role belongs to', async () => {
    // Act
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn('222222222222'),
        RoleSessionName: 'snapshot-guard-run-1',
        DurationSeconds: 3600,
      }),
    );
    const credentials = {
      accessKeyId: out.Credentials?.AccessKeyId ?? '',
      secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
      sessionToken: out.Credentials?.SessionToken ?? '',
    };
    const asMember = new STSClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    const redshift = new RedshiftClient({
      endpoint: aws.endpoint,
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
    });
    aws.seedFleet({ count: 3, account: '222222222222', region: 'eu-west-1' });
    const who = await asMember.send(new GetCallerIdentityCommand({}));
    const listed = await redshift.send(new DescribeClusterSnapshotsCommand({}));

    // Assess
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::222222222222:assumed-role/${ROLE}/snapshot-guard-run-1`,
    );
    expect(who).toMatchObject({ Account: '222222222222', Arn: out.AssumedRoleUser?.Arn });
    expect(listed.Snapshots?.map((s) => s.OwnerAccount)).toEqual([
      '222222222222',
      '222222222222',
      '222222222222',
    ]);
    expect(aws.organization?.sessions().map((s) => [s.account, s.sessionName])).toEqual([
      ['222222222222', 'snapshot-guard-run-1'],
    ]);
    asMember.destroy();
    redshift.destroy();
  });

  it('answers AccessDenied where the role is missing, suspended, misnamed, or outside the organisation', async () => {
    // Act
    const tries = [
      roleArn(NO_ROLE),
      roleArn(SUSPENDED),
      roleArn(MEMBERS[0] ?? '', 'Other'),
      roleArn('999999999999'),
    ];
    const errors = await Promise.all(
      tries.map((arn) =>
        rejectionOf(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'x-1' }))),
      ),
    );

    // Assess
    expect(errors.map((e) => e.name)).toEqual([
      'AccessDenied',
      'AccessDenied',
      'AccessDenied',
      'AccessDenied',
    ]);
    expect(errors[0]?.message).toContain(`sts:AssumeRole on resource: ${roleArn(NO_ROLE)}`);
    expect(aws.organization?.sessions()).toEqual([]);
  });

  it('checks the session name and duration as STS does', async () => {
    // Act
    const badName = await rejectionOf(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn(MEMBERS[0] ?? ''), RoleSessionName: 'has space' })),
    );
    const tooLong = await rejectionOf(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn(MEMBERS[0] ?? ''),
          RoleSessionName: 'ok',
          DurationSeconds: 7200,
        }),
      ),
    );

    // Assess
    expect(badName.name).toBe('ValidationError');
    expect(tooLong.name).toBe('ValidationError');
  });

  it('fails a fault rule only for the account it names', async () => {
    // Prepare
    aws.faults.configure({
      rules: [
        {
          action: 'redshift.DescribeClusterSnapshots',
          account: '111111111111',
          serverError: { rate: 1, status: 503 },
        },
      ],
    });
    const as = async (account: string) => {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn(account), RoleSessionName: 'f-1' }),
      );
      return new RedshiftClient({
        endpoint: aws.endpoint,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: {
          accessKeyId: c?.AccessKeyId ?? '',
          secretAccessKey: 'x',
          sessionToken: c?.SessionToken ?? '',
        },
      });
    };
    const down = await as('111111111111');
    const up = await as('222222222222');

    // Act
    const failed = await rejectionOf(down.send(new DescribeClusterSnapshotsCommand({})));
    const answered = await up.send(new DescribeClusterSnapshotsCommand({}));

    // Assess
    expect(failed.name).toBe('ServiceUnavailable');
    expect(answered.Snapshots).toEqual([]);
    down.destroy();
    up.destroy();
  });
});

describe('the stand-in organisation with an external id', () => {
  const aws = useStandIn({
    organization: { members: ['111111111111'], roleName: 'Guard', externalId: 'shared-secret' },
  });
  let sts: STSClient;

  beforeAll(() => {
    sts = stsClient(aws);
  });

  afterAll(() => {
    sts.destroy();
  });

  it('lets the hub in only with the external id, into the role name it was given', async () => {
    // Act
    const without = await rejectionOf(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('111111111111', 'Guard'), RoleSessionName: 'x-1' })),
    );
    const wrong = await rejectionOf(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn('111111111111', 'Guard'),
          RoleSessionName: 'x-1',
          ExternalId: 'guess',
        }),
      ),
    );
    const right = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn('111111111111', 'Guard'),
        RoleSessionName: 'x-1',
        ExternalId: 'shared-secret',
      }),
    );

    // Assess
    expect([without.name, wrong.name]).toEqual(['AccessDenied', 'AccessDenied']);
    expect(right.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111111111111:assumed-role/Guard/x-1');
    expect(aws.organization?.sessions().map((s) => s.externalId)).toEqual(['shared-secret']);
  });
});

describe('the stand-in without an organisation', () => {
  const aws = useStandIn();

  it('answers ListAccounts with AWSOrganizationsNotInUseException and AssumeRole with AccessDenied', async () => {
    // Prepare
    const orgs = new OrganizationsClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const sts = stsClient(aws);

    // Act
    const listed = await rejectionOf(orgs.send(new ListAccountsCommand({})));
    const assumed = await rejectionOf(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn('111111111111'), RoleSessionName: 'x-1' })),
    );

    // Assess
    expect(listed.name).toBe('AWSOrganizationsNotInUseException');
    expect(assumed.name).toBe('AccessDenied');
    orgs.destroy();
    sts.destroy();
  });
});
