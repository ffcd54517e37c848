import type { CallContext, JsonService } from '../core/service.ts';
import type { TagRecord } from '../redshift/model.ts';
import { type ServerlessSnapshotRecord, serverlessErrors } from './model.ts';
import { namespaceJson, snapshotJson } from './serialize.ts';
import type { ServerlessStore } from './store.ts';

/** ListSnapshots' documented range for maxResults. */
const MAX_RESULTS = 100;

export interface ServerlessEnv {
  store: ServerlessStore;
}

/**
 * Redshift Serverless over awsJson1_1 (`X-Amz-Target: RedshiftServerless.<Op>`, the SDK's
 * `serviceTarget`): namespaces, snapshots, and snapshot sharing through resource policies.
 *
 * @example
 * const services = [redshiftService({ ..., arnSnapshots: store }), serverlessService({ store })];
 */
export function serverlessService(env: ServerlessEnv): JsonService {
  const { store } = env;
  const json = (ctx: CallContext, s: ServerlessSnapshotRecord, status?: string) =>
    snapshotJson(s, ctx.account, store.remainingDays(s), status);

  return {
    protocol: 'json',
    name: 'redshift-serverless',
    jsonVersion: '1.1',
    targetPrefix: 'RedshiftServerless',
    faultCodes: {
      // The SDK's model gives Redshift Serverless' ThrottlingException HTTP 429 (Redshift's and
      // EventBridge's throttling errors are 400).
      throttle: 'ThrottlingException',
      throttleStatus: 429,
      internal: 'InternalServerException',
      unavailable: 'ServiceUnavailableException',
    },
    actions: {
      CreateNamespace(ctx, body) {
        const namespace = store.createNamespace(ctx.account, ctx.region, {
          name: required(body, 'namespaceName'),
          ...optional('adminUsername', str(body.adminUsername)),
          ...optional('dbName', str(body.dbName)),
          ...optional('kmsKeyId', str(body.kmsKeyId)),
          tags: tags(body.tags),
        });
        return { namespace: namespaceJson(namespace) };
      },

      DeleteNamespace(ctx, body) {
        const finalName = str(body.finalSnapshotName);
        const retentionPeriod = int(body, 'finalSnapshotRetentionPeriod');
        if (retentionPeriod !== undefined && !finalName) {
          throw serverlessErrors.validation(
            'finalSnapshotRetentionPeriod is given without finalSnapshotName.',
          );
        }
        const namespace = store.deleteNamespace(
          ctx.account,
          ctx.region,
          required(body, 'namespaceName'),
          finalName ? { name: finalName, retentionPeriod } : undefined,
        );
        return { namespace: { ...namespaceJson(namespace), status: 'DELETING' } };
      },

      CreateSnapshot(ctx, body) {
        const snapshot = store.createSnapshot(ctx.account, ctx.region, {
          namespaceName: required(body, 'namespaceName'),
          name: required(body, 'snapshotName'),
          ...optional('retentionPeriod', int(body, 'retentionPeriod')),
          tags: tags(body.tags),
        });
        return { snapshot: json(ctx, snapshot, 'CREATING') };
      },

      ListSnapshots(ctx, body) {
        const max = int(body, 'maxResults') ?? MAX_RESULTS;
        if (max < 1 || max > MAX_RESULTS) {
          throw serverlessErrors.validation(`maxResults must be between 1 and ${MAX_RESULTS}.`);
        }
        const page = store.list(
          ctx.account,
          ctx.region,
          {
            namespaceName: str(body.namespaceName),
            namespaceArn: str(body.namespaceArn),
            ownerAccount: str(body.ownerAccount),
            startTimeMs: epochMs(body.startTime),
            endTimeMs: epochMs(body.endTime),
          },
          { token: str(body.nextToken), max },
        );
        return {
          snapshots: page.snapshots.map((s) => json(ctx, s)),
          ...optional('nextToken', page.nextToken),
        };
      },

      GetSnapshot(ctx, body) {
        const snapshot = store.find(ctx.account, ctx.region, {
          name: str(body.snapshotName),
          arn: str(body.snapshotArn),
          ownerAccount: str(body.ownerAccount),
        });
        return { snapshot: json(ctx, snapshot) };
      },

      UpdateSnapshot(ctx, body) {
        const name = required(body, 'snapshotName');
        const retention = int(body, 'retentionPeriod');
        const snapshot =
          retention === undefined
            ? store.owned(ctx.account, ctx.region, name)
            : store.updateRetention(ctx.account, ctx.region, name, retention);
        return { snapshot: json(ctx, snapshot) };
      },

      DeleteSnapshot(ctx, body) {
        const deleted = store.deleteSnapshot(ctx.account, ctx.region, required(body, 'snapshotName'));
        return { snapshot: json(ctx, deleted, 'DELETED') };
      },

      PutResourcePolicy(ctx, body) {
        const resourceArn = required(body, 'resourceArn');
        const policy = store.putPolicy(ctx.account, ctx.region, resourceArn, required(body, 'policy'));
        return { resourcePolicy: { resourceArn, policy } };
      },

      GetResourcePolicy(ctx, body) {
        const resourceArn = required(body, 'resourceArn');
        const policy = store.getPolicy(ctx.account, ctx.region, resourceArn);
        return { resourcePolicy: { resourceArn, policy } };
      },

      ListTagsForResource(ctx, body) {
        const found = store.tagsOf(ctx.account, ctx.region, required(body, 'resourceArn'));
        return { tags: found.map((t) => ({ key: t.key, value: t.value })) };
      },
    },
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function required(body: Record<string, unknown>, field: string): string {
  const value = str(body[field]);
  if (value === undefined || value === '') {
    throw serverlessErrors.validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function int(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw serverlessErrors.validation(`${field} must be an integer.`);
  }
  return value;
}

/**
 * ListSnapshots' startTime and endTime go as epoch seconds with a fraction (the protocol's default
 * format); rounded to whole milliseconds, as 1234567890.123 * 1000 is not exactly 1234567890123.
 */
function epochMs(value: unknown): number | undefined {
  return typeof value === 'number' ? Math.round(value * 1000) : undefined;
}

function tags(value: unknown): TagRecord[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw serverlessErrors.validation('tags must be a list.');
  return value.map((t) => {
    const tag = (t && typeof t === 'object' ? t : {}) as Record<string, unknown>;
    const key = str(tag.key);
    if (key === undefined) throw serverlessErrors.validation('Every tag needs a key.');
    return { key, value: str(tag.value) ?? '' };
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
