import {
  type ClusterInput,
  type ClusterRecord,
  type SnapshotInput,
  type SnapshotRecord,
  snapshotArn,
  snapshotKey,
  toMs,
  toTagRecords,
} from './model.ts';

const ENGINE_VERSION = '1.0.75574';

export function buildCluster(
  account: string,
  region: string,
  input: ClusterInput,
  nowMs: number,
): ClusterRecord {
  const encrypted = input.encrypted ?? true;
  return {
    identifier: input.identifier,
    account,
    region,
    createTimeMs: toMs(input.createTime, nowMs),
    status: 'available',
    nodeType: input.nodeType ?? 'ra3.xlplus',
    numberOfNodes: input.numberOfNodes ?? 2,
    masterUsername: input.masterUsername ?? 'awsuser',
    dbName: input.dbName ?? 'dev',
    port: input.port ?? 5439,
    availabilityZone: input.availabilityZone ?? `${region}a`,
    vpcId: input.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
    clusterVersion: input.clusterVersion ?? '1.0',
    encrypted,
    kmsKeyId: encrypted ? (input.kmsKeyId ?? defaultKmsKey(region, account)) : undefined,
    manualSnapshotRetentionPeriod: input.manualSnapshotRetentionPeriod ?? -1,
    automatedSnapshotRetentionPeriod: input.automatedSnapshotRetentionPeriod ?? 1,
    tags: toTagRecords(input.tags),
  };
}

export function defaultKmsKey(region: string, account: string): string {
  return `arn:aws:kms:${region}:${account}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
}

/** A snapshot inherits what it can from its cluster; orphans (no cluster) get plausible defaults. */
export function buildSnapshot(
  account: string,
  region: string,
  input: SnapshotInput,
  cluster: ClusterRecord | undefined,
  nowMs: number,
): SnapshotRecord {
  const createTimeMs = toMs(input.createTime, nowMs);
  const snapshotType = input.snapshotType ?? 'manual';
  const encrypted = input.encrypted ?? cluster?.encrypted ?? true;
  const size = input.totalBackupSizeMb ?? 10_240;
  const manualRetention =
    snapshotType === 'automated'
      ? undefined
      : (input.manualSnapshotRetentionPeriod ?? cluster?.manualSnapshotRetentionPeriod ?? -1);
  return {
    key: snapshotKey(createTimeMs, account, input.identifier),
    arn: snapshotArn(region, account, input.clusterIdentifier, input.identifier),
    identifier: input.identifier,
    clusterIdentifier: input.clusterIdentifier,
    ownerAccount: account,
    region,
    createTimeMs,
    snapshotType,
    status: input.status ?? 'available',
    port: cluster?.port ?? 5439,
    availabilityZone: cluster?.availabilityZone ?? `${region}a`,
    clusterCreateTimeMs: cluster?.createTimeMs ?? createTimeMs - 30 * 86_400_000,
    masterUsername: cluster?.masterUsername ?? 'awsuser',
    clusterVersion: cluster?.clusterVersion ?? '1.0',
    engineFullVersion: ENGINE_VERSION,
    nodeType: input.nodeType ?? cluster?.nodeType ?? 'ra3.xlplus',
    numberOfNodes: input.numberOfNodes ?? cluster?.numberOfNodes ?? 2,
    dbName: cluster?.dbName ?? 'dev',
    vpcId: cluster?.vpcId ?? 'vpc-0a1b2c3d4e5f60718',
    encrypted,
    kmsKeyId: encrypted ? (input.kmsKeyId ?? cluster?.kmsKeyId ?? defaultKmsKey(region, account)) : undefined,
    encryptedWithHSM: false,
    grants: [],
    totalBackupSizeMb: size,
    actualIncrementalBackupSizeMb: Math.round(size * 0.1 * 10) / 10,
    elapsedTimeInSeconds: Math.max(1, Math.round(size / 200)),
    sourceRegion: input.sourceRegion,
    tags: toTagRecords(input.tags),
    enhancedVpcRouting: false,
    maintenanceTrackName: 'current',
    manualSnapshotRetentionPeriod: manualRetention,
    retentionStartTimeMs: toMs(input.retentionStartTime, createTimeMs),
  };
}

/** `rs:<cluster>-YYYY-MM-DD-HH-MM-SS`, the naming AWS uses for automated snapshots. */
export function automatedSnapshotId(clusterIdentifier: string, createTimeMs: number): string {
  const stamp = new Date(createTimeMs).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `rs:${clusterIdentifier}-${stamp}`;
}
