import {
  DescribeClusterSnapshotsCommand,
  type DescribeClusterSnapshotsCommandInput,
  paginateDescribeClusterSnapshots,
  type RedshiftClient,
} from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useStandIn } from '../helpers/stand-in.ts';
import { redshiftClient } from '../helpers/stand-in-clients.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DAY = 86_400_000;

describe('local redshift paging', () => {
  const aws = useStandIn();
  let redshift: RedshiftClient;

  beforeAll(() => {
    redshift = redshiftClient(aws);
  });

  afterAll(() => {
    redshift.destroy();
  });

  /** Creates `count` manual snapshots one minute apart, oldest first. */
  const seedSequence = (count: number, prefix = 'snap') => {
    const start = Date.now() - 10 * DAY;
    aws.store.createCluster(ACCOUNT, REGION, { identifier: 'main' });
    for (let i = 0; i < count; i++) {
      aws.store.createSnapshot(ACCOUNT, REGION, {
        identifier: `${prefix}-${String(i).padStart(5, '0')}`,
        clusterIdentifier: 'main',
        createTime: start + i * 60_000,
      });
    }
  };

  it('returns each of 1,000 snapshots exactly once in 10 DescribeClusterSnapshots calls', async () => {
    // Prepare
    const [seeded] = aws.seedFleet({ count: 1000, seed: 7 });
    aws.resetCalls();
    // Act
    const seen: string[] = [];
    for await (const page of paginateDescribeClusterSnapshots({ client: redshift, pageSize: 100 }, {})) {
      for (const s of page.Snapshots ?? []) seen.push(`${s.OwnerAccount}/${s.SnapshotIdentifier}`);
    }
    // Assess
    expect(seeded?.stats.snapshots).toBe(1000);
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(aws.calls()).toEqual({ 'redshift.DescribeClusterSnapshots': 10 });
  });

  it('stays exact while snapshots are added and deleted between pages', async () => {
    // Prepare
    seedSequence(250);
    const pages = paginateDescribeClusterSnapshots({ client: redshift, pageSize: 50 }, {});
    const seen: string[] = [];
    let first = true;
    // Act
    for await (const page of pages) {
      seen.push(...(page.Snapshots ?? []).map((s) => s.SnapshotIdentifier ?? ''));
      if (first) {
        first = false;
        for (const id of ['snap-00003', 'snap-00120', 'snap-00121', 'snap-00249']) {
          aws.store.remove(aws.store.getSnapshot(ACCOUNT, REGION, id) ?? fail(id));
        }
        aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'late-1', clusterIdentifier: 'main' });
        aws.store.createSnapshot(ACCOUNT, REGION, { identifier: 'late-2', clusterIdentifier: 'main' });
        // Sorts before the marker: AWS-style markers resume after the last key, so it is not revisited.
        aws.store.createSnapshot(ACCOUNT, REGION, {
          identifier: 'backdated',
          clusterIdentifier: 'main',
          createTime: Date.now() - 30 * DAY,
        });
      }
    }
    // Assess
    const expected = [
      ...Array.from({ length: 250 }, (_, i) => `snap-${String(i).padStart(5, '0')}`).filter(
        (id) => !['snap-00120', 'snap-00121', 'snap-00249'].includes(id),
      ),
      'late-1',
      'late-2',
    ];
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('makes the next page lose a snapshot when the vanish fault fires', async () => {
    // Prepare
    seedSequence(60);
    aws.faults.configure({ vanishSnapshot: { afterPage: 1 } });
    // Act
    const page1 = await redshift.send(new DescribeClusterSnapshotsCommand({ MaxRecords: 20 }));
    const page2 = await redshift.send(
      new DescribeClusterSnapshotsCommand({ MaxRecords: 20, Marker: page1.Marker }),
    );
    // Assess
    expect(page1.Snapshots?.at(-1)?.SnapshotIdentifier).toBe('snap-00019');
    expect(page2.Snapshots?.[0]?.SnapshotIdentifier).toBe('snap-00021');
    expect(aws.store.getSnapshot(ACCOUNT, REGION, 'snap-00020')).toBeUndefined();
  });

  it('deletes a named snapshot after the given page', async () => {
    // Prepare
    seedSequence(60);
    aws.faults.configure({ vanishSnapshot: { afterPage: 2, snapshotIdentifier: 'snap-00055' } });
    // Act
    const ids: string[] = [];
    for await (const page of paginateDescribeClusterSnapshots({ client: redshift, pageSize: 20 }, {})) {
      ids.push(...(page.Snapshots ?? []).map((s) => s.SnapshotIdentifier ?? ''));
    }
    // Assess
    expect(ids).toHaveLength(59);
    expect(ids).not.toContain('snap-00055');
  });

  it('pages in descending create-time order and through a filtered subset', async () => {
    // Prepare
    seedSequence(130);
    const collect = async (input: DescribeClusterSnapshotsCommandInput) => {
      const ids: string[] = [];
      for await (const page of paginateDescribeClusterSnapshots({ client: redshift, pageSize: 20 }, input)) {
        ids.push(...(page.Snapshots ?? []).map((s) => s.SnapshotIdentifier ?? ''));
      }
      return ids;
    };
    // Act
    const descending = await collect({ SortingEntities: [{ Attribute: 'CREATE_TIME', SortOrder: 'DESC' }] });
    const bySize = await collect({ SortingEntities: [{ Attribute: 'TOTAL_SIZE', SortOrder: 'ASC' }] });
    // Assess
    expect(descending).toHaveLength(130);
    expect(descending[0]).toBe('snap-00129');
    expect(descending.at(-1)).toBe('snap-00000');
    expect(new Set(bySize).size).toBe(130);
  });
});

function fail(id: string): never {
  throw new Error(`snapshot ${id} missing from the fixture`);
}
