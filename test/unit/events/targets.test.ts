import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CloudTrailDetail, CloudTrailEventSchema } from '../../../functions/triggers/cloudtrail.ts';
import { EVENT_PATTERN, HANDLED_EVENT_NAMES, snapshotTargets } from '../../../functions/triggers/targets.ts';

const ACCOUNT = '123456789012';
const MANUAL_1_ARN = `arn:aws:redshift:us-east-1:${ACCOUNT}:snapshot:finance-prod/finance-prod-manual-1`;

function detail(name: string, edit: (raw: Record<string, unknown>) => void = () => {}): CloudTrailDetail {
  const raw = JSON.parse(
    readFileSync(new URL(`../../fixtures/events/${name}.json`, import.meta.url), 'utf8'),
  );
  edit(raw.detail);
  return CloudTrailEventSchema.parse(raw).detail;
}

describe('snapshotTargets', () => {
  it.each([
    ['authorize-snapshot-access', [{ id: 'finance-prod-manual-1', cluster: 'finance-prod' }]],
    ['authorize-snapshot-access-by-arn', [{ arn: MANUAL_1_ARN }]],
    ['create-cluster-snapshot', [{ id: 'finance-prod-before-migration', cluster: 'finance-prod' }]],
    ['copy-cluster-snapshot', [{ id: 'finance-prod-keep-2026-10', cluster: 'finance-prod' }]],
    ['modify-cluster-snapshot', [{ id: 'finance-prod-manual-1', cluster: 'finance-prod' }]],
    ['batch-modify-cluster-snapshots', [{ id: 'finance-prod-manual-1' }, { id: 'analytics-weekly-2026-43' }]],
    ['create-tags', [{ arn: MANUAL_1_ARN }]],
    ['delete-tags', [{ arn: MANUAL_1_ARN }]],
    ['delete-cluster', [{ id: 'finance-archive-final', cluster: 'finance-archive' }]],
  ])('finds the snapshot %s names', (name, addresses) => {
    expect(snapshotTargets(detail(name))).toEqual({ addresses });
  });

  it('handles exactly the calls that create a snapshot or change what the policy judges', () => {
    expect(HANDLED_EVENT_NAMES).toEqual([
      'AuthorizeSnapshotAccess',
      'CreateClusterSnapshot',
      'CopyClusterSnapshot',
      'ModifyClusterSnapshot',
      'BatchModifyClusterSnapshots',
      'CreateTags',
      'DeleteTags',
      'DeleteCluster',
    ]);
  });

  it('ignores a DeleteCluster that skips the final snapshot: no snapshot was made', () => {
    const skipped = detail('delete-cluster', (d) => {
      d.requestParameters = { clusterIdentifier: 'finance-archive', skipFinalClusterSnapshot: true };
    });

    expect(snapshotTargets(skipped)).toEqual({ ignored: 'DeleteCluster names no snapshot' });
  });

  it('gives the EventBridge rule a pattern that asks for exactly those calls', () => {
    expect(EVENT_PATTERN).toEqual({
      source: ['aws.redshift'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['redshift.amazonaws.com'], eventName: HANDLED_EVENT_NAMES },
    });
  });

  it('ignores its own remediation calls, so a revoke never triggers another run', () => {
    const revoke = detail('authorize-snapshot-access', (d) => {
      d.eventName = 'RevokeSnapshotAccess';
    });

    expect(snapshotTargets(revoke)).toEqual({
      ignored: 'RevokeSnapshotAccess is not a snapshot change this function handles',
    });
  });

  it('ignores a call that failed, since it changed nothing', () => {
    expect(snapshotTargets(detail('authorize-snapshot-access-failed'))).toEqual({
      ignored: 'AuthorizeSnapshotAccess failed (ClusterSnapshotNotFound): nothing changed',
    });
  });

  it('passes on a snapshot an ARN places in another account: the run reports it as foreign-owner', () => {
    expect(snapshotTargets(detail('authorize-snapshot-access-foreign-arn'))).toEqual({
      addresses: [{ arn: 'arn:aws:redshift:us-east-1:444455556666:snapshot:partner-prod/partner-nightly' }],
    });
  });

  it('finds a Redshift Serverless snapshot shared through Redshift by its ARN', () => {
    const result = snapshotTargets(detail('authorize-snapshot-access-serverless'));

    expect(result).toEqual({
      addresses: [
        {
          arn: 'arn:aws:redshift-serverless:us-east-1:123456789012:snapshot/3f2b1c4e-8d9a-4e7b-9c61-0a5d2e7f8b13',
        },
      ],
    });
  });

  it('ignores tags put on something other than a snapshot', () => {
    expect(snapshotTargets(detail('create-tags-on-cluster'))).toEqual({
      ignored: `arn:aws:redshift:us-east-1:${ACCOUNT}:cluster:finance-prod names no Redshift snapshot`,
    });
  });

  it('prefers the ARN when a call names the snapshot both ways', () => {
    const both = detail('authorize-snapshot-access', (d) => {
      (d.requestParameters as Record<string, unknown>).snapshotArn = MANUAL_1_ARN;
    });

    expect(snapshotTargets(both)).toEqual({ addresses: [{ arn: MANUAL_1_ARN }] });
  });

  it('takes the cluster from the response when the request leaves it out', () => {
    const copy = detail('copy-cluster-snapshot', (d) => {
      delete (d.requestParameters as Record<string, unknown>).sourceSnapshotClusterIdentifier;
      (d.responseElements as Record<string, unknown>).clusterIdentifier = 'finance-dr';
    });

    expect(snapshotTargets(copy)).toEqual({
      addresses: [{ id: 'finance-prod-keep-2026-10', cluster: 'finance-dr' }],
    });
  });

  it('reads a response that wraps the snapshot in `snapshot`', () => {
    const modify = detail('modify-cluster-snapshot', (d) => {
      d.responseElements = {
        snapshot: { snapshotIdentifier: 'finance-prod-manual-1', clusterIdentifier: 'finance-prod' },
      };
    });

    expect(snapshotTargets(modify)).toEqual({
      addresses: [{ id: 'finance-prod-manual-1', cluster: 'finance-prod' }],
    });
  });

  it('addresses by identifier alone when no cluster is named anywhere', () => {
    const modify = detail('modify-cluster-snapshot', (d) => {
      d.responseElements = null;
    });

    expect(snapshotTargets(modify)).toEqual({ addresses: [{ id: 'finance-prod-manual-1' }] });
  });

  it('ignores a call that names no snapshot', () => {
    const empty = detail('authorize-snapshot-access', (d) => {
      d.requestParameters = null;
    });

    expect(snapshotTargets(empty)).toEqual({ ignored: 'AuthorizeSnapshotAccess names no snapshot' });
  });

  it('does not mistake an inherited property for an event name', () => {
    const odd = detail('authorize-snapshot-access', (d) => {
      d.eventName = 'constructor';
    });

    expect(snapshotTargets(odd)).toEqual({
      ignored: 'constructor is not a snapshot change this function handles',
    });
  });
});
