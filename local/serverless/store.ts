import { commonErrors } from '../core/errors.ts';
import { redshiftErrors } from '../redshift/errors.ts';
import { MAX_GRANTS, type TagRecord } from '../redshift/model.ts';
import type { ArnSnapshotAccess } from '../redshift/service.ts';
import { checkGrantee } from '../redshift/validate.ts';
import {
  type NamespaceRecord,
  parseServerlessArn,
  type ServerlessSnapshotRecord,
  serverlessErrors,
} from './model.ts';
import { grantsFromPolicy, policyFromGrants } from './policy.ts';
import { redshiftSnapshotXml } from './serialize.ts';
import { checkRetentionPeriod, ServerlessState } from './state.ts';

export type ListFilter = {
  namespaceName?: string | undefined;
  namespaceArn?: string | undefined;
  ownerAccount?: string | undefined;
  startTimeMs?: number | undefined;
  endTimeMs?: number | undefined;
};

const encodeToken = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

function decodeToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{15}\|\d{12}\|.+$/.test(key)) throw serverlessErrors.validation('Invalid nextToken.');
  return key;
}

/**
 * Redshift Serverless snapshot state plus the API's rules. Each method mirrors one operation for
 * `account` calling in `region` and throws the ServiceError AWS would answer with. It also takes
 * Redshift's AuthorizeSnapshotAccess and RevokeSnapshotAccess for Serverless snapshot ARNs.
 */
export class ServerlessStore extends ServerlessState implements ArnSnapshotAccess {
  /**
   * One page of what `account` sees, in a fixed order. The token is the last key returned, so a
   * page resumes exactly after it even when snapshots come and go in between.
   */
  list(
    account: string,
    region: string,
    filter: ListFilter,
    page: { token?: string | undefined; max: number },
  ): { snapshots: ServerlessSnapshotRecord[]; nextToken?: string } {
    if (filter.namespaceName && !this.getNamespace(account, region, filter.namespaceName)) {
      throw serverlessErrors.notFound(`Namespace ${filter.namespaceName}`);
    }
    const after = page.token === undefined ? undefined : decodeToken(page.token);
    const out: ServerlessSnapshotRecord[] = [];
    for (const s of this.inRegion(region)) {
      if (after !== undefined && s.key <= after) continue;
      if (!this.visibleTo(account, s) || !matches(s, filter)) continue;
      if (out.length === page.max) {
        const last = out[out.length - 1] as ServerlessSnapshotRecord;
        return { snapshots: out, nextToken: encodeToken(last.key) };
      }
      out.push(s);
    }
    return { snapshots: out };
  }

  /** By name in the owner's account (the caller's unless `ownerAccount` says otherwise), or by ARN. */
  find(
    account: string,
    region: string,
    by: { name?: string | undefined; arn?: string | undefined; ownerAccount?: string | undefined },
  ): ServerlessSnapshotRecord {
    if ((by.name === undefined) === (by.arn === undefined)) {
      throw serverlessErrors.validation('Specify either snapshotName or snapshotArn.');
    }
    const snapshot = by.arn
      ? this.getByArn(by.arn)
      : this.getByName(by.ownerAccount ?? account, region, by.name as string);
    if (!snapshot || snapshot.region !== region || !this.visibleTo(account, snapshot)) {
      throw serverlessErrors.notFound(`Snapshot ${by.arn ?? by.name}`);
    }
    return snapshot;
  }

  /**
   * DeleteNamespace: with `finalSnapshot`, a snapshot of the namespace is taken first (a name
   * already in use refuses the whole call); the namespace's snapshots outlive it.
   */
  deleteNamespace(
    account: string,
    region: string,
    name: string,
    finalSnapshot?: { name: string; retentionPeriod?: number | undefined },
  ): NamespaceRecord {
    const namespace = this.getNamespace(account, region, name);
    if (!namespace) throw serverlessErrors.notFound(`Namespace ${name}`);
    if (finalSnapshot) {
      this.createSnapshot(account, region, {
        namespaceName: name,
        name: finalSnapshot.name,
        ...(finalSnapshot.retentionPeriod === undefined
          ? {}
          : { retentionPeriod: finalSnapshot.retentionPeriod }),
      });
    }
    this.removeNamespace(namespace);
    return namespace;
  }

