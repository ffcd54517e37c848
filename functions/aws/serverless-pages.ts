import {
  ListSnapshotsCommand,
  type RedshiftServerlessClient,
  type Snapshot as ServerlessSdkSnapshot,
} from '@aws-sdk/client-redshift-serverless';
import type { PageSource } from './partition.ts';

/** ListSnapshots' largest page (maxResults 1-100): the fewest calls for a fleet. */
export const SERVERLESS_PAGE_SIZE = 100;

/**
 * Redshift Serverless ListSnapshots as a source of creation-time windows (`startTime`/`endTime`,
 * inclusive). It documents no order, so windows are listed to their end and never cut short.
 *
 * @example
 * listPartitioned(serverlessSnapshotSource(client), { pageSize: 100, concurrency: () => 8 });
 */
export function serverlessSnapshotSource(
  client: RedshiftServerlessClient,
): PageSource<ServerlessSdkSnapshot> {
  return {
    sorted: false,
    async fetch({ query, token }) {
      const out = await client.send(
        new ListSnapshotsCommand({
          maxResults: SERVERLESS_PAGE_SIZE,
          ...(token === undefined ? {} : { nextToken: token }),
          ...(query.start === undefined ? {} : { startTime: new Date(query.start) }),
          ...(query.end === undefined ? {} : { endTime: new Date(query.end) }),
        }),
      );
      return {
        items: (out.snapshots ?? []).map((s) => ({
          value: s,
          createdMs: s.snapshotCreateTime?.getTime(),
          key: s.snapshotArn ?? `${s.ownerAccount ?? ''}/${s.snapshotName ?? ''}`,
        })),
        ...(out.nextToken ? { token: out.nextToken } : {}),
      };
    },
  };
}
