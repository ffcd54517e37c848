import { describe, expect, it } from 'vitest';
import { IAM_ACTIONS, INVENTORY_IAM_ACTIONS } from '../../../functions/aws/grants.ts';
import { SECURITY_HUB_IAM_ACTIONS } from '../../../functions/aws/security-hub.ts';
import { sessionName } from '../../../functions/org/assume.ts';
import { DEFAULT_MEMBER_ROLE } from '../../../functions/policy/schema.ts';
import { EVENT_PATTERN, SERVERLESS_EVENT_PATTERN } from '../../../functions/triggers/targets.ts';
import {
  actionsOf,
  effective,
  type Json,
  readTemplate,
  type Statement,
  sdkCallsIn,
  statements,
  type Template,
} from '../../helpers/cloudformation.ts';

/**
 * member/member-account.yml, the StackSet every member account gets, held to the code: the role
 * grants exactly the Redshift and Security Hub calls the hub makes as the member (functions/aws/
 * through the worker and the event function), as the policy allows them, and trusts only the hub.
 */

const base = {
  HubWorkerRoleArn: 'arn:aws:iam::123456789012:role/hub-worker',
  HubEventRoleArn: 'arn:aws:iam::123456789012:role/hub-events',
  HubEventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/snapshot-compliance-member-events',
  MemberRoleName: DEFAULT_MEMBER_ROLE,
  ExternalId: 'shared-secret',
  Regions: ['us-east-1', 'eu-west-1'],
  RoleRegion: 'us-east-1',
  CanRevoke: 'true',
  CanDelete: 'true',
  ReadsTags: 'true',
  SendsToSecurityHub: 'true',
  'AWS::Region': 'us-east-1',
} satisfies Record<string, Json>;

const raw = await readTemplate('member/member-account.yml');
const instance = (parameters: Partial<typeof base> = {}): Template =>
  effective(raw, { ...base, ...parameters });
const role = (t: Template) => statements(t, 'MemberRole');
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
const OWN_ACCOUNT = ':${AWS::AccountId}:';
const OWN_SNAPSHOTS = `${OWN_ACCOUNT}snapshot`;

/** Whether `value` matches an IAM StringLike pattern (`*` any run of characters, `?` one). */
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);
const sortedPattern = (pattern: unknown) => {
  const copy = JSON.parse(JSON.stringify(pattern));
  copy.detail.eventName.sort();
  return copy;
};

