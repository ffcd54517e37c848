import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeAllPages, peekMarker } from '../../../functions/aws/pages.ts';

const redshift = mockClient(RedshiftClient);

beforeEach(() => redshift.reset());

describe('peekMarker', () => {
  it('reads the marker of a raw response and decodes XML entities', () => {
    const xml =
      '<DescribeClusterSnapshotsResult><Marker>a&amp;b&lt;c</Marker><Snapshots/></DescribeClusterSnapshotsResult>';
    expect(peekMarker(xml)).toBe('a&b<c');
  });

  it('says there is no next page when the response has no marker', () => {
    expect(
      peekMarker('<DescribeClusterSnapshotsResult><Snapshots/></DescribeClusterSnapshotsResult>'),
    ).toBeUndefined();
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
