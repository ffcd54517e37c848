import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeIssue } from '../../../functions/input/issues.ts';
import { type CloudTrailDetail, CloudTrailEventSchema } from '../../../functions/triggers/cloudtrail.ts';
import {
  HANDLED_EVENT_NAMES,
  SERVERLESS_EVENT_NAMES,
  SERVERLESS_EVENT_PATTERN,
  snapshotTargets,
} from '../../../functions/triggers/targets.ts';

const ACCOUNT = '123456789012';
const SHARED_THROUGH_REDSHIFT = 'authorize-snapshot-access-serverless';
const ARN = `arn:aws:redshift-serverless:us-east-1:${ACCOUNT}:snapshot/7b0e4f6a-2c3d-4e5f-9a1b-3c5d7e9f1a2b`;

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely to build variants
function fixture(name: string): any {
  // The Redshift call that shares a Serverless snapshot sits with the other Redshift events.
  const path = name === SHARED_THROUGH_REDSHIFT ? name : `serverless/${name}`;
  return JSON.parse(readFileSync(new URL(`../../fixtures/events/${path}.json`, import.meta.url), 'utf8'));
}

function detail(name: string, edit: (raw: Record<string, unknown>) => void = () => {}): CloudTrailDetail {
  const raw = fixture(name);
  edit(raw.detail);
  return CloudTrailEventSchema.parse(raw).detail;
}

function rejection(event: unknown): string {
  const parsed = CloudTrailEventSchema.safeParse(event);
  if (parsed.success) return 'accepted';
  const { path, message } = describeIssue(parsed.error);
  return `${path}: ${message}`;
}

describe('Redshift Serverless CloudTrail events', () => {
  it.each([
    ['create-snapshot'],
    ['convert-recovery-point-to-snapshot'],
    ['update-snapshot'],
    ['put-resource-policy'],
    ['tag-resource'],
    ['delete-namespace'],
  ])('accepts the recorded event %s', (name) => {
    const parsed = CloudTrailEventSchema.parse(fixture(name));

    expect(parsed.source).toBe('aws.redshift-serverless');
    expect(parsed.detail.eventSource).toBe('redshift-serverless.amazonaws.com');
  });

  it('refuses a Serverless call relabelled as a Redshift one', () => {
    const event = fixture('put-resource-policy');
    event.source = 'aws.redshift';

    expect(rejection(event)).toBe(
      'detail.eventSource: must be redshift.amazonaws.com for an event from aws.redshift',
    );
  });

  it('refuses a Redshift call relabelled as a Serverless one', () => {
    const event = fixture(SHARED_THROUGH_REDSHIFT);
    event.source = 'aws.redshift-serverless';

    expect(rejection(event)).toBe(
      'detail.eventSource: must be redshift-serverless.amazonaws.com for an event from aws.redshift-serverless',
    );
  });

  it('still refuses any other source', () => {
    const event = fixture('put-resource-policy');
    event.source = 'com.example.redshift-serverless';

    expect(rejection(event)).toMatch(/^source: /);
  });
});

describe('snapshotTargets for Redshift Serverless', () => {
  it.each([
    ['create-snapshot', [{ arn: ARN }]],
    ['convert-recovery-point-to-snapshot', [{ arn: ARN }]],
    ['update-snapshot', [{ arn: ARN }]],
    ['put-resource-policy', [{ arn: ARN }]],
    ['tag-resource', [{ arn: ARN }]],
  ])('finds the snapshot %s names', (name, addresses) => {
    expect(snapshotTargets(detail(name))).toEqual({ addresses });
  });

  it('finds the final snapshot a DeleteNamespace takes, by its name', () => {
    expect(snapshotTargets(detail('delete-namespace'))).toEqual({
      addresses: [{ snapshotName: 'sales-serverless-final' }],
    });
  });

  it('ignores a DeleteNamespace without a final snapshot', () => {
    const plain = detail('delete-namespace', (d) => {
      d.requestParameters = { namespaceName: 'sales-serverless' };
    });

    expect(snapshotTargets(plain)).toEqual({ ignored: 'DeleteNamespace names no snapshot' });
  });

  it('falls back to the snapshot name when the response carries no ARN', () => {
    const create = detail('create-snapshot', (d) => {
      d.responseElements = null;
    });

    expect(snapshotTargets(create)).toEqual({
      addresses: [{ snapshotName: 'sales-serverless-before-migration' }],
    });
  });

  it('finds a Serverless snapshot shared through Redshift, by the ARN in the request', () => {
    expect(snapshotTargets(detail(SHARED_THROUGH_REDSHIFT))).toEqual({
      addresses: [
        {
          arn: `arn:aws:redshift-serverless:us-east-1:${ACCOUNT}:snapshot/3f2b1c4e-8d9a-4e7b-9c61-0a5d2e7f8b13`,
        },
      ],
    });
  });

  it('ignores a resource policy put on something other than a snapshot', () => {
    expect(snapshotTargets(detail('put-resource-policy-on-namespace'))).toEqual({
      ignored: `arn:aws:redshift-serverless:us-east-1:${ACCOUNT}:namespace/5a1c9e3b-7d2f-4b6a-8c0e-2f4a6c8e0b1d names no Redshift snapshot`,
    });
  });

  it('ignores a failed call and a call that only takes access away; passes on a foreign snapshot', () => {
    expect(snapshotTargets(detail('put-resource-policy-failed'))).toEqual({
      ignored: 'PutResourcePolicy failed (ResourceNotFoundException): nothing changed',
    });
    const removal = detail('put-resource-policy', (d) => {
      d.eventName = 'DeleteResourcePolicy';
    });
    expect(snapshotTargets(removal)).toEqual({
      ignored: 'DeleteResourcePolicy is not a snapshot change this function handles',
    });
    const foreign = detail('put-resource-policy', (d) => {
      (d.requestParameters as Record<string, unknown>).resourceArn = ARN.replace(ACCOUNT, '444455556666');
    });
    // The run reads it and reports it as foreign-owner, as a sweep does; it never changes it.
    expect(snapshotTargets(foreign)).toEqual({ addresses: [{ arn: ARN.replace(ACCOUNT, '444455556666') }] });
  });

  it('reads each service with its own table: a Redshift name under Serverless is not handled', () => {
    const misnamed = detail('create-snapshot', (d) => {
      d.eventName = 'CreateClusterSnapshot';
    });

    expect(snapshotTargets(misnamed)).toEqual({
      ignored: 'CreateClusterSnapshot is not a snapshot change this function handles',
    });
  });

  it('gives the second EventBridge rule a pattern that asks for exactly the Serverless calls', () => {
    expect(SERVERLESS_EVENT_NAMES).toEqual([
      'CreateSnapshot',
      'ConvertRecoveryPointToSnapshot',
      'UpdateSnapshot',
      'PutResourcePolicy',
      'TagResource',
      'UntagResource',
      'DeleteNamespace',
    ]);
    expect(SERVERLESS_EVENT_PATTERN).toEqual({
      source: ['aws.redshift-serverless'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['redshift-serverless.amazonaws.com'], eventName: SERVERLESS_EVENT_NAMES },
    });
    expect(SERVERLESS_EVENT_NAMES.filter((n) => (HANDLED_EVENT_NAMES as string[]).includes(n))).toEqual([]);
  });
});
