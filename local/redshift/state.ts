import { redshiftErrors } from './errors.ts';
import {
  type ClusterInput,
  type ClusterRecord,
  DAY_MS,
  parseSnapshotArn,
  type SnapshotInput,
  type SnapshotRecord,
  type SnapshotRef,
  SUPPORT_ACCOUNT,
} from './model.ts';
import { automatedSnapshotId, buildCluster, buildSnapshot } from './records.ts';
import { SortedKeys } from './sorted-keys.ts';

/** Everything one account owns or can see in one region. */
interface Scope {
  readonly clusters: Map<string, ClusterRecord>;
  /** Owned snapshots by identifier (identifiers are unique per account and region). */
  readonly owned: Map<string, SnapshotRecord>;
  /** Snapshots other accounts shared with this one, by key. */
  readonly shared: Map<string, SnapshotRecord>;
  /** Keys of owned + shared snapshots in listing order. */
  readonly visible: SortedKeys;
}

interface Region {
  readonly byKey: Map<string, SnapshotRecord>;
  readonly scopes: Map<string, Scope>;
}

/**
 * Redshift state for every account and region, and the primitive edits on it. These skip the
 * API's rules on purpose (seeding, faults that simulate another actor); RedshiftStore adds them.
 */
export class RedshiftState {
  private regions = new Map<string, Region>();
  /** Bumped on every change so derived views (custom sort orders) know when to rebuild. */
  version = 0;
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  clear(): void {
    this.regions = new Map();
    this.version++;
  }

  createCluster(account: string, region: string, input: ClusterInput): ClusterRecord {
    const scope = this.scope(account, region);
    if (scope.clusters.has(input.identifier)) throw redshiftErrors.clusterAlreadyExists();
    const nowMs = this.now();
    const cluster = buildCluster(account, region, input, nowMs);
    scope.clusters.set(cluster.identifier, cluster);
    for (let i = 0; i < (input.automatedSnapshots ?? 0); i++) {
      const createTime = nowMs - i * DAY_MS;
      this.createSnapshot(account, region, {
        identifier: automatedSnapshotId(cluster.identifier, createTime),
        clusterIdentifier: cluster.identifier,
        snapshotType: 'automated',
        createTime,
      });
    }
    this.version++;
    return cluster;
  }

  getCluster(account: string, region: string, identifier: string): ClusterRecord | undefined {
    return this.existingScope(account, region)?.clusters.get(identifier);
  }

  /** Automated snapshots go with the cluster; manual ones stay behind as orphans, as on AWS. */
  deleteCluster(account: string, region: string, identifier: string): ClusterRecord {
    const scope = this.existingScope(account, region);
    const cluster = scope?.clusters.get(identifier);
    if (!scope || !cluster) throw redshiftErrors.clusterNotFound(identifier);
    scope.clusters.delete(identifier);
    for (const snapshot of [...scope.owned.values()]) {
      if (snapshot.clusterIdentifier === identifier && snapshot.snapshotType === 'automated') {
        this.remove(snapshot);
      }
    }
    this.version++;
    return cluster;
  }

  createSnapshot(account: string, region: string, input: SnapshotInput): SnapshotRecord {
    const scope = this.scope(account, region);
    if (scope.owned.has(input.identifier)) throw redshiftErrors.snapshotAlreadyExists(input.identifier);
    const snapshot = buildSnapshot(
      account,
      region,
      input,
      scope.clusters.get(input.clusterIdentifier),
      this.now(),
    );
    this.insert(snapshot);
    for (const grantee of input.grants ?? []) this.addGrant(snapshot, grantee);
    return snapshot;
  }

  /** Adds a fully built record; its identifier must be free in the owner's scope. */
  protected insert(snapshot: SnapshotRecord): void {
    const scope = this.scope(snapshot.ownerAccount, snapshot.region);
    if (scope.owned.has(snapshot.identifier)) throw redshiftErrors.snapshotAlreadyExists(snapshot.identifier);
    scope.owned.set(snapshot.identifier, snapshot);
    scope.visible.add(snapshot.key);
    this.region(snapshot.region).byKey.set(snapshot.key, snapshot);
    this.version++;
  }

  getSnapshot(account: string, region: string, identifier: string): SnapshotRecord | undefined {
    return this.existingScope(account, region)?.owned.get(identifier);
  }

  /** Snapshots visible to `account` in `region` (owned and shared with it), in listing order. */
  listSnapshots(account: string, region: string): SnapshotRecord[] {
    const scope = this.existingScope(account, region);
    if (!scope) return [];
    const out: SnapshotRecord[] = [];
    const byKey = this.region(region).byKey;
    for (let i = 0; i < scope.visible.size; i++) {
      const snapshot = byKey.get(scope.visible.at(i) as string);
      if (snapshot) out.push(snapshot);
    }
    return out;
  }

  /** Read access for the describe engine; creates nothing. */
  view(
    account: string,
    region: string,
  ): { visible: SortedKeys; byKey: Map<string, SnapshotRecord> } | undefined {
    const scope = this.existingScope(account, region);
    const r = this.regions.get(region);
    return scope && r ? { visible: scope.visible, byKey: r.byKey } : undefined;
  }

