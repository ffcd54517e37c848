import { createRandom } from './prng.ts';
import { redshiftErrors } from './redshift/errors.ts';
import {
  type ClusterInput,
  DAY_MS,
  DEFAULT_ACCOUNT,
  type SnapshotInput,
  SUPPORT_ACCOUNT,
  type TagRecord,
} from './redshift/model.ts';
import { automatedSnapshotId } from './redshift/records.ts';
import type { RedshiftStore } from './redshift/store.ts';
import {
  generateServerlessFleet,
  type ServerlessFleetPlan,
  type ServerlessFleetStats,
  serverlessFleetStats,
} from './serverless/fleet.ts';

export interface FleetOptions {
  /** Number of snapshots. */
  count: number;
  /** Number of clusters the snapshots spread over; default ceil(count / 100), at least 1. */
  clusters?: number;
  /** PRNG seed; the same seed and options always give the same fleet. */
  seed?: number;
  account?: string;
  region?: string;
  /** Reference time for ages and retention; default Date.now(). */
  now?: number | Date;
  /** Fraction of snapshots that are automated (never shared); default 0.2. */
  automatedShare?: number;
  /** Fraction of manual snapshots shared with 1-2 allowed accounts; default 0.1. */
  sharedShare?: number;
  /** Fraction of manual snapshots shared with an unknown account; default 0.01. */
  unauthorizedShare?: number;
  /** Fraction of manual snapshots shared with AWS Support; default 0.005. */
  supportShare?: number;
  /** Fraction of snapshots that are unencrypted; default 0.05. */
  unencryptedShare?: number;
  allowedAccounts?: readonly string[];
  unknownAccounts?: readonly string[];
  /** Manual retention periods to draw from; default [-1, 7, 30, 365, 3653]. */
  retentions?: readonly number[];
  /** Oldest snapshot age in days; finite retention also caps age so nothing is already expired. */
  maxAgeDays?: number;
  /** Redshift Serverless snapshots besides `count`, over ceil(n / 100) namespaces; default 0. */
  serverlessCount?: number;
}

export interface FleetPlan {
  account: string;
  region: string;
  clusters: ClusterInput[];
  snapshots: SnapshotInput[];
  serverless?: ServerlessFleetPlan;
}

/** What the fleet contains, so a benchmark can compute the minimum work an enforcer must do. */
export interface FleetStats {
  snapshots: number;
  clusters: number;
  manual: number;
  automated: number;
  /** Snapshots with at least one grant. */
  shared: number;
  grants: number;
  allowedGrants: number;
  /** Grants to account ids outside the allowlist (AWS Support counted separately). */
  unauthorizedGrants: number;
  snapshotsWithUnauthorizedGrants: number;
  supportGrants: number;
  unencrypted: number;
  /** Unencrypted snapshots with at least one grant. */
  unencryptedShared: number;
  /** Manual snapshots per retention period, e.g. { '-1': 120, '7': 98 }. */
  retention: Record<string, number>;
  /** DescribeClusterSnapshots calls needed to list the fleet at MaxRecords=100. */
  pages: number;
  /** The Redshift Serverless part, counted apart (the figures above are provisioned only). */
  serverless?: ServerlessFleetStats;
}

export const DEFAULT_ALLOWED_ACCOUNTS = ['111122223333', '444455556666'] as const;
export const DEFAULT_UNKNOWN_ACCOUNTS = ['999988887777', '555566667777', '777788889999'] as const;
const TEAMS = ['finance', 'analytics', 'platform', 'marketing'] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;

