import { describe, expect, it } from 'vitest';
import { IAM_ACTIONS, INVENTORY_IAM_ACTIONS } from '../../../functions/aws/grants.ts';
import { EVENT_PATTERN, SERVERLESS_EVENT_PATTERN } from '../../../functions/events/targets.ts';
import { DEFAULT_MEMBER_ROLE } from '../../../functions/policy/schema.ts';
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
 * grants exactly the Redshift calls the hub makes as the member (functions/aws/ through the
 * worker and the event function), as the policy allows them, and trusts only the hub.
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
  'AWS::Region': 'us-east-1',
} satisfies Record<string, Json>;

const raw = await readTemplate('member/member-account.yml');
const instance = (parameters: Partial<typeof base> = {}): Template =>
  effective(raw, { ...base, ...parameters });
const role = (t: Template) => statements(t, 'MemberRole');
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

  it('grants the member role every Redshift call functions/aws makes, when the policy revokes, deletes and reads tags', async () => {
    // Events go to the hub's bus with the hub's own credentials; GetCallerIdentity needs no permission.
    const asMember = (await sdkCallsIn('functions/aws')).filter((c) => c.startsWith('redshift'));
    expect(actionsOf(role(instance()))).toEqual(asMember);
    expect(asMember).toEqual([...INVENTORY_IAM_ACTIONS, ...IAM_ACTIONS.revoke, ...IAM_ACTIONS.delete].sort());
  });

  it('derives the rest from the policy as the single-account roles do: no revoke, delete or tags unless allowed', () => {
    expect(actionsOf(role(instance({ CanRevoke: 'false', CanDelete: 'false', ReadsTags: 'false' })))).toEqual(
      [
        'redshift-serverless:GetSnapshot',
        'redshift-serverless:ListSnapshots',
        'redshift:DescribeClusterSnapshots',
      ],
    );
    expect(actionsOf(role(instance({ CanDelete: 'false' })))).not.toContain('redshift:DeleteClusterSnapshot');
  });

  it("holds every statement to this account's snapshots in the policy's regions", () => {
    for (const s of role(instance())) {
      expect(s.Condition, s.Sid).toEqual({ StringEquals: { 'aws:RequestedRegion': base.Regions } });
      if (s.Resource === '*') {
        expect(actionsOf([s])).toEqual([
          'redshift-serverless:ListSnapshots',
          'redshift:DescribeClusterSnapshots',
        ]);
        continue;
      }
      for (const r of [s.Resource].flat()) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        expect(JSON.stringify(r), s.Sid).toContain(':${AWS::AccountId}:snapshot');
      }
    }
  });

  it("trusts only the hub's worker and event-function roles, with the external id when the policy sets one", () => {
    const trust = (t: Template) => {
      const document = t.Resources.MemberRole?.Properties.AssumeRolePolicyDocument;
      return (document as unknown as { Statement: Statement[] }).Statement;
    };
    expect(trust(instance())).toEqual([
      {
        Sid: 'HubAssumes',
        Effect: 'Allow',
        Principal: { AWS: [base.HubWorkerRoleArn, base.HubEventRoleArn] },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': 'shared-secret' } },
      },
    ]);
    expect(trust(instance({ ExternalId: '' }))[0]?.Condition).toBeUndefined();
    expect(instance().Resources.MemberRole?.Properties).toMatchObject({
      RoleName: DEFAULT_MEMBER_ROLE,
      MaxSessionDuration: 3600,
    });
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
