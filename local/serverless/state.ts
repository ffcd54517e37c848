import { DAY_MS, MAX_TAGS, type TagRecord, toMs, toTagRecords } from '../redshift/model.ts';
import {
  AWS_OWNED_KMS_KEY,
  type NamespaceInput,
  type NamespaceRecord,
  type ServerlessSnapshotInput,
  type ServerlessSnapshotRecord,
  serverlessArn,
  serverlessErrors,
  stableUuid,
} from './model.ts';

// AWS: 3-64 lowercase letters, digits or hyphens.
const NAMESPACE_NAME = /^[a-z0-9-]{3,64}$/;
// AWS: snapshot names up to 255 characters; letters, digits and hyphens are what the console allows.
const SNAPSHOT_NAME = /^[A-Za-z0-9-]{1,255}$/;

const scopeKey = (account: string, region: string, name: string) => `${region}|${account}|${name}`;

/** Listing order, as for provisioned snapshots: creation time, then owner, then name. */
export function listingKey(createdMs: number, owner: string, name: string): string {
  return `${String(Math.max(0, Math.trunc(createdMs))).padStart(15, '0')}|${owner}|${name}`;
}

function checkTags(tags: readonly TagRecord[]): void {
  if (tags.length > MAX_TAGS) throw serverlessErrors.tooManyTags();
  const keys = new Set(tags.map((t) => t.key));
  if (keys.size !== tags.length || tags.some((t) => t.key.length === 0 || t.key.length > 128)) {
    throw serverlessErrors.validation('Tag keys must be unique and 1-128 characters long.');
  }
}

export function checkRetentionPeriod(value: number): void {
  if (value !== -1 && (!Number.isInteger(value) || value < 1 || value > 3653)) {
    throw serverlessErrors.validation(
      `Invalid retention period ${value}: use -1 (indefinitely) or 1 to 3653 days.`,
    );
  }
}

/**
 * Redshift Serverless namespaces and snapshots for every account and region, and the primitive
 * edits on them. Names are unique per account and region; ARNs identify across accounts.
 */
export class ServerlessState {
  protected namespaces = new Map<string, NamespaceRecord>();
  protected byName = new Map<string, ServerlessSnapshotRecord>();
  protected byArn = new Map<string, ServerlessSnapshotRecord>();
  private sorted = new Map<string, { version: number; list: ServerlessSnapshotRecord[] }>();
  /** Bumped on every change so the sorted listing knows when to rebuild. */
  version = 0;
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  clear(): void {
    this.namespaces = new Map();
    this.byName = new Map();
    this.byArn = new Map();
    this.version++;
  }

  createNamespace(account: string, region: string, input: NamespaceInput): NamespaceRecord {
    if (!NAMESPACE_NAME.test(input.name)) {
      throw serverlessErrors.validation(
        `Invalid namespaceName ${input.name}: 3-64 lowercase letters, digits or hyphens.`,
      );
    }
    const key = scopeKey(account, region, input.name);
    if (this.namespaces.has(key)) throw serverlessErrors.conflict(`Namespace ${input.name} already exists.`);
    const tags = toTagRecords(input.tags);
    checkTags(tags);
    const createdMs = toMs(input.createTime, this.now());
    const id = stableUuid('namespace', account, region, input.name, createdMs);
    const namespace: NamespaceRecord = {
      name: input.name,
      id,
      arn: serverlessArn(region, account, 'namespace', id),
      account,
      region,
      createdMs,
      adminUsername: input.adminUsername ?? 'admin',
      dbName: input.dbName ?? 'dev',
      kmsKeyId: input.kmsKeyId ?? AWS_OWNED_KMS_KEY,
      tags,
    };
    this.namespaces.set(key, namespace);
    this.version++;
    return namespace;
  }

  getNamespace(account: string, region: string, name: string): NamespaceRecord | undefined {
    return this.namespaces.get(scopeKey(account, region, name));
  }

