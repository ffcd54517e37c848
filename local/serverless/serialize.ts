import { el, isoTime } from '../core/xml.ts';
import type { NamespaceRecord, ServerlessSnapshotRecord } from './model.ts';

/** These shapes' timestamps are RFC 3339 strings (`timestampFormat: date-time` in the SDK schema). */
const dateTime = (ms: number) => isoTime(ms);

/**
 * One Snapshot object as ListSnapshots, GetSnapshot and friends answer with it; keys follow the
 * SDK's Snapshot shape. Who may restore it is shown to its owner only, as Redshift does.
 */
export function snapshotJson(
  s: ServerlessSnapshotRecord,
  viewer: string,
  remainingDays: number,
  status = s.status,
): Record<string, unknown> {
  const owner = s.ownerAccount === viewer;
  return {
    namespaceName: s.namespaceName,
    namespaceArn: s.namespaceArn,
    snapshotName: s.name,
    snapshotCreateTime: dateTime(s.createdMs),
    adminUsername: s.adminUsername,
    status,
    kmsKeyId: s.kmsKeyId,
    ownerAccount: s.ownerAccount,
    totalBackupSizeInMegaBytes: s.sizeMb,
    actualIncrementalBackupSizeInMegaBytes: s.sizeMb,
    backupProgressInMegaBytes: s.sizeMb,
    currentBackupRateInMegaBytesPerSecond: 0,
    estimatedSecondsToCompletion: 0,
    elapsedTimeInSeconds: 60,
    snapshotRetentionPeriod: s.retentionPeriod,
    snapshotRemainingDays: remainingDays,
    snapshotRetentionStartTime: dateTime(s.retentionStartMs),
    snapshotArn: s.arn,
    ...(owner && s.restoreAccess.length > 0 ? { accountsWithRestoreAccess: [...s.restoreAccess] } : {}),
    ...(owner && s.provisionedRestoreAccess.length > 0
      ? { accountsWithProvisionedRestoreAccess: [...s.provisionedRestoreAccess] }
      : {}),
  };
}

export function namespaceJson(n: NamespaceRecord): Record<string, unknown> {
  return {
    namespaceArn: n.arn,
    namespaceId: n.id,
    namespaceName: n.name,
    adminUsername: n.adminUsername,
    dbName: n.dbName,
    kmsKeyId: n.kmsKeyId,
    iamRoles: [],
    logExports: [],
    status: 'AVAILABLE',
    creationDate: dateTime(n.createdMs),
  };
}

/**
 * The `<Snapshot>` Redshift's AuthorizeSnapshotAccess and RevokeSnapshotAccess answer with when
 * they were given a Serverless snapshot ARN: Redshift's shape, holding what a Serverless snapshot
 * has (no cluster, node type or port). Its accounts are everyone who may restore it either way.
 */
export function redshiftSnapshotXml(s: ServerlessSnapshotRecord, remainingDays: number): string {
  const accounts = [...new Set([...s.restoreAccess, ...s.provisionedRestoreAccess])];
  const grants =
    accounts.length === 0
      ? ''
      : `<AccountsWithRestoreAccess>${accounts
          .map((a) => `<AccountWithRestoreAccess>${el('AccountId', a)}</AccountWithRestoreAccess>`)
          .join('')}</AccountsWithRestoreAccess>`;
  return (
    '<Snapshot>' +
    el('SnapshotIdentifier', s.name) +
    el('SnapshotCreateTime', isoTime(s.createdMs)) +
    el('Status', s.status.toLowerCase()) +
    el('MasterUsername', s.adminUsername) +
    el('SnapshotType', 'manual') +
    el('Encrypted', true) +
    el('KmsKeyId', s.kmsKeyId) +
    grants +
    el('OwnerAccount', s.ownerAccount) +
    el('TotalBackupSizeInMegaBytes', s.sizeMb) +
    el('ManualSnapshotRetentionPeriod', s.retentionPeriod) +
    el('ManualSnapshotRemainingDays', remainingDays) +
    el('SnapshotRetentionStartTime', isoTime(s.retentionStartMs)) +
    el('SnapshotArn', s.arn) +
    '</Snapshot>'
  );
}