export function generateFleet(options: FleetOptions): { plan: FleetPlan; stats: FleetStats } {
  const rnd = createRandom(options.seed ?? 1);
  const account = options.account ?? DEFAULT_ACCOUNT;
  const region = options.region ?? 'us-east-1';
  const nowMs = options.now === undefined ? Date.now() : new Date(options.now).getTime();
  const allowed = options.allowedAccounts ?? DEFAULT_ALLOWED_ACCOUNTS;
  const unknown = options.unknownAccounts ?? DEFAULT_UNKNOWN_ACCOUNTS;
  const retentions = options.retentions ?? [-1, 7, 30, 365, 3653];
  const maxAgeDays = options.maxAgeDays ?? 800;
  const clusterCount = Math.max(1, options.clusters ?? Math.ceil(options.count / 100));

  const clusters: ClusterInput[] = [];
  for (let c = 0; c < clusterCount; c++) {
    const team = rnd.pick(TEAMS);
    const env = rnd.pick(ENVS);
    clusters.push({
      identifier: `${team}-${env}-${String(c).padStart(4, '0')}`,
      createTime: nowMs - rnd.int(maxAgeDays + 1, maxAgeDays + 400) * DAY_MS,
      tags: { team, env },
    });
  }

  const snapshots: SnapshotInput[] = [];
  const usedIds = new Set<string>();
  for (let i = 0; i < options.count; i++) {
    const cluster = clusters[i % clusterCount] as ClusterInput;
    const tags = cluster.tags as Record<string, string>;
    const encrypted = !rnd.chance(options.unencryptedShare ?? 0.05);
    const size = Math.round(rnd.int(512, 512_000) * 10) / 10;
    if (rnd.chance(options.automatedShare ?? 0.2)) {
      let createTime = nowMs - rnd.int(0, 7 * 24 * 60) * 60_000;
      let identifier = automatedSnapshotId(cluster.identifier, createTime);
      while (usedIds.has(identifier)) {
        createTime -= 1000;
        identifier = automatedSnapshotId(cluster.identifier, createTime);
      }
      usedIds.add(identifier);
      snapshots.push({
        identifier,
        clusterIdentifier: cluster.identifier,
        snapshotType: 'automated',
        createTime,
        encrypted,
        totalBackupSizeMb: size,
        tags: toTags(tags),
      });
      continue;
    }
    const retention = rnd.pick(retentions);
    const ageCap = retention === -1 ? maxAgeDays : Math.min(maxAgeDays, retention - 1);
    const createTime =
      nowMs - rnd.int(0, Math.max(0, ageCap)) * DAY_MS - rnd.int(0, DAY_MS / 1000 - 1) * 1000;
    const grants: string[] = [];
    if (rnd.chance(options.sharedShare ?? 0.1)) {
      grants.push(rnd.pick(allowed));
      if (allowed.length > 1 && rnd.chance(0.3)) {
        const second = rnd.pick(allowed);
        if (!grants.includes(second)) grants.push(second);
      }
    }
    if (unknown.length > 0 && rnd.chance(options.unauthorizedShare ?? 0.01)) grants.push(rnd.pick(unknown));
    if (rnd.chance(options.supportShare ?? 0.005)) grants.push(SUPPORT_ACCOUNT);
    const identifier = `${cluster.identifier}-m${String(i).padStart(7, '0')}`;
    usedIds.add(identifier);
    snapshots.push({
      identifier,
      clusterIdentifier: cluster.identifier,
      snapshotType: 'manual',
      createTime,
      encrypted,
      manualSnapshotRetentionPeriod: retention,
      totalBackupSizeMb: size,
      tags: toTags(tags),
      grants,
    });
  }
  const plan: FleetPlan = { account, region, clusters, snapshots };
  if (options.serverlessCount) {
    // A sequence of its own, so adding Serverless snapshots leaves the provisioned fleet as it was.
    plan.serverless = generateServerlessFleet({
      count: options.serverlessCount,
      seed: (options.seed ?? 1) + 0x5e7e,
      nowMs,
      allowedAccounts: allowed,
      unknownAccounts: unknown,
      sharedShare: options.sharedShare ?? 0.1,
      unauthorizedShare: options.unauthorizedShare ?? 0.01,
      retentions,
      maxAgeDays,
    });
  }
  return { plan, stats: fleetStats(plan, allowed) };
}

export function fleetStats(plan: FleetPlan, allowedAccounts: readonly string[]): FleetStats {
  const allowed = new Set(allowedAccounts);
  const stats: FleetStats = {
    snapshots: plan.snapshots.length,
    clusters: plan.clusters.length,
    manual: 0,
    automated: 0,
    shared: 0,
    grants: 0,
    allowedGrants: 0,
    unauthorizedGrants: 0,
    snapshotsWithUnauthorizedGrants: 0,
    supportGrants: 0,
    unencrypted: 0,
    unencryptedShared: 0,
    retention: {},
    pages: Math.max(1, Math.ceil(plan.snapshots.length / 100)),
  };
  for (const s of plan.snapshots) {
    const grants = s.grants ?? [];
    if (s.snapshotType === 'automated') stats.automated++;
    else {
      stats.manual++;
      const r = String(s.manualSnapshotRetentionPeriod ?? -1);
      stats.retention[r] = (stats.retention[r] ?? 0) + 1;
    }
    if (grants.length > 0) stats.shared++;
    if (s.encrypted === false) {
      stats.unencrypted++;
      if (grants.length > 0) stats.unencryptedShared++;
    }
    let unauthorized = 0;
    for (const g of grants) {
      stats.grants++;
      if (g === SUPPORT_ACCOUNT) stats.supportGrants++;
      else if (allowed.has(g)) stats.allowedGrants++;
      else unauthorized++;
    }
    stats.unauthorizedGrants += unauthorized;
    if (unauthorized > 0) stats.snapshotsWithUnauthorizedGrants++;
  }
  if (plan.serverless) stats.serverless = serverlessFleetStats(plan.serverless, allowedAccounts);
  return stats;
}

/**
 * Loads plans into the store. Existing clusters are reused; if any snapshot id is already taken,
 * nothing is loaded, so a repeated seed fails cleanly instead of leaving half a fleet behind.
 */
export function applyFleet(store: RedshiftStore, ...plans: FleetPlan[]): void {
  for (const plan of plans) {
    const taken = plan.snapshots.find((s) => store.getSnapshot(plan.account, plan.region, s.identifier));
    if (taken) throw redshiftErrors.snapshotAlreadyExists(taken.identifier);
  }
  for (const plan of plans) {
    for (const cluster of plan.clusters) {
      if (!store.getCluster(plan.account, plan.region, cluster.identifier)) {
        store.createCluster(plan.account, plan.region, cluster);
      }
    }
    for (const snapshot of plan.snapshots) store.createSnapshot(plan.account, plan.region, snapshot);
  }
}

function toTags(tags: Record<string, string>): TagRecord[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}
