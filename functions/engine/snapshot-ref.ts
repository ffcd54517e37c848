import type { Snapshot, SnapshotRef } from './model.ts';

/**
 * The small reference findings and actions carry, so a run can keep thousands of them without
 * holding on to every snapshot's grants and tags.
 *
 * @example
 * const ref = toSnapshotRef(snapshot);
 * ref.arn // 'arn:aws:redshift:us-east-1:123456789012:snapshot:finance-prod/nightly'
 */
export function toSnapshotRef(snapshot: Snapshot): SnapshotRef {
  // Every key is always written, in the same order, so all refs share one object shape.
  return {
    kind: snapshot.kind,
    id: snapshot.id,
    arn: snapshot.arn,
    cluster: snapshot.cluster,
    namespace: snapshot.namespace,
    type: snapshot.type,
    owner: snapshot.owner,
    region: snapshot.region,
    createdAt: snapshot.createdAt,
    retentionDays: snapshot.retentionDays,
  };
}
