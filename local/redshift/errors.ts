import { ServiceError } from '../core/errors.ts';

/*
 * Wire codes and HTTP statuses come from the `awsQueryError` traits in the installed
 * @aws-sdk/client-redshift schema (e.g. ClusterSnapshotNotFoundFault => ["ClusterSnapshotNotFound", 404]),
 * so each one surfaces in the client as the SDK's typed exception class.
 */
export const redshiftErrors = {
  snapshotNotFound: (id: string) =>
    new ServiceError('ClusterSnapshotNotFound', `Snapshot ${id} not found.`, 404),
  snapshotAlreadyExists: (id: string) =>
    new ServiceError(
      'ClusterSnapshotAlreadyExists',
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      400,
    ),
  clusterNotFound: (id: string) => new ServiceError('ClusterNotFound', `Cluster ${id} not found.`, 404),
  clusterAlreadyExists: () => new ServiceError('ClusterAlreadyExists', 'Cluster already exists', 400),
  invalidClusterState: (message: string) => new ServiceError('InvalidClusterState', message, 400),
  invalidSnapshotState: (message: string) => new ServiceError('InvalidClusterSnapshotState', message, 400),
  authorizationNotFound: (account: string, id: string) =>
    new ServiceError(
      'AuthorizationNotFound',
      `Account ${account} is not authorized to restore snapshot ${id}.`,
      404,
    ),
  authorizationAlreadyExists: (account: string, id: string) =>
    new ServiceError(
      'AuthorizationAlreadyExists',
      `Account ${account} is already authorized to restore snapshot ${id}.`,
      400,
    ),
  authorizationQuotaExceeded: (limit: number) =>
    new ServiceError(
      'AuthorizationQuotaExceeded',
      `A snapshot can be shared with at most ${limit} accounts.`,
      400,
    ),
  accessToSnapshotDenied: (id: string) =>
    new ServiceError(
      'AccessToSnapshotDenied',
      `Only the owner account can change access to snapshot ${id}.`,
      400,
    ),
  invalidRetentionPeriod: (value: number) =>
    new ServiceError(
      'InvalidRetentionPeriodFault',
      `Invalid retention period ${value}. The value must be either -1 or an integer between 1 and 3,653.`,
      400,
    ),
  invalidTag: (message: string) => new ServiceError('InvalidTagFault', message, 400),
  tagLimitExceeded: (limit: number) =>
    new ServiceError('TagLimitExceededFault', `You can have at most ${limit} tags on a resource.`, 400),
};
