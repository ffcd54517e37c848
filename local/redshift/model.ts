/** The alias AWS uses when a snapshot is shared with AWS Support instead of an account. */
export const SUPPORT_ACCOUNT = 'amazon-redshift-support';
/** Redshift's per-snapshot limit on accounts with restore access. */
export const MAX_GRANTS = 20;
export const MAX_TAGS = 50;
export const DEFAULT_ACCOUNT = '123456789012';

export type SnapshotType = 'manual' | 'automated';

export interface TagRecord {
  key: string;
  value: string;
}

export interface ClusterRecord {
  readonly identifier: string;
  readonly account: string;
  readonly region: string;
  readonly createTimeMs: number;
  status: string;
  nodeType: string;
  numberOfNodes: number;
  masterUsername: string;
  dbName: string;
  port: number;
  availabilityZone: string;
  vpcId: string;
  clusterVersion: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  manualSnapshotRetentionPeriod: number;
  automatedSnapshotRetentionPeriod: number;
  tags: TagRecord[];
}

export interface SnapshotRecord {
  /** Position in the listing order; see `snapshotKey`. */
  readonly key: string;
  readonly arn: string;
  readonly identifier: string;
  readonly clusterIdentifier: string;
  readonly ownerAccount: string;
  readonly region: string;
  readonly createTimeMs: number;
  readonly snapshotType: SnapshotType;
  status: string;
  port: number;
  availabilityZone: string;
  clusterCreateTimeMs: number;
  masterUsername: string;
  clusterVersion: string;
  engineFullVersion: string;
  nodeType: string;
  numberOfNodes: number;
  dbName: string;
  vpcId: string | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  encryptedWithHSM: boolean;
  /** Account ids and/or SUPPORT_ACCOUNT, in the order they were granted. */
  grants: string[];
  totalBackupSizeMb: number;
  actualIncrementalBackupSizeMb: number;
  elapsedTimeInSeconds: number;
  sourceRegion: string | undefined;
  tags: TagRecord[];
  enhancedVpcRouting: boolean;
  maintenanceTrackName: string;
  /** Undefined for automated snapshots, whose lifetime follows the cluster's automated retention. */
  manualSnapshotRetentionPeriod: number | undefined;
  retentionStartTimeMs: number;
}

export interface ClusterInput {
  identifier: string;
  nodeType?: string;
  numberOfNodes?: number;
  masterUsername?: string;
  dbName?: string;
  port?: number;
  availabilityZone?: string;
  vpcId?: string;
  clusterVersion?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  manualSnapshotRetentionPeriod?: number;
  automatedSnapshotRetentionPeriod?: number;
  tags?: TagRecord[] | Record<string, string>;
  createTime?: Date | number;
  /** Also create this many daily automated snapshots, newest now; none unless asked. */
  automatedSnapshots?: number;
}

export interface SnapshotInput {
  identifier: string;
  clusterIdentifier: string;
  snapshotType?: SnapshotType;
  createTime?: Date | number;
  status?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  manualSnapshotRetentionPeriod?: number;
  retentionStartTime?: Date | number;
  tags?: TagRecord[] | Record<string, string>;
  grants?: string[];
  totalBackupSizeMb?: number;
  sourceRegion?: string;
  nodeType?: string;
  numberOfNodes?: number;
}

/** Identifies one of the caller's snapshots the way the API does: by identifier (+cluster) or by ARN. */
export type SnapshotRef = { identifier: string; clusterIdentifier?: string | undefined } | { arn: string };

const TIME_WIDTH = 15;

/**
 * Listing order: creation time, then owner, then identifier. The marker is this key, so paging
 * resumes by binary search and stays exact while other snapshots come and go.
 */
export function snapshotKey(createTimeMs: number, owner: string, identifier: string): string {
  return `${timeKeyPrefix(createTimeMs)}|${owner}|${identifier}`;
}

export function timeKeyPrefix(ms: number): string {
  return String(Math.max(0, Math.trunc(ms))).padStart(TIME_WIDTH, '0');
}

export function snapshotArn(region: string, account: string, cluster: string, identifier: string): string {
  return `arn:aws:redshift:${region}:${account}:snapshot:${cluster}/${identifier}`;
}

const ARN = /^arn:aws[\w-]*:redshift:([a-z0-9-]+):(\d{12}):snapshot:([^/]+)\/(.+)$/;

export function parseSnapshotArn(
  arn: string,
): { region: string; account: string; clusterIdentifier: string; identifier: string } | undefined {
  const m = ARN.exec(arn);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined)
    return undefined;
  return { region: m[1], account: m[2], clusterIdentifier: m[3], identifier: m[4] };
}

export function toTagRecords(tags: TagRecord[] | Record<string, string> | undefined): TagRecord[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return tags.map((t) => ({ key: t.key, value: t.value }));
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function toMs(value: Date | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? value : value.getTime();
}

export const DAY_MS = 86_400_000;

/** Days left before a manual snapshot passes its retention period; -1 means kept indefinitely. */
export function remainingDays(snapshot: SnapshotRecord, nowMs: number): number | undefined {
  const period = snapshot.manualSnapshotRetentionPeriod;
  if (period === undefined) return undefined;
  if (period === -1) return -1;
  const elapsedDays = Math.floor((nowMs - snapshot.retentionStartTimeMs) / DAY_MS);
  return Math.max(0, period - elapsedDays);
}