  owned(account: string, region: string, name: string): ServerlessSnapshotRecord {
    const snapshot = this.getByName(account, region, name);
    if (!snapshot) throw serverlessErrors.notFound(`Snapshot ${name}`);
    return snapshot;
  }

  /** Returns the removed snapshot, as the API does; a snapshot still shared is refused. */
  deleteSnapshot(account: string, region: string, name: string): ServerlessSnapshotRecord {
    const snapshot = this.owned(account, region, name);
    if (snapshot.restoreAccess.length > 0 || snapshot.provisionedRestoreAccess.length > 0) {
      throw serverlessErrors.conflict(
        `Snapshot ${name} cannot be deleted because other accounts still have access to it.`,
      );
    }
    this.remove(snapshot);
    return snapshot;
  }

  updateRetention(
    account: string,
    region: string,
    name: string,
    retention: number,
  ): ServerlessSnapshotRecord {
    const snapshot = this.owned(account, region, name);
    checkRetentionPeriod(retention);
    snapshot.retentionPeriod = retention;
    this.version++;
    return snapshot;
  }

  /** The caller's own snapshot a resource-policy call names; only snapshots take policies here. */
  private policyTarget(account: string, region: string, arn: string): ServerlessSnapshotRecord {
    const parsed = parseServerlessArn(arn);
    if (parsed?.type !== 'snapshot') {
      throw serverlessErrors.validation(`Resource policies are supported on snapshots only: ${arn}`);
    }
    const snapshot = this.getByArn(arn);
    if (!snapshot || snapshot.region !== region || snapshot.ownerAccount !== account) {
      throw serverlessErrors.notFound(`Snapshot ${arn}`);
    }
    return snapshot;
  }

  /** Replaces who may restore the snapshot with the accounts the policy names. */
  putPolicy(account: string, region: string, arn: string, policy: string): string {
    const snapshot = this.policyTarget(account, region, arn);
    const grants = grantsFromPolicy(policy);
    const all = new Set([...grants.restoreAccess, ...grants.provisionedRestoreAccess]);
    if (all.has(account)) throw serverlessErrors.validation('A snapshot cannot be shared with its owner.');
    if (all.size > MAX_GRANTS) throw serverlessErrors.validation(`At most ${MAX_GRANTS} accounts.`);
    snapshot.restoreAccess = grants.restoreAccess;
    snapshot.provisionedRestoreAccess = grants.provisionedRestoreAccess;
    this.version++;
    return policyFromGrants(snapshot);
  }

  getPolicy(account: string, region: string, arn: string): string {
    const snapshot = this.policyTarget(account, region, arn);
    if (snapshot.restoreAccess.length === 0 && snapshot.provisionedRestoreAccess.length === 0) {
      throw serverlessErrors.notFound(`Resource policy for ${arn}`);
    }
    return policyFromGrants(snapshot);
  }

  tagsOf(account: string, region: string, arn: string): TagRecord[] {
    const parsed = parseServerlessArn(arn);
    const namespace = parsed?.type === 'namespace' ? this.namespaceByArn(arn) : undefined;
    const snapshot = parsed?.type === 'snapshot' ? this.getByArn(arn) : undefined;
    const owner = namespace?.account ?? snapshot?.ownerAccount;
    if (owner !== account || parsed?.region !== region) throw serverlessErrors.notFound(`Resource ${arn}`);
    return namespace?.tags ?? snapshot?.tags ?? [];
  }

  private namespaceByArn(arn: string) {
    for (const n of this.namespaces.values()) if (n.arn === arn) return n;
    return undefined;
  }

  claims(arn: string): boolean {
    return parseServerlessArn(arn)?.type === 'snapshot';
  }

