import { DescribeClusterSnapshotsCommand, type RedshiftClient } from '@aws-sdk/client-redshift';
import type { PageRequest } from '../engine/windows.ts';
import type { PageSource } from './partition.ts';
import { type ListedSnapshot, parseSnapshotPage, type SnapshotPage } from './snapshot-xml.ts';

/** DescribeClusterSnapshots' largest page: the fewest calls for a fleet. */
export const PAGE_SIZE = 100;

/** What the SDK is left to parse once the page has been read: an answer with no snapshots. */
const READ_ALREADY = Buffer.from(
  '<DescribeClusterSnapshotsResponse><DescribeClusterSnapshotsResult></DescribeClusterSnapshotsResult></DescribeClusterSnapshotsResponse>',
);

/**
 * One DescribeClusterSnapshots page of a creation-time window, sorted by creation time. A
 * middleware between the transport and the SDK's parser reads a 200's body itself
 * (functions/aws/snapshot-xml.ts) and hands the SDK an empty answer, so the page is parsed once,
 * cheaply; anything else (an error, a body the reader does not expect, a test's mock) goes
 * through the SDK as usual.
 *
 * @example
 * await describeSnapshotPage(client, { worker: 0, query: { order: 'asc' } }); // { snapshots, marker? }
 */
export async function describeSnapshotPage(
  client: RedshiftClient,
  request: PageRequest,
): Promise<SnapshotPage> {
  const { query, token } = request;
  const command = new DescribeClusterSnapshotsCommand({
    MaxRecords: PAGE_SIZE,
    ...(token === undefined ? {} : { Marker: token }),
    ...(query.start === undefined ? {} : { StartTime: new Date(query.start) }),
    ...(query.end === undefined ? {} : { EndTime: new Date(query.end) }),
    SortingEntities: [{ Attribute: 'CREATE_TIME', SortOrder: query.order === 'desc' ? 'DESC' : 'ASC' }],
  });
  let read: SnapshotPage | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode === 200 && response.body && typeof response.body === 'object') {
        const chunks: Uint8Array[] = [];
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
        const body = Buffer.concat(chunks);
        try {
          read = parseSnapshotPage(body.toString('utf8'));
          response.body = READ_ALREADY;
        } catch {
          // The SDK's body collector takes bytes as readily as a stream.
          response.body = body;
        }
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'readSnapshotPage' },
  );
  const out = await client.send(command);
  return read ?? { snapshots: out.Snapshots ?? [], ...(out.Marker ? { marker: out.Marker } : {}) };
}

/**
 * DescribeClusterSnapshots as a source of creation-time windows: sorted, keyed by ARN (or, for a
 * record without one, by cluster and identifier).
 */
export function clusterSnapshotSource(client: RedshiftClient): PageSource<ListedSnapshot> {
  return {
    sorted: true,
    async fetch(request) {
      const page = await describeSnapshotPage(client, request);
      return {
        items: page.snapshots.map((s) => ({
          value: s,
          createdMs: s.SnapshotCreateTime?.getTime(),
          key: s.SnapshotArn ?? `${s.ClusterIdentifier ?? ''}/${s.SnapshotIdentifier ?? ''}`,
        })),
        ...(page.marker ? { token: page.marker } : {}),
      };
    },
  };
}
