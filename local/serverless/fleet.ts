import { createRandom } from '../prng.ts';
import { DAY_MS } from '../redshift/model.ts';
import type { NamespaceInput, ServerlessSnapshotInput } from './model.ts';
import type { ServerlessStore } from './store.ts';

export interface ServerlessFleetOptions {
  count: number;
  seed: number;
  nowMs: number;
  allowedAccounts: readonly string[];
  unknownAccounts: readonly string[];
  /** Fraction of snapshots shared with an allowed account. */
  sharedShare: number;
  /** Fraction of snapshots shared with an unknown account. */
  unauthorizedShare: number;
  retentions: readonly number[];
  maxAgeDays: number;
}

export interface ServerlessFleetPlan {
  namespaces: NamespaceInput[];
  snapshots: ServerlessSnapshotInput[];
}

/** What a Serverless fleet holds, so a test can compute the minimum work an enforcer must do. */
export interface ServerlessFleetStats {
  namespaces: number;
  snapshots: number;
  /** Snapshots with at least one grant. */
  shared: number;
  /** Accounts per snapshot that may restore it in any way, each counted once. */
  grants: number;
  allowedGrants: number;
  unauthorizedGrants: number;
  snapshotsWithUnauthorizedGrants: number;
  /** ListSnapshots calls needed to list the fleet at maxResults=100. */
  pages: number;
}

const TEAMS = ['sales', 'ml', 'bi'] as const;

/**
 * Serverless snapshots over ceil(count / 100) namespaces. Unknown accounts land on the namespace
 * list, the provisioned list, or both, so enforcement must clear either way of restoring.
 *
 * @example
 * const plan = generateServerlessFleet({ count: 230, seed: 7, nowMs: Date.now(), ... });
 * applyServerlessFleet(store, '123456789012', 'us-east-1', plan);
 */
export function generateServerlessFleet(options: ServerlessFleetOptions): ServerlessFleetPlan {
  const rnd = createRandom(options.seed);
  const namespaces: NamespaceInput[] = [];
  const count = Math.max(1, Math.ceil(options.count / 100));
  for (let n = 0; n < count; n++) {
    const team = rnd.pick(TEAMS);
    namespaces.push({
      name: `${team}-serverless-${String(n).padStart(3, '0')}`,
      createTime: options.nowMs - (options.maxAgeDays + 30) * DAY_MS,
      tags: { team },
    });
  }
  const snapshots: ServerlessSnapshotInput[] = [];
  for (let i = 0; i < options.count; i++) {
    const namespace = namespaces[i % count] as NamespaceInput;
    const retention = rnd.pick(options.retentions);
    const ageCap = retention === -1 ? options.maxAgeDays : Math.min(options.maxAgeDays, retention - 1);
    const restoreAccess: string[] = [];
    const provisionedRestoreAccess: string[] = [];
    if (options.allowedAccounts.length > 0 && rnd.chance(options.sharedShare)) {
      restoreAccess.push(rnd.pick(options.allowedAccounts));
    }
    if (options.unknownAccounts.length > 0 && rnd.chance(options.unauthorizedShare)) {
      const account = rnd.pick(options.unknownAccounts);
      const where = rnd.next();
      if (where < 0.7) restoreAccess.push(account);
      if (where >= 0.5) provisionedRestoreAccess.push(account);
    }
    snapshots.push({
      name: `${namespace.name}-s${String(i).padStart(7, '0')}`,
      namespaceName: namespace.name,
      createTime: options.nowMs - rnd.int(0, Math.max(0, ageCap)) * DAY_MS - rnd.int(0, 86_399) * 1000,
      retentionPeriod: retention,
      tags: namespace.tags as Record<string, string>,
      restoreAccess,
      provisionedRestoreAccess,
    });
  }
  return { namespaces, snapshots };
}

export function serverlessFleetStats(
  plan: ServerlessFleetPlan,
  allowedAccounts: readonly string[],
): ServerlessFleetStats {
  const allowed = new Set(allowedAccounts);
  const stats: ServerlessFleetStats = {
    namespaces: plan.namespaces.length,
    snapshots: plan.snapshots.length,
    shared: 0,
    grants: 0,
    allowedGrants: 0,
    unauthorizedGrants: 0,
    snapshotsWithUnauthorizedGrants: 0,
    pages: Math.max(1, Math.ceil(plan.snapshots.length / 100)),
  };
  for (const s of plan.snapshots) {
    const grants = new Set([...(s.restoreAccess ?? []), ...(s.provisionedRestoreAccess ?? [])]);
    if (grants.size > 0) stats.shared++;
    let unauthorized = 0;
    for (const g of grants) {
      stats.grants++;
      if (allowed.has(g)) stats.allowedGrants++;
      else unauthorized++;
    }
    stats.unauthorizedGrants += unauthorized;
    if (unauthorized > 0) stats.snapshotsWithUnauthorizedGrants++;
  }
  return stats;
}

/** Loads a plan into the store. Namespaces that already exist are reused; snapshot names must be new. */
export function applyServerlessFleet(
  store: ServerlessStore,
  account: string,
  region: string,
  plan: ServerlessFleetPlan,
): void {
  for (const namespace of plan.namespaces) {
    if (!store.getNamespace(account, region, namespace.name))
      store.createNamespace(account, region, namespace);
  }
  for (const snapshot of plan.snapshots) store.createSnapshot(account, region, snapshot);
}
