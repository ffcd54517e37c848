import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeAllPages, peekMarker } from '../../../functions/aws/pages.ts';

const redshift = mockClient(RedshiftClient);

beforeEach(() => redshift.reset());

/** A full page as AWS sends it: about 1.8 KB of XML per snapshot, the marker after them. */
function rawPage(marker: string, snapshots = 100): Buffer {
  const snapshot = `<Snapshot><SnapshotIdentifier>${'s'.repeat(40)}</SnapshotIdentifier>${'<Tag><Key>k</Key><Value>v</Value></Tag>'.repeat(40)}</Snapshot>`;
  return Buffer.from(
    `<DescribeClusterSnapshotsResult><Snapshots>${snapshot.repeat(snapshots)}</Snapshots><Marker>${marker}</Marker></DescribeClusterSnapshotsResult>`,
  );
}

/** A full garbage collection: v8's own, reached without starting the test process with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('peekMarker', () => {
  it('reads the marker of a raw response and decodes XML entities', () => {
    const xml =
      '<DescribeClusterSnapshotsResult><Marker>a&amp;b&lt;c</Marker><Snapshots/></DescribeClusterSnapshotsResult>';
    expect(peekMarker(Buffer.from(xml))).toBe('a&b<c');
  });

  it('says there is no next page when the response has no marker', () => {
    expect(
      peekMarker(
        Buffer.from('<DescribeClusterSnapshotsResult><Snapshots/></DescribeClusterSnapshotsResult>'),
      ),
    ).toBeUndefined();
  });

  it('keeps no page in memory through the marker it reads', () => {
    // Prepare: the markers of 100 pages of ~180 KB, each page dropped once its marker is read.
    collectGarbage();
    const before = process.memoryUsage().heapUsed;

    // Act
    const marker = (i: number) => Buffer.from(`{"k":"${i}|123456789012|prod-main-0001"}`).toString('base64');
    const markers = Array.from({ length: 100 }, (_, i) => peekMarker(rawPage(marker(i))));
    collectGarbage();

    // Assess: a marker cut from the decoded page would hold on to all of it (~18 MB here).
    expect(markers.at(-1)).toBe(marker(99));
    expect((process.memoryUsage().heapUsed - before) / 1024 / 1024).toBeLessThan(2);
  });
});

describe('describeAllPages', () => {
  it('follows the parsed marker when the raw response could not be read, one call per page', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand, { Marker: undefined })
      .resolves({ Marker: 'p2', Snapshots: [{ SnapshotIdentifier: 'a' }] })
      .on(DescribeClusterSnapshotsCommand, { Marker: 'p2' })
      .resolves({ Snapshots: [{ SnapshotIdentifier: 'b' }] });

    const ids: string[] = [];
    for await (const page of describeAllPages(new RedshiftClient({ region: 'us-east-1' }))) {
      ids.push(...page.map((s) => s.SnapshotIdentifier ?? ''));
    }

    expect(ids).toEqual(['a', 'b']);
    const calls = redshift.commandCalls(DescribeClusterSnapshotsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { MaxRecords: 100, Marker: undefined },
      { MaxRecords: 100, Marker: 'p2' },
    ]);
  });

  it('passes a failed page on to the caller', async () => {
    redshift
      .on(DescribeClusterSnapshotsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const pages = describeAllPages(new RedshiftClient({ region: 'us-east-1' }));
    await expect(pages.next()).rejects.toThrow('denied');
  });
});