  /** Removes a namespace; its snapshots stay, as on AWS. */
  removeNamespace(namespace: NamespaceRecord): void {
    this.namespaces.delete(scopeKey(namespace.account, namespace.region, namespace.name));
    this.version++;
  }

  createSnapshot(account: string, region: string, input: ServerlessSnapshotInput): ServerlessSnapshotRecord {
    const namespace = this.getNamespace(account, region, input.namespaceName);
    if (!namespace) throw serverlessErrors.notFound(`Namespace ${input.namespaceName}`);
    if (!SNAPSHOT_NAME.test(input.name)) {
      throw serverlessErrors.validation(`Invalid snapshotName ${input.name}.`);
    }
    if (this.byName.has(scopeKey(account, region, input.name))) {
      throw serverlessErrors.conflict(`Snapshot ${input.name} already exists.`);
    }
    const retentionPeriod = input.retentionPeriod ?? -1;
    checkRetentionPeriod(retentionPeriod);
    const tags = toTagRecords(input.tags);
    checkTags(tags);
    const createdMs = toMs(input.createTime, this.now());
    const id = stableUuid('snapshot', account, region, input.name, createdMs);
    const snapshot: ServerlessSnapshotRecord = {
      key: listingKey(createdMs, account, input.name),
      name: input.name,
      arn: serverlessArn(region, account, 'snapshot', id),
      namespaceName: namespace.name,
      namespaceArn: namespace.arn,
      ownerAccount: account,
      region,
      createdMs,
      adminUsername: namespace.adminUsername,
      kmsKeyId: namespace.kmsKeyId,
      sizeMb: input.sizeMb ?? 10_240,
      status: 'AVAILABLE',
      retentionPeriod,
      retentionStartMs: createdMs,
      restoreAccess: [...new Set(input.restoreAccess ?? [])],
      provisionedRestoreAccess: [...new Set(input.provisionedRestoreAccess ?? [])],
      tags,
    };
    this.byName.set(scopeKey(account, region, snapshot.name), snapshot);
    this.byArn.set(snapshot.arn, snapshot);
    this.version++;
    return snapshot;
  }

  getByName(account: string, region: string, name: string): ServerlessSnapshotRecord | undefined {
    return this.byName.get(scopeKey(account, region, name));
  }

  getByArn(arn: string): ServerlessSnapshotRecord | undefined {
    return this.byArn.get(arn);
  }

  /** Its owner sees it, and so does every account it is shared with (either way). */
  visibleTo(account: string, snapshot: ServerlessSnapshotRecord): boolean {
    return (
      snapshot.ownerAccount === account ||
      snapshot.restoreAccess.includes(account) ||
      snapshot.provisionedRestoreAccess.includes(account)
    );
  }

  /** Every snapshot in `region`, in listing order (rebuilt only after a change); callers filter. */
  inRegion(region: string): readonly ServerlessSnapshotRecord[] {
    const cached = this.sorted.get(region);
    if (cached && cached.version === this.version) return cached.list;
    const list: ServerlessSnapshotRecord[] = [];
    for (const s of this.byArn.values()) if (s.region === region) list.push(s);
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.sorted.set(region, { version: this.version, list });
    return list;
  }

  remove(snapshot: ServerlessSnapshotRecord): void {
    this.byName.delete(scopeKey(snapshot.ownerAccount, snapshot.region, snapshot.name));
    this.byArn.delete(snapshot.arn);
    this.version++;
  }

  /** Days left before the snapshot passes its retention period; -1 when kept indefinitely. */
  remainingDays(snapshot: ServerlessSnapshotRecord): number {
    if (snapshot.retentionPeriod === -1) return -1;
    const elapsed = Math.floor((this.now() - snapshot.retentionStartMs) / DAY_MS);
    return Math.max(0, snapshot.retentionPeriod - elapsed);
  }

  counts(): { namespaces: number; snapshots: number } {
    return { namespaces: this.namespaces.size, snapshots: this.byArn.size };
  }
}