describe('member/member-account.yml', () => {
  it('takes every parameter the hub stack outputs, with the product’s default role name', () => {
    const parameters = (raw as unknown as { Parameters: Record<string, { Default?: string }> }).Parameters;
    expect(Object.keys(parameters).sort()).toEqual(
      Object.keys(base)
        .filter((k) => !k.startsWith('AWS::'))
        .sort(),
    );
    expect(parameters.MemberRoleName?.Default).toBe(DEFAULT_MEMBER_ROLE);
  });

  it('grants the member role every Redshift and Security Hub call functions/aws makes, when the policy revokes, deletes, reads tags and sends findings', async () => {
    // Events go to the hub's bus with the hub's own credentials; GetCallerIdentity needs no permission.
    const asMember = (await sdkCallsIn('functions/aws')).filter(
      (c) => c.startsWith('redshift') || c.startsWith('securityhub:'),
    );
    expect(actionsOf(role(instance()))).toEqual(asMember);
    const expected = new Set([
      ...INVENTORY_IAM_ACTIONS,
      ...IAM_ACTIONS.revoke,
      ...IAM_ACTIONS.delete,
      ...IAM_ACTIONS.restore,
      ...SECURITY_HUB_IAM_ACTIONS,
    ]);
    expect(asMember).toEqual([...expected].sort());
  });

  it('derives the rest from the policy as the single-account roles do: no revoke, delete or tags unless allowed', () => {
    const least = { CanRevoke: 'false', CanDelete: 'false', ReadsTags: 'false', SendsToSecurityHub: 'false' };
    expect(actionsOf(role(instance(least)))).toEqual([
      'redshift-serverless:GetSnapshot',
      'redshift-serverless:ListSnapshots',
      'redshift:DescribeClusterSnapshots',
    ]);
    const keeps = actionsOf(role(instance({ CanDelete: 'false' })));
    expect(keeps).not.toContain('redshift:DeleteClusterSnapshot');
    expect(keeps).not.toContain('redshift:AuthorizeSnapshotAccess');
  });

  it("holds every statement to this account's snapshots (or Security Hub) in the policy's regions", () => {
    for (const s of role(instance())) {
      expect((s.Condition as Record<string, unknown>).StringEquals, s.Sid).toEqual({
        'aws:RequestedRegion': base.Regions,
      });
      if (s.Resource === '*') {
        expect(actionsOf([s])).toEqual([
          'redshift-serverless:ListSnapshots',
          'redshift:DescribeClusterSnapshots',
        ]);
        continue;
      }
      // Security Hub: the account's own hub and product; everything else: its own snapshots.
      const own = actionsOf([s])[0]?.startsWith('securityhub:') ? OWN_ACCOUNT : OWN_SNAPSHOTS;
      for (const r of [s.Resource].flat()) expect(JSON.stringify(r), s.Sid).toContain(own);
    }
  });

  it("trusts only the hub's worker and event-function roles, with the external id when the policy sets one", () => {
    const trust = (t: Template) => {
      const document = t.Resources.MemberRole?.Properties.AssumeRolePolicyDocument;
      return (document as unknown as { Statement: Statement[] }).Statement;
    };
    expect(trust(instance())).toEqual([
      {
        Sid: 'HubSweeps',
        Effect: 'Allow',
        Principal: { AWS: base.HubWorkerRoleArn },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'sts:ExternalId': 'shared-secret' },
          StringLike: { 'sts:RoleSessionName': 'snapshot-guard-sweep-*' },
        },
      },
      {
        Sid: 'HubEvents',
        Effect: 'Allow',
        Principal: { AWS: base.HubEventRoleArn },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'sts:ExternalId': 'shared-secret' },
          StringLike: { 'sts:RoleSessionName': 'snapshot-guard-event-*' },
        },
      },
    ]);
    expect(trust(instance({ ExternalId: '' })).map((s) => s.Condition)).toEqual([
      { StringLike: { 'sts:RoleSessionName': 'snapshot-guard-sweep-*' } },
      { StringLike: { 'sts:RoleSessionName': 'snapshot-guard-event-*' } },
    ]);
    expect(instance().Resources.MemberRole?.Properties).toMatchObject({
      RoleName: DEFAULT_MEMBER_ROLE,
      MaxSessionDuration: 3600,
    });
  });

  it("lets only the worker's sessions delete or give a grant back: the event function never deletes", () => {
    const trust = (instance().Resources.MemberRole?.Properties.AssumeRolePolicyDocument ?? {}) as unknown as {
      Statement: { Sid: string; Condition: { StringLike: { 'sts:RoleSessionName': string } } }[];
    };
    const session = Object.fromEntries(
      trust.Statement.map((s) => [s.Sid, s.Condition.StringLike['sts:RoleSessionName']]),
    );
    // Each hub function may assume the role only under the session name the code gives it.
    expect(like(session.HubSweeps ?? '', sessionName('sweep', 'run-1'))).toBe(true);
    expect(like(session.HubEvents ?? '', sessionName('event', 'run-1'))).toBe(true);
    expect(like(session.HubEvents ?? '', sessionName('sweep', 'run-1'))).toBe(false);

    const sweepOnly = [...IAM_ACTIONS.delete, 'redshift:AuthorizeSnapshotAccess'];
    const asUser = (purpose: 'sweep' | 'event') => `AROAEXAMPLE:${sessionName(purpose, 'run-1')}`;
    const allowed = (purpose: 'sweep' | 'event') =>
      actionsOf(
        role(instance()).filter((s) => {
          const user = (s.Condition as { StringLike?: Record<string, string> }).StringLike?.['aws:userid'];
          return user === undefined || like(user, asUser(purpose));
        }),
      );
    for (const action of sweepOnly) {
      expect(allowed('sweep')).toContain(action);
      expect(allowed('event')).not.toContain(action);
    }
    expect(allowed('event')).toContain('redshift:RevokeSnapshotAccess');
  });

  it('creates the role in one region only (IAM is global) and forwards events from every region', () => {
    const elsewhere = instance({ 'AWS::Region': 'eu-west-1' } as Partial<typeof base>);
    expect(Object.keys(elsewhere.Resources).sort()).toEqual([
      'ForwardRedshiftEvents',
      'ForwardServerlessEvents',
      'ForwardingRole',
    ]);
    expect(Object.keys(instance().Resources)).toContain('MemberRole');
  });

  it('forwards exactly the CloudTrail calls the hub handles, to the hub bus, and nothing else', () => {
    const t = instance();
    const rules = ['ForwardRedshiftEvents', 'ForwardServerlessEvents'].map(
      (id) => t.Resources[id]?.Properties,
    );
    expect(rules.map((r) => sortedPattern(r?.EventPattern))).toEqual([
      sortedPattern(EVENT_PATTERN),
      sortedPattern(SERVERLESS_EVENT_PATTERN),
    ]);
    for (const r of rules) {
      expect(r?.EventBusName).toBeUndefined();
      expect(r?.Targets).toEqual([
        { Id: 'hub-bus', Arn: base.HubEventBusArn, RoleArn: { 'Fn::GetAtt': ['ForwardingRole', 'Arn'] } },
      ]);
    }
    expect(statements(t, 'ForwardingRole')).toEqual([
      { Sid: 'PutOnHubBus', Effect: 'Allow', Action: ['events:PutEvents'], Resource: base.HubEventBusArn },
    ]);
  });
});
