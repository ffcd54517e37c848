import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeSnapshotPage } from '../../../functions/aws/describe-page.ts';
import { listSnapshots } from '../../../functions/aws/listing.ts';

const redshift = mockClient(RedshiftClient);
const client = new RedshiftClient({ region: 'us-east-1' });
const OWNER = '123456789012';

const raw = (id: string, created: string) => ({
  SnapshotIdentifier: id,
  ClusterIdentifier: 'c',
  SnapshotArn: `arn:aws:redshift:us-east-1:${OWNER}:snapshot:c/${id}`,
  SnapshotType: 'manual',
  OwnerAccount: OWNER,
  SnapshotCreateTime: new Date(created),
});

beforeEach(() => redshift.reset());

describe('describeSnapshotPage', () => {
  it('asks for a full page of one window, sorted by creation time', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [] });

    await describeSnapshotPage(client, {
      worker: 1,
      query: { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 2), order: 'desc' },
      token: 'm1',
    });

    expect(redshift).toHaveReceivedCommandWith(DescribeClusterSnapshotsCommand, {
      MaxRecords: 100,
      Marker: 'm1',
      StartTime: new Date(Date.UTC(2026, 0, 1)),
      EndTime: new Date(Date.UTC(2026, 0, 2)),
      SortingEntities: [{ Attribute: 'CREATE_TIME', SortOrder: 'DESC' }],
    });
  });

  it('falls back to the SDK’s parsed answer when it never sees the raw page', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .resolves({ Snapshots: [raw('a', '2026-01-01T00:00:00Z')], Marker: 'next' });

    const page = await describeSnapshotPage(client, { worker: 0, query: { order: 'asc' } });

    expect(page.snapshots.map((s) => s.SnapshotIdentifier)).toEqual(['a']);
    expect(page.marker).toBe('next');
  });
});

describe('listSnapshots', () => {
  it('lists a small region with one call per page, the first exactly a plain listing’s', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand, { Marker: undefined })
      .resolves({ Marker: 'p2', Snapshots: [raw('a', '2026-01-01T00:00:00Z')] })
      .on(DescribeClusterSnapshotsCommand, { Marker: 'p2' })
      .resolves({ Snapshots: [raw('b', '2026-01-02T00:00:00Z')] });

    const ids: string[] = [];
    for await (const { items } of listSnapshots(client, 'us-east-1')) {
      for (const item of items) if ('snapshot' in item) ids.push(item.snapshot.id);
    }

    expect(ids).toEqual(['a', 'b']);
    expect(redshift).toHaveReceivedCommandTimes(DescribeClusterSnapshotsCommand, 2);
    expect(redshift).toHaveReceivedNthCommandWith(DescribeClusterSnapshotsCommand, 1, {
      MaxRecords: 100,
      SortingEntities: [{ Attribute: 'CREATE_TIME', SortOrder: 'ASC' }],
    });
  });

  it('passes a failed page on to the caller', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const pages = listSnapshots(client, 'us-east-1');

    await expect(pages.next()).rejects.toThrow('denied');
  });

  it('refuses a sorted listing that comes back out of order, rather than guess what it owns', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand, { Marker: undefined })
      .resolves({ Marker: 'p2', Snapshots: [raw('late', '2026-03-01T00:00:00Z')] })
      .on(DescribeClusterSnapshotsCommand, { Marker: 'p2' })
      .resolves({ Snapshots: [raw('early', '2026-01-01T00:00:00Z')] });

    const read = async () => {
      for await (const _ of listSnapshots(client, 'us-east-1'));
    };

    await expect(read()).rejects.toThrow(/sorted by creation time/);
  });
});