  /**
   * Snapshots with this identifier that `account` can see, its own and ones other accounts share
   * with it under the same name, in listing order: AWS does not promise the caller's own first.
   */
  findVisible(account: string, region: string, identifier: string): SnapshotRecord[] {
    const scope = this.existingScope(account, region);
    if (!scope) return [];
    const own = scope.owned.get(identifier);
    const shared = [...scope.shared.values()].filter((s) => s.identifier === identifier);
    return (own ? [own, ...shared] : shared).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The caller's own snapshot with this identifier if it has one, else the first one shared with it. */
  findOwnFirst(account: string, region: string, identifier: string): SnapshotRecord | undefined {
    return (
      this.existingScope(account, region)?.owned.get(identifier) ??
      this.findVisible(account, region, identifier)[0]
    );
  }

  findByArn(account: string, region: string, arn: string): SnapshotRecord | undefined {
    const parsed = parseSnapshotArn(arn);
    if (!parsed || parsed.region !== region) return undefined;
    const snapshot = this.existingScope(parsed.account, region)?.owned.get(parsed.identifier);
    if (!snapshot || snapshot.clusterIdentifier !== parsed.clusterIdentifier) return undefined;
    const visible = snapshot.ownerAccount === account || snapshot.grants.includes(account);
    return visible ? snapshot : undefined;
  }

  /**
   * The caller's own snapshot for a mutating call. A snapshot the caller can only see through
   * sharing is reported as AccessToSnapshotDenied; anything else as not found, without leaking.
   */
  resolveOwned(account: string, region: string, ref: SnapshotRef): SnapshotRecord {
    const label = 'arn' in ref ? ref.arn : ref.identifier;
    const candidate =
      'arn' in ref
        ? this.findByArn(account, region, ref.arn)
        : this.findOwnFirst(account, region, ref.identifier);
    if (!candidate) throw redshiftErrors.snapshotNotFound(label);
    if (candidate.ownerAccount !== account) throw redshiftErrors.accessToSnapshotDenied(label);
    if (!('arn' in ref) && ref.clusterIdentifier && ref.clusterIdentifier !== candidate.clusterIdentifier) {
      throw redshiftErrors.snapshotNotFound(label);
    }
    return candidate;
  }

  /** Grant without API checks, e.g. for seeding or a fault that simulates another actor. */
  addGrant(snapshot: SnapshotRecord, grantee: string): void {
    if (snapshot.grants.includes(grantee)) return;
    snapshot.grants.push(grantee);
    if (grantee !== SUPPORT_ACCOUNT && grantee !== snapshot.ownerAccount) {
      const scope = this.scope(grantee, snapshot.region);
      scope.shared.set(snapshot.key, snapshot);
      scope.visible.add(snapshot.key);
    }
    this.version++;
  }

  /** Revoke without API checks; returns whether a grant was removed. */
  removeGrant(snapshot: SnapshotRecord, grantee: string): boolean {
    const i = snapshot.grants.indexOf(grantee);
    if (i < 0) return false;
    snapshot.grants.splice(i, 1);
    const scope = this.existingScope(grantee, snapshot.region);
    if (scope?.shared.delete(snapshot.key)) scope.visible.delete(snapshot.key);
    this.version++;
    return true;
  }

  /** Delete without API checks (grants are dropped too), e.g. for a "vanished" fault. */
  remove(snapshot: SnapshotRecord): void {
    for (const grantee of [...snapshot.grants]) this.removeGrant(snapshot, grantee);
    const scope = this.existingScope(snapshot.ownerAccount, snapshot.region);
    if (scope?.owned.get(snapshot.identifier) !== snapshot) return;
    scope.owned.delete(snapshot.identifier);
    scope.visible.delete(snapshot.key);
    this.region(snapshot.region).byKey.delete(snapshot.key);
    this.version++;
  }

  counts(): { regions: number; scopes: number; clusters: number; snapshots: number } {
    let scopes = 0;
    let clusters = 0;
    let snapshots = 0;
    for (const r of this.regions.values()) {
      snapshots += r.byKey.size;
      scopes += r.scopes.size;
      for (const s of r.scopes.values()) clusters += s.clusters.size;
    }
    return { regions: this.regions.size, scopes, clusters, snapshots };
  }

  private region(region: string): Region {
    let r = this.regions.get(region);
    if (!r) {
      r = { byKey: new Map(), scopes: new Map() };
      this.regions.set(region, r);
    }
    return r;
  }

  protected scope(account: string, region: string): Scope {
    const r = this.region(region);
    let scope = r.scopes.get(account);
    if (!scope) {
      scope = { clusters: new Map(), owned: new Map(), shared: new Map(), visible: new SortedKeys() };
      r.scopes.set(account, scope);
    }
    return scope;
  }

  private existingScope(account: string, region: string): Scope | undefined {
    return this.regions.get(region)?.scopes.get(account);
  }
}