  /** Redshift's view of sharing: an authorized account may restore the snapshot either way. */
  authorize(account: string, region: string, arn: string, grantee: string): string {
    const snapshot = this.sharedBy(account, region, arn);
    checkGrantee(grantee);
    if (grantee === account) {
      throw commonErrors.invalidParameterValue('A snapshot cannot be shared with the account that owns it.');
    }
    if (snapshot.status !== 'AVAILABLE') {
      throw redshiftErrors.invalidSnapshotState(`Snapshot ${arn} is not in the available state.`);
    }
    const both = [snapshot.restoreAccess, snapshot.provisionedRestoreAccess];
    if (both.every((list) => list.includes(grantee))) {
      throw redshiftErrors.authorizationAlreadyExists(grantee, arn);
    }
    if (new Set([...both.flat(), grantee]).size > MAX_GRANTS) {
      throw redshiftErrors.authorizationQuotaExceeded(MAX_GRANTS);
    }
    for (const list of both) if (!list.includes(grantee)) list.push(grantee);
    this.version++;
    return redshiftSnapshotXml(snapshot, this.remainingDays(snapshot));
  }

  /** Takes the account off both lists: after a revoke it may restore the snapshot in no way. */
  revoke(account: string, region: string, arn: string, grantee: string): string {
    const snapshot = this.sharedBy(account, region, arn);
    const before = snapshot.restoreAccess.length + snapshot.provisionedRestoreAccess.length;
    snapshot.restoreAccess = snapshot.restoreAccess.filter((a) => a !== grantee);
    snapshot.provisionedRestoreAccess = snapshot.provisionedRestoreAccess.filter((a) => a !== grantee);
    if (snapshot.restoreAccess.length + snapshot.provisionedRestoreAccess.length === before) {
      throw redshiftErrors.authorizationNotFound(grantee, arn);
    }
    this.version++;
    return redshiftSnapshotXml(snapshot, this.remainingDays(snapshot));
  }

  /**
   * What `revoke` answers, without revoking: Redshift's view of the snapshot leaves the account
   * out while its own grants (what GetSnapshot shows) keep it. The revokeKeepsAccess fault.
   */
  revokeAnswerOnly(account: string, region: string, arn: string, grantee: string): string {
    const snapshot = this.sharedBy(account, region, arn);
    const others = (list: string[]) => list.filter((a) => a !== grantee);
    if (!snapshot.restoreAccess.includes(grantee) && !snapshot.provisionedRestoreAccess.includes(grantee)) {
      throw redshiftErrors.authorizationNotFound(grantee, arn);
    }
    const view = {
      ...snapshot,
      restoreAccess: others(snapshot.restoreAccess),
      provisionedRestoreAccess: others(snapshot.provisionedRestoreAccess),
    };
    return redshiftSnapshotXml(view, this.remainingDays(snapshot));
  }

  /** The snapshot a Redshift sharing call names, with Redshift's errors (it is Redshift answering). */
  private sharedBy(account: string, region: string, arn: string): ServerlessSnapshotRecord {
    const snapshot = this.getByArn(arn);
    if (!snapshot || snapshot.region !== region || !this.visibleTo(account, snapshot)) {
      throw redshiftErrors.snapshotNotFound(arn);
    }
    if (snapshot.ownerAccount !== account) throw redshiftErrors.accessToSnapshotDenied(arn);
    return snapshot;
  }
}

function matches(s: ServerlessSnapshotRecord, f: ListFilter): boolean {
  return (
    (f.namespaceName === undefined || s.namespaceName === f.namespaceName) &&
    (f.namespaceArn === undefined || s.namespaceArn === f.namespaceArn) &&
    (f.ownerAccount === undefined || s.ownerAccount === f.ownerAccount) &&
    (f.startTimeMs === undefined || s.createdMs >= f.startTimeMs) &&
    (f.endTimeMs === undefined || s.createdMs <= f.endTimeMs)
  );
}
