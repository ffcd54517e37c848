import type { FleetPlan } from './fleet.ts';
import { type ClusterInput, DAY_MS, type SnapshotInput, SUPPORT_ACCOUNT } from './redshift/model.ts';
import { automatedSnapshotId } from './redshift/records.ts';

/**
 * The small, readable fleet behind `--seed demo`: a dozen snapshots over three clusters, each
 * chosen to show one kind of finding (or, for the controls, none).
 */
export const DEMO = {
  account: '123456789012',
  /** Owns one snapshot that it shares with the demo account. */
  otherAccount: '222233334444',
  allowedAccounts: ['111122223333', '444455556666'],
  clusters: ['finance-prod', 'analytics', 'sandbox'],
  expectations: {
    allowedGrants: [
      { snapshot: 'finance-prod-daily-share', account: '111122223333' },
      { snapshot: 'sandbox-scratch-shared', account: '444455556666' },
    ],
    unauthorizedGrants: [
      { snapshot: 'finance-prod-q3-export', account: '999988887777' },
      { snapshot: 'analytics-team-share', account: '777788889999' },
    ],
    supportGrants: [{ snapshot: 'finance-prod-support-case', account: SUPPORT_ACCOUNT }],
    unencryptedShared: ['sandbox-scratch-shared'],
    indefiniteRetention: ['analytics-forever', 'legal-hold-finance-2022'],
    maxRetention: ['analytics-archive-10y'],
    /** Manual snapshots older than 400 days. */
    staleManual: ['finance-prod-2023-yearend', 'legal-hold-finance-2022'],
    legalHold: ['legal-hold-finance-2022'],
    /** One automated snapshot of finance-prod, named rs:finance-prod-<timestamp>. */
    automated: [{ cluster: 'finance-prod', count: 1 }],
    taggedShare: {
      snapshot: 'analytics-team-share',
      tag: { key: 'team', value: 'analytics' },
      account: '777788889999',
    },
    sharedWithDemoAccount: {
      snapshot: 'partner-dw-shared-to-us',
      owner: '222233334444',
      cluster: 'partner-dw',
    },
    /** Snapshots with nothing to report. */
    clean: ['analytics-weekly', 'sandbox-tmp'],
    /** Redshift Serverless: one share the policy allows, one it does not. */
    serverless: {
      namespace: 'sales-serverless',
      allowedGrants: [{ snapshot: 'sales-serverless-dr-copy', account: '111122223333' }],
      unauthorizedGrants: [{ snapshot: 'sales-serverless-q3-share', account: '999988887777' }],
    },
  },
} as const;

interface DemoSnapshot {
  id: string;
  cluster: string;
  ageDays: number;
  retention?: number;
  grants?: string[];
  tags?: Record<string, string>;
}

const OWNED: DemoSnapshot[] = [
  {
    id: 'finance-prod-daily-share',
    cluster: 'finance-prod',
    ageDays: 5,
    retention: 30,
    grants: ['111122223333'],
  },
  {
    id: 'finance-prod-q3-export',
    cluster: 'finance-prod',
    ageDays: 40,
    retention: 365,
    grants: ['999988887777'],
  },
  {
    id: 'finance-prod-support-case',
    cluster: 'finance-prod',
    ageDays: 2,
    retention: 7,
    grants: [SUPPORT_ACCOUNT],
  },
  { id: 'finance-prod-2023-yearend', cluster: 'finance-prod', ageDays: 500, retention: 1000 },
  {
    id: 'legal-hold-finance-2022',
    cluster: 'finance-prod',
    ageDays: 700,
    retention: -1,
    tags: { 'legal-hold': 'true' },
  },
  { id: 'analytics-forever', cluster: 'analytics', ageDays: 90, retention: -1 },
  { id: 'analytics-archive-10y', cluster: 'analytics', ageDays: 200, retention: 3653 },
  {
    id: 'analytics-team-share',
    cluster: 'analytics',
    ageDays: 10,
    retention: 30,
    grants: ['777788889999'],
    tags: { team: 'analytics' },
  },
  { id: 'analytics-weekly', cluster: 'analytics', ageDays: 3, retention: 30 },
  { id: 'sandbox-scratch-shared', cluster: 'sandbox', ageDays: 6, retention: 14, grants: ['444455556666'] },
  { id: 'sandbox-tmp', cluster: 'sandbox', ageDays: 1, retention: 7 },
];

/** Demo plans: the demo account's fleet and the other account's one shared snapshot. */
export function demoPlans(region: string, now: number | Date = Date.now()): FleetPlan[] {
  const nowMs = new Date(now).getTime();
  const ago = (days: number) => nowMs - days * DAY_MS;
  const team = (cluster: string) => cluster.split('-')[0] as string;
  const clusters: ClusterInput[] = [
    { identifier: 'finance-prod', createTime: ago(900), tags: { team: 'finance', env: 'prod' } },
    { identifier: 'analytics', createTime: ago(400), tags: { team: 'analytics', env: 'prod' } },
    { identifier: 'sandbox', createTime: ago(60), encrypted: false, tags: { team: 'platform', env: 'dev' } },
  ];
  const snapshots: SnapshotInput[] = OWNED.map((s) => ({
    identifier: s.id,
    clusterIdentifier: s.cluster,
    createTime: ago(s.ageDays),
    manualSnapshotRetentionPeriod: s.retention ?? -1,
    grants: s.grants ?? [],
    tags: { team: team(s.cluster), env: s.cluster === 'sandbox' ? 'dev' : 'prod', ...s.tags },
  }));
  const automatedTime = ago(1);
  snapshots.push({
    identifier: automatedSnapshotId('finance-prod', automatedTime),
    clusterIdentifier: 'finance-prod',
    snapshotType: 'automated',
    createTime: automatedTime,
    tags: { team: 'finance', env: 'prod' },
  });
  const other: FleetPlan = {
    account: DEMO.otherAccount,
    region,
    clusters: [{ identifier: 'partner-dw', createTime: ago(300) }],
    snapshots: [
      {
        identifier: 'partner-dw-shared-to-us',
        clusterIdentifier: 'partner-dw',
        createTime: ago(12),
        manualSnapshotRetentionPeriod: 90,
        grants: [DEMO.account],
      },
    ],
  };
  const sales = { namespaceName: 'sales-serverless', tags: { team: 'sales', env: 'prod' } };
  const serverless = {
    namespaces: [{ name: 'sales-serverless', createTime: ago(200), tags: sales.tags }],
    snapshots: [
      {
        ...sales,
        name: 'sales-serverless-dr-copy',
        createTime: ago(4),
        retentionPeriod: 30,
        restoreAccess: ['111122223333'],
      },
      {
        ...sales,
        name: 'sales-serverless-q3-share',
        createTime: ago(20),
        retentionPeriod: 90,
        restoreAccess: ['999988887777'],
      },
    ],
  };
  return [{ account: DEMO.account, region, clusters, snapshots, serverless }, other];
}
