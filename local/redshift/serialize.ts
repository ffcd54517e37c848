import { el, escapeXml, isoTime } from '../core/xml.ts';
import { type ClusterRecord, remainingDays, type SnapshotRecord, SUPPORT_ACCOUNT } from './model.ts';

/**
 * One `<Snapshot>` body (without the wrapping element, whose name depends on context).
 * Element names and order follow the Snapshot shape in the SDK schema. One template per record
 * and escaping only for free-form strings keep a 100-record page well under a millisecond.
 */
export function snapshotXml(s: SnapshotRecord, viewer: string, nowMs: number, status = s.status): string {
  // "Returns null if no accounts are authorized. Visible only to the snapshot owner."
  const grants =
    s.ownerAccount === viewer && s.grants.length > 0
      ? `<AccountsWithRestoreAccess>${grantsXml(s.grants)}</AccountsWithRestoreAccess>`
      : '';
  const retention =
    s.manualSnapshotRetentionPeriod === undefined
      ? ''
      : `<ManualSnapshotRetentionPeriod>${s.manualSnapshotRetentionPeriod}</ManualSnapshotRetentionPeriod>` +
        `<ManualSnapshotRemainingDays>${remainingDays(s, nowMs)}</ManualSnapshotRemainingDays>` +
        `<SnapshotRetentionStartTime>${isoTime(s.retentionStartTimeMs)}</SnapshotRetentionStartTime>`;
  const nodeType = escapeXml(s.nodeType);
  return `<SnapshotIdentifier>${escapeXml(s.identifier)}</SnapshotIdentifier>\
<ClusterIdentifier>${escapeXml(s.clusterIdentifier)}</ClusterIdentifier>\
<SnapshotCreateTime>${isoTime(s.createTimeMs)}</SnapshotCreateTime>\
<Status>${escapeXml(status)}</Status>\
<Port>${s.port}</Port>\
<AvailabilityZone>${escapeXml(s.availabilityZone)}</AvailabilityZone>\
<ClusterCreateTime>${isoTime(s.clusterCreateTimeMs)}</ClusterCreateTime>\
<MasterUsername>${escapeXml(s.masterUsername)}</MasterUsername>\
<ClusterVersion>${escapeXml(s.clusterVersion)}</ClusterVersion>\
<EngineFullVersion>${escapeXml(s.engineFullVersion)}</EngineFullVersion>\
<SnapshotType>${s.snapshotType}</SnapshotType>\
<NodeType>${nodeType}</NodeType>\
<NumberOfNodes>${s.numberOfNodes}</NumberOfNodes>\
<DBName>${escapeXml(s.dbName)}</DBName>\
${el('VpcId', s.vpcId)}\
<Encrypted>${s.encrypted}</Encrypted>\
${el('KmsKeyId', s.kmsKeyId)}\
<EncryptedWithHSM>${s.encryptedWithHSM}</EncryptedWithHSM>\
${grants}\
<OwnerAccount>${escapeXml(s.ownerAccount)}</OwnerAccount>\
<TotalBackupSizeInMegaBytes>${s.totalBackupSizeMb}</TotalBackupSizeInMegaBytes>\
<ActualIncrementalBackupSizeInMegaBytes>${s.actualIncrementalBackupSizeMb}</ActualIncrementalBackupSizeInMegaBytes>\
<BackupProgressInMegaBytes>${s.actualIncrementalBackupSizeMb}</BackupProgressInMegaBytes>\
<CurrentBackupRateInMegaBytesPerSecond>0</CurrentBackupRateInMegaBytesPerSecond>\
<EstimatedSecondsToCompletion>0</EstimatedSecondsToCompletion>\
<ElapsedTimeInSeconds>${s.elapsedTimeInSeconds}</ElapsedTimeInSeconds>\
${el('SourceRegion', s.sourceRegion)}\
${s.tags.length > 0 ? `<Tags>${tagsXml(s.tags)}</Tags>` : ''}\
<RestorableNodeTypes><NodeType>${nodeType}</NodeType></RestorableNodeTypes>\
<EnhancedVpcRouting>${s.enhancedVpcRouting}</EnhancedVpcRouting>\
<MaintenanceTrackName>${escapeXml(s.maintenanceTrackName)}</MaintenanceTrackName>\
${retention}\
<SnapshotArn>${escapeXml(s.arn)}</SnapshotArn>`;
}

/** AWS Support appears by alias rather than by account id (AccountWithRestoreAccess.AccountAlias). */
function grantsXml(grants: readonly string[]): string {
  let xml = '';
  for (const g of grants) {
    xml +=
      g === SUPPORT_ACCOUNT
        ? `<AccountWithRestoreAccess><AccountAlias>${SUPPORT_ACCOUNT}</AccountAlias></AccountWithRestoreAccess>`
        : `<AccountWithRestoreAccess><AccountId>${escapeXml(g)}</AccountId></AccountWithRestoreAccess>`;
  }
  return xml;
}

function tagsXml(tags: readonly { key: string; value: string }[]): string {
  let xml = '';
  for (const t of tags)
    xml += `<Tag><Key>${escapeXml(t.key)}</Key><Value>${escapeXml(t.value)}</Value></Tag>`;
  return xml;
}

export function snapshotElement(s: SnapshotRecord, viewer: string, nowMs: number, status?: string): string {
  return `<Snapshot>${snapshotXml(s, viewer, nowMs, status)}</Snapshot>`;
}

export function clusterElement(c: ClusterRecord, status = c.status): string {
  return (
    '<Cluster>' +
    el('ClusterIdentifier', c.identifier) +
    el('NodeType', c.nodeType) +
    el('ClusterStatus', status) +
    el('ClusterAvailabilityStatus', status === 'available' ? 'Available' : 'Unavailable') +
    el('MasterUsername', c.masterUsername) +
    el('DBName', c.dbName) +
    `<Endpoint>${el('Address', `${c.identifier}.local.${c.region}.redshift.amazonaws.com`)}${el('Port', c.port)}</Endpoint>` +
    el('ClusterCreateTime', isoTime(c.createTimeMs)) +
    el('AutomatedSnapshotRetentionPeriod', c.automatedSnapshotRetentionPeriod) +
    el('ManualSnapshotRetentionPeriod', c.manualSnapshotRetentionPeriod) +
    el('VpcId', c.vpcId) +
    el('AvailabilityZone', c.availabilityZone) +
    el('ClusterVersion', c.clusterVersion) +
    el('NumberOfNodes', c.numberOfNodes) +
    el('Encrypted', c.encrypted) +
    el('KmsKeyId', c.kmsKeyId) +
    (c.tags.length > 0 ? `<Tags>${tagsXml(c.tags)}</Tags>` : '') +
    '</Cluster>'
  );
}
