import { commonErrors } from '../core/errors.ts';
import { redshiftErrors } from './errors.ts';
import {
  DAY_MS,
  MAX_GRANTS,
  type SnapshotRecord,
  type SnapshotRef,
  snapshotArn,
  snapshotKey,
  type TagRecord,
} from './model.ts';
import { RedshiftState } from './state.ts';
import { checkGrantee, checkRetention, checkSnapshotIdentifier, checkTags } from './validate.ts';

/** States from which a manual snapshot may be deleted (DeleteClusterSnapshot constraints). */
const DELETABLE = new Set(['available', 'failed', 'cancelled']);

/**
 * Redshift snapshot state plus the API's rules. Each method mirrors one API operation for
 * `account` calling in `region`, and throws the ServiceError AWS would answer with.
 */
export class RedshiftStore extends RedshiftState {
  createClusterSnapshot(
    account: string,
    region: string,
    input: { identifier: string; clusterIdentifier: string; retention?: number; tags?: TagRecord[] },
  ): SnapshotRecord {
    checkSnapshotIdentifier(input.identifier);
    if (input.retention !== undefined) checkRetention(input.retention);
    checkTags(input.tags ?? []);
    const cluster = this.getCluster(account, region, input.clusterIdentifier);
    if (!cluster) throw redshiftErrors.clusterNotFound(input.clusterIdentifier);
    if (cluster.status !== 'available') {
      throw redshiftErrors.invalidClusterState(
        `Cluster ${cluster.identifier} is not in the available state.`,
      );
    }
    return this.createSnapshot(account, region, {
      identifier: input.identifier,
      clusterIdentifier: input.clusterIdentifier,
      manualSnapshotRetentionPeriod: input.retention ?? cluster.manualSnapshotRetentionPeriod,
      tags: input.tags ?? [],
    });
  }

  authorize(account: string, region: string, ref: SnapshotRef, grantee: string): SnapshotRecord {
    const snapshot = this.resolveOwned(account, region, ref);
    checkGrantee(grantee);
    if (snapshot.snapshotType !== 'manual') {
      throw redshiftErrors.invalidSnapshotState(
        `Snapshot ${snapshot.identifier} is an automated snapshot; copy it to a manual snapshot to share it.`,
      );
    }
    if (snapshot.status !== 'available') {
      throw redshiftErrors.invalidSnapshotState(
        `Snapshot ${snapshot.identifier} is not in the available state.`,
      );
    }
    if (grantee === account) {
      throw commonErrors.invalidParameterValue('A snapshot cannot be shared with the account that owns it.');
    }
    if (snapshot.grants.includes(grantee)) {
      throw redshiftErrors.authorizationAlreadyExists(grantee, snapshot.identifier);
    }
    if (snapshot.grants.length >= MAX_GRANTS) throw redshiftErrors.authorizationQuotaExceeded(MAX_GRANTS);
    this.addGrant(snapshot, grantee);
    return snapshot;
  }

  revoke(account: string, region: string, ref: SnapshotRef, grantee: string): SnapshotRecord {
    const snapshot = this.resolveOwned(account, region, ref);
    if (!this.removeGrant(snapshot, grantee)) {
      throw redshiftErrors.authorizationNotFound(grantee, snapshot.identifier);
    }
    return snapshot;
  }

  /** Returns the removed snapshot as the API does, with status "deleted". */
  deleteSnapshot(
    account: string,
    region: string,
    identifier: string,
    clusterIdentifier?: string,
  ): SnapshotRecord {
    const snapshot = this.ownedOrNotFound(account, region, identifier, clusterIdentifier);
    if (snapshot.snapshotType !== 'manual') {
      throw redshiftErrors.invalidSnapshotState(
        `Cannot delete the snapshot ${identifier} because only manual snapshots may be deleted.`,
      );
    }
    if (!DELETABLE.has(snapshot.status)) {
      throw redshiftErrors.invalidSnapshotState(
        `Cannot delete the snapshot ${identifier} because it is in the ${snapshot.status} state.`,
      );
    }
    if (snapshot.grants.length > 0) {
      throw redshiftErrors.invalidSnapshotState(
        `Cannot delete the snapshot ${identifier} because other accounts still have access to it.`,
      );
    }
    this.remove(snapshot);
    return { ...snapshot, grants: [], status: 'deleted' };
  }

  /**
   * Shortening retention below the snapshot's age needs Force, which then deletes the snapshot
   * (ModifyClusterSnapshot semantics); the deleted record comes back with status "deleted".
   */
  modifySnapshot(
    account: string,
    region: string,
    identifier: string,
    retention: number | undefined,
    force = false,
  ): SnapshotRecord {
    const snapshot = this.ownedOrNotFound(account, region, identifier);
    if (snapshot.snapshotType !== 'manual') {
      throw redshiftErrors.invalidSnapshotState(`Snapshot ${identifier} is not a manual snapshot.`);
    }
    if (retention === undefined) return snapshot;
    checkRetention(retention);
    const ageDays = Math.floor((this.now() - snapshot.retentionStartTimeMs) / DAY_MS);
    if (retention !== -1 && ageDays >= retention) {
      if (!force) {
        throw redshiftErrors.invalidRetentionPeriod(retention);
      }
      snapshot.manualSnapshotRetentionPeriod = retention;
      this.remove(snapshot);
      return { ...snapshot, grants: [], status: 'deleted' };
    }
    snapshot.manualSnapshotRetentionPeriod = retention;
    this.version++;
    return snapshot;
  }

  /** The copy keeps the source's point in time (SnapshotCreateTime) but starts a new retention clock. */
  copySnapshot(
    account: string,
    region: string,
    input: {
      source: string;
      sourceCluster?: string | undefined;
      target: string;
      retention?: number | undefined;
    },
  ): SnapshotRecord {
    const source = this.ownedOrNotFound(account, region, input.source, input.sourceCluster);
    checkSnapshotIdentifier(input.target, 'TargetSnapshotIdentifier');
    if (this.getSnapshot(account, region, input.target))
      throw redshiftErrors.snapshotAlreadyExists(input.target);
    if (source.status !== 'available') {
      throw redshiftErrors.invalidSnapshotState(
        `Snapshot ${source.identifier} is not in the available state.`,
      );
    }
    const retention = input.retention ?? -1;
    checkRetention(retention);
    const copy: SnapshotRecord = {
      ...source,
      key: snapshotKey(source.createTimeMs, account, input.target),
      arn: snapshotArn(region, account, source.clusterIdentifier, input.target),
      identifier: input.target,
      snapshotType: 'manual',
      status: 'available',
      grants: [],
      tags: [],
      manualSnapshotRetentionPeriod: retention,
      retentionStartTimeMs: this.now(),
    };
    this.insert(copy);
    return copy;
  }

  private ownedOrNotFound(
    account: string,
    region: string,
    identifier: string,
    clusterIdentifier?: string,
  ): SnapshotRecord {
    const snapshot = this.getSnapshot(account, region, identifier);
    if (!snapshot || (clusterIdentifier && clusterIdentifier !== snapshot.clusterIdentifier)) {
      throw redshiftErrors.snapshotNotFound(identifier);
    }
    return snapshot;
  }
}
