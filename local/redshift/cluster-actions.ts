import { commonErrors } from '../core/errors.ts';
import type { QueryParams } from '../core/query-params.ts';
import type { CallContext, QueryHandler } from '../core/service.ts';
import type { TagRecord } from './model.ts';
import { clusterElement } from './serialize.ts';
import type { RedshiftStore } from './store.ts';
import { checkClusterIdentifier, checkRetention, checkSnapshotIdentifier, checkTags } from './validate.ts';

export function readTags(params: QueryParams): TagRecord[] {
  return params.structList('Tags', 'Tag', ['Key', 'Value'] as const).map((t) => ({
    key: t.Key ?? '',
    value: t.Value ?? '',
  }));
}

/** Just enough of the cluster lifecycle to own snapshots and to orphan them. */
export function clusterActions(store: RedshiftStore): Record<string, QueryHandler> {
  return {
    CreateCluster(ctx: CallContext, params: QueryParams): string {
      const identifier = params.required('ClusterIdentifier');
      checkClusterIdentifier(identifier);
      const nodeType = params.required('NodeType');
      const masterUsername = params.required('MasterUsername');
      const manualRetention = params.int('ManualSnapshotRetentionPeriod');
      if (manualRetention !== undefined) checkRetention(manualRetention);
      const tags = readTags(params);
      checkTags(tags);
      const singleNode = params.string('ClusterType') === 'single-node';
      const cluster = store.createCluster(ctx.account, ctx.region, {
        identifier,
        nodeType,
        masterUsername,
        numberOfNodes: singleNode ? 1 : (params.int('NumberOfNodes') ?? 2),
        dbName: params.string('DBName') ?? 'dev',
        port: params.int('Port') ?? 5439,
        availabilityZone: params.string('AvailabilityZone') ?? `${ctx.region}a`,
        encrypted: params.bool('Encrypted') ?? true,
        kmsKeyId: params.string('KmsKeyId'),
        manualSnapshotRetentionPeriod: manualRetention ?? -1,
        automatedSnapshotRetentionPeriod: params.int('AutomatedSnapshotRetentionPeriod') ?? 1,
        tags,
      });
      // The stand-in is ready at once; the response still reports what AWS says at this point.
      return clusterElement(cluster, 'creating');
    },

    DeleteCluster(ctx: CallContext, params: QueryParams): string {
      const identifier = params.required('ClusterIdentifier');
      const skipFinal = params.bool('SkipFinalClusterSnapshot') ?? false;
      const finalId = params.string('FinalClusterSnapshotIdentifier');
      if (skipFinal && finalId) {
        throw commonErrors.invalidParameterCombination(
          'FinalClusterSnapshotIdentifier cannot be given when SkipFinalClusterSnapshot is true.',
        );
      }
      if (!skipFinal && !finalId) {
        throw commonErrors.invalidParameterCombination(
          'FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is true.',
        );
      }
      if (finalId) {
        checkSnapshotIdentifier(finalId, 'FinalClusterSnapshotIdentifier');
        const retention = params.int('FinalClusterSnapshotRetentionPeriod');
        store.createClusterSnapshot(ctx.account, ctx.region, {
          identifier: finalId,
          clusterIdentifier: identifier,
          ...(retention === undefined ? {} : { retention }),
        });
      }
      const cluster = store.deleteCluster(ctx.account, ctx.region, identifier);
      return clusterElement(cluster, 'deleting');
    },
  };
}
