import { commonErrors } from '../core/errors.ts';
import type { QueryParams } from '../core/query-params.ts';
import type { CallContext, QueryService } from '../core/service.ts';
import type { FaultControl } from '../faults.ts';
import { clusterActions, readTags } from './cluster-actions.ts';
import { describeSnapshots, type SnapshotFilter, type SortAttribute, type SortCache } from './describe.ts';
import { redshiftErrors } from './errors.ts';
import type { SnapshotRecord, SnapshotRef } from './model.ts';
import { snapshotElement } from './serialize.ts';
import type { RedshiftStore } from './store.ts';

export const REDSHIFT_VERSION = '2012-12-01';
const SORT_ATTRIBUTES = new Set<string>(['SOURCE_TYPE', 'TOTAL_SIZE', 'CREATE_TIME']);

/**
 * Snapshots another local service keeps that the sharing calls may name by ARN (Redshift
 * Serverless). Each call returns the `<Snapshot>` element to answer with, or throws Redshift's error.
 */
export interface ArnSnapshotAccess {
  claims(arn: string): boolean;
  authorize(account: string, region: string, arn: string, grantee: string): string;
  revoke(account: string, region: string, arn: string, grantee: string): string;
  /** Answers as `revoke` would, leaving the grant in place (the revokeKeepsAccess fault). */
  revokeAnswerOnly(account: string, region: string, arn: string, grantee: string): string;
}

export interface RedshiftEnv {
  store: RedshiftStore;
  faults: FaultControl;
  sortCache: SortCache;
  arnSnapshots?: ArnSnapshotAccess;
}

