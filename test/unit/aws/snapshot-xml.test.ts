import { DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { describe, expect, it } from 'vitest';
import {
  type ListedSnapshot,
  parseSnapshotPage,
  UnexpectedXml,
} from '../../../functions/aws/snapshot-xml.ts';
import { queryResponse } from '../../../local/core/xml.ts';
import { generateFleet } from '../../../local/fleet.ts';
import { buildSnapshot } from '../../../local/redshift/records.ts';
import { snapshotElement } from '../../../local/redshift/serialize.ts';

const XMLNS = 'http://redshift.amazonaws.com/doc/2012-12-01/';
const FIELDS: (keyof ListedSnapshot)[] = [
  'SnapshotIdentifier',
  'ClusterIdentifier',
  'SnapshotArn',
  'SnapshotType',
  'Status',
  'OwnerAccount',
  'SnapshotCreateTime',
  'Encrypted',
  'ManualSnapshotRetentionPeriod',
  'AccountsWithRestoreAccess',
  'Tags',
];

/** The SDK's own reading of `xml` as a DescribeClusterSnapshots answer: the oracle. */
async function sdkReads(xml: string) {
  const client = new RedshiftClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async () => ({
        response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(xml) },
      }),
    },
  });
  const out = await client.send(new DescribeClusterSnapshotsCommand({}));
  const snapshots = (out.Snapshots ?? []).map((s) => {
    const picked: Record<string, unknown> = {};
    for (const f of FIELDS) if (s[f] !== undefined) picked[f] = s[f];
    return picked;
  });
  return out.Marker ? { snapshots, marker: out.Marker } : { snapshots };
}

function page(body: string, marker?: string): string {
  const result = `<Snapshots>${body}</Snapshots>${marker === undefined ? '' : `<Marker>${marker}</Marker>`}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${queryResponse(XMLNS, 'DescribeClusterSnapshots', result, 'req-1')}`;
}

describe('parseSnapshotPage', () => {
  it('reads a generated page exactly as the SDK does', async () => {
    const { plan } = generateFleet({ count: 300, seed: 11, supportShare: 0.2, sharedShare: 0.5 });
    const now = Date.now();
    const records = plan.snapshots.map((s, i) => ({
      ...buildSnapshot(plan.account, plan.region, s, undefined, now),
      grants: s.grants ?? [],
      // Free-form text with every character XML escapes.
      ...(i % 7 === 0 ? { tags: [{ key: 'note', value: `a&b <c> "d" 'e'` }] } : {}),
    }));
    const xml = page(records.map((r) => snapshotElement(r, plan.account, now)).join(''), 'eyJrIjoiMDAw&amp;');

    expect(parseSnapshotPage(xml)).toEqual(await sdkReads(xml));
  });

  it('decodes entities, skips attributes, comments and whitespace, and reads self-closing lists', async () => {
    const xml = page(`
      <Snapshot>
        <SnapshotIdentifier>a&amp;b&lt;c&#62;&#x41;</SnapshotIdentifier>
        <!-- a comment -->
        <SnapshotCreateTime>2026-11-27T10:00:00.123Z</SnapshotCreateTime>
        <Encrypted>false</Encrypted>
        <OwnerAccount>123456789012</OwnerAccount>
        <ManualSnapshotRetentionPeriod>-1</ManualSnapshotRetentionPeriod>
        <Tags/>
        <AccountsWithRestoreAccess>
          <AccountWithRestoreAccess><AccountAlias>amazon-redshift-support</AccountAlias></AccountWithRestoreAccess>
        </AccountsWithRestoreAccess>
        <RestorableNodeTypes><NodeType x="a > b">ra3.xlplus</NodeType></RestorableNodeTypes>
      </Snapshot>`);

    const ours = parseSnapshotPage(xml);

    expect(ours).toEqual(await sdkReads(xml));
    expect(ours.snapshots[0]?.SnapshotIdentifier).toBe('a&b<c>A');
  });

  it('reads an empty page', async () => {
    const xml = queryResponse(XMLNS, 'DescribeClusterSnapshots', '<Snapshots/>', 'req-2');

    expect(parseSnapshotPage(xml)).toEqual({ snapshots: [] });
    expect(parseSnapshotPage(xml)).toEqual(await sdkReads(xml));
  });

  it.each([
    ['another answer', queryResponse(XMLNS, 'DescribeClusters', '<Clusters/>', 'r')],
    ['CDATA', page('<Snapshot><SnapshotIdentifier><![CDATA[x]]></SnapshotIdentifier></Snapshot>')],
    ['an unclosed element', page('<Snapshot><SnapshotIdentifier>x</Snapshot>')],
    ['a time that is not one', page('<Snapshot><SnapshotCreateTime>soon</SnapshotCreateTime></Snapshot>')],
    ['an unknown entity', page('<Snapshot><SnapshotIdentifier>&nbsp;</SnapshotIdentifier></Snapshot>')],
    // Pages the SDK would read differently without this reader noticing: all go to the SDK.
    [
      'text around an element inside a value',
      page(
        '<Snapshot><AccountsWithRestoreAccess><AccountWithRestoreAccess><AccountId>4444<x/>55556666</AccountId></AccountWithRestoreAccess></AccountsWithRestoreAccess></Snapshot>',
      ),
    ],
    [
      'a repeated field',
      page(
        '<Snapshot><AccountsWithRestoreAccess><AccountWithRestoreAccess><AccountId>444455556666</AccountId><AccountId>777788889999</AccountId></AccountWithRestoreAccess></AccountsWithRestoreAccess></Snapshot>',
      ),
    ],
    ['a namespace prefix', page('<Snapshot><r:OwnerAccount xmlns:r="u">1</r:OwnerAccount></Snapshot>')],
    ['a line break in a value', page('<Snapshot><SnapshotIdentifier>a\r\nb</SnapshotIdentifier></Snapshot>')],
    [
      'a time without its zone',
      page('<Snapshot><SnapshotCreateTime>2024-02-01T00:00:00</SnapshotCreateTime></Snapshot>'),
    ],
    [
      'a character past the BMP',
      page('<Snapshot><SnapshotIdentifier>&#x1F600;</SnapshotIdentifier></Snapshot>'),
    ],
    ['a byte order mark', `\uFEFF${page('')}`],
  ])('refuses %s, leaving the page to the SDK', (_, xml) => {
    expect(() => parseSnapshotPage(xml)).toThrow(UnexpectedXml);
  });
});