export function redshiftService(env: RedshiftEnv): QueryService {
  const { store, faults } = env;
  const one = (ctx: CallContext, s: SnapshotRecord, status?: string) =>
    snapshotElement(s, ctx.account, store.now(), status);
  const elsewhere = (ref: SnapshotRef) =>
    'arn' in ref && env.arnSnapshots?.claims(ref.arn)
      ? { arn: ref.arn, access: env.arnSnapshots }
      : undefined;

  return {
    protocol: 'query',
    name: 'redshift',
    version: REDSHIFT_VERSION,
    xmlns: `http://redshift.amazonaws.com/doc/${REDSHIFT_VERSION}/`,
    faultCodes: { throttle: 'Throttling', internal: 'InternalFailure', unavailable: 'ServiceUnavailable' },
    actions: {
      ...clusterActions(store),

      CreateClusterSnapshot(ctx, params) {
        const snapshot = store.createClusterSnapshot(ctx.account, ctx.region, {
          identifier: params.required('SnapshotIdentifier'),
          clusterIdentifier: params.required('ClusterIdentifier'),
          ...optional('retention', params.int('ManualSnapshotRetentionPeriod')),
          tags: readTags(params),
        });
        return one(ctx, snapshot, 'creating');
      },

      DescribeClusterSnapshots(ctx, params) {
        const maxRecords = params.int('MaxRecords') ?? 100;
        if (maxRecords < 20 || maxRecords > 100) {
          throw commonErrors.invalidParameterValue('MaxRecords must be between 20 and 100.');
        }
        const result = describeSnapshots(
          store,
          ctx.account,
          ctx.region,
          readFilter(params),
          { marker: params.string('Marker'), maxRecords },
          env.sortCache,
        );
        const nowMs = store.now();
        let xml = '<Snapshots>';
        for (const s of result.snapshots) xml += snapshotElement(s, ctx.account, nowMs);
        xml += '</Snapshots>';
        // After the page is written: a snapshot on this page vanishes once it was served, grants and all.
        const vanish = faults.afterDescribePage();
        if (vanish) {
          const target = vanish.snapshotIdentifier
            ? store.findOwnFirst(ctx.account, ctx.region, vanish.snapshotIdentifier)
            : result.next;
          if (target) store.remove(target);
        }
        return result.marker === undefined ? xml : `${xml}<Marker>${result.marker}</Marker>`;
      },

      AuthorizeSnapshotAccess(ctx, params) {
        const grantee = params.required('AccountWithRestoreAccess');
        const ref = readRef(params);
        const other = elsewhere(ref);
        if (other) return other.access.authorize(ctx.account, ctx.region, other.arn, grantee);
        return one(ctx, store.authorize(ctx.account, ctx.region, ref, grantee));
      },

      RevokeSnapshotAccess(ctx, params) {
        const grantee = params.required('AccountWithRestoreAccess');
        const ref = readRef(params);
        const other = elsewhere(ref);
        if (faults.takeRevokeKeepsAccess(grantee)) {
          // Accepted, and nothing changes: the grant outlives the revoke.
          if (other) return other.access.revokeAnswerOnly(ctx.account, ctx.region, other.arn, grantee);
          const snapshot = store.resolveOwned(ctx.account, ctx.region, ref);
          if (!snapshot.grants.includes(grantee)) {
            throw redshiftErrors.authorizationNotFound(grantee, snapshot.identifier);
          }
          return one(ctx, snapshot);
        }
        if (other) return other.access.revoke(ctx.account, ctx.region, other.arn, grantee);
        if (faults.takeConcurrentRevoke()) {
          // Someone else wins the race: the grant is gone before this request is processed.
          try {
            store.removeGrant(store.resolveOwned(ctx.account, ctx.region, ref), grantee);
          } catch {
            // Nothing to race against; the real call reports whatever applies.
          }
        }
        return one(ctx, store.revoke(ctx.account, ctx.region, ref, grantee));
      },

      DeleteClusterSnapshot(ctx, params) {
        const deleted = store.deleteSnapshot(
          ctx.account,
          ctx.region,
          params.required('SnapshotIdentifier'),
          params.string('SnapshotClusterIdentifier'),
        );
        return one(ctx, deleted);
      },

      ModifyClusterSnapshot(ctx, params) {
        const snapshot = store.modifySnapshot(
          ctx.account,
          ctx.region,
          params.required('SnapshotIdentifier'),
          params.int('ManualSnapshotRetentionPeriod'),
          params.bool('Force') ?? false,
        );
        return one(ctx, snapshot);
      },

      CopyClusterSnapshot(ctx, params) {
        const copy = store.copySnapshot(ctx.account, ctx.region, {
          source: params.required('SourceSnapshotIdentifier'),
          sourceCluster: params.string('SourceSnapshotClusterIdentifier'),
          target: params.required('TargetSnapshotIdentifier'),
          retention: params.int('ManualSnapshotRetentionPeriod'),
        });
        return one(ctx, copy, 'creating');
      },
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function readRef(params: QueryParams): SnapshotRef {
  const identifier = params.string('SnapshotIdentifier');
  const arn = params.string('SnapshotArn');
  if (identifier && arn) {
    throw commonErrors.invalidParameterCombination(
      'Specify either SnapshotIdentifier or SnapshotArn, not both.',
    );
  }
  if (arn) return { arn };
  if (!identifier) throw commonErrors.missingParameter('SnapshotIdentifier');
  return { identifier, clusterIdentifier: params.string('SnapshotClusterIdentifier') };
}

function readFilter(params: QueryParams): SnapshotFilter {
  const snapshotType = params.string('SnapshotType');
  if (snapshotType !== undefined && snapshotType !== 'manual' && snapshotType !== 'automated') {
    throw commonErrors.invalidParameterValue(
      `Invalid value for SnapshotType: ${snapshotType}. Use manual or automated.`,
    );
  }
  const sort = params
    .structList('SortingEntities', 'SnapshotSortingEntity', ['Attribute', 'SortOrder'] as const)
    .map((e) => {
      if (!e.Attribute || !SORT_ATTRIBUTES.has(e.Attribute)) {
        throw commonErrors.invalidParameterValue(`Invalid sorting attribute: ${e.Attribute ?? ''}`);
      }
      const order = e.SortOrder ?? 'ASC';
      if (order !== 'ASC' && order !== 'DESC') {
        throw commonErrors.invalidParameterValue(`Invalid sort order: ${order}`);
      }
      return { attribute: e.Attribute as SortAttribute, order: order as 'ASC' | 'DESC' };
    });
  return {
    clusterIdentifier: params.string('ClusterIdentifier'),
    snapshotIdentifier: params.string('SnapshotIdentifier'),
    snapshotArn: params.string('SnapshotArn'),
    snapshotType,
    startTimeMs: params.time('StartTime'),
    endTimeMs: params.time('EndTime'),
    ownerAccount: params.string('OwnerAccount'),
    tagKeys: params.list('TagKeys', 'TagKey'),
    tagValues: params.list('TagValues', 'TagValue'),
    clusterExists: params.bool('ClusterExists'),
    sort: sort.length > 0 ? sort : undefined,
  };
}
