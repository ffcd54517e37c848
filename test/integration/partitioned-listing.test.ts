import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toSnapshot } from '../../functions/aws/inventory.ts';
import { listServerlessSnapshots, listSnapshots } from '../../functions/aws/listing.ts';
import type { Snapshot } from '../../functions/engine/model.ts';
import type { InventoryItem } from '../../functions/engine/ports.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DESCRIBE = 'redshift.DescribeClusterSnapshots';
/** Thresholds low enough that a few hundred snapshots are split again and again. */
const EAGER = { tailPages: 0, splitPages: 0 };

const local = useStandIn({ latencyMs: 2, rateLimit: false });
let client: RedshiftClient;
/** Windows opened: DescribeClusterSnapshots calls without a Marker (each window's first page). */
let windows = 0;

beforeAll(() => {
  client = new RedshiftClient({
    region: REGION,
    endpoint: local.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Marker?: string };
      if (context.commandName === 'DescribeClusterSnapshotsCommand' && input.Marker === undefined) windows++;
      return next(args);
    },
    { step: 'initialize', name: 'countWindows' },
  );
});

beforeEach(() => {
  windows = 0;
});

async function all(batches: AsyncIterable<{ items: InventoryItem[] }>): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for await (const { items } of batches) {
    for (const item of items) {
      if ('error' in item) throw item.error;
      out.push(item.snapshot);
    }
  }
  return out;
}

const ids = (snapshots: Snapshot[]) => snapshots.map((s) => s.arn);

describe('listSnapshots against the local stand-in', () => {
  it('lists a region of 1,000 snapshots in one window, with exactly the calls of a plain listing', async () => {
    // Prepare
    local.seedFleet({ count: 1_000, seed: 3 });
    local.resetCalls();
    // Act
    const listed = await all(listSnapshots(client, REGION));
    // Assess
    expect(listed).toHaveLength(1_000);
    expect(new Set(ids(listed)).size).toBe(1_000);
    expect(local.calls()[DESCRIBE]).toBe(10);
    expect(windows).toBe(1);
  });

  it('lists 10,000 snapshots in several windows, each once, within 5% of the minimum calls', async () => {
    // Prepare
    local.seedFleet({ count: 10_000, seed: 5 });
    local.resetCalls();
    // Act
    const listed = await all(listSnapshots(client, REGION));
    // Assess
    expect(new Set(ids(listed)).size).toBe(10_000);
    expect(listed).toHaveLength(10_000);
    expect(windows).toBeGreaterThan(1);
    expect(local.calls()[DESCRIBE]).toBeLessThanOrEqual(105);
  });

  it('reads each snapshot as the SDK’s own paginator does', async () => {
    // Prepare: grants (support by alias), tags, both types, over several windows.
    local.seedFleet({ count: 600, seed: 9, supportShare: 0.1, sharedShare: 0.3 });
    const plain: Snapshot[] = [];
    for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
      for (const raw of page.Snapshots ?? []) plain.push(toSnapshot(raw, REGION));
    }
    // Act
    const listed = await all(listSnapshots(client, REGION, EAGER));
    // Assess
    const byArn = (list: Snapshot[]) => [...list].sort((a, b) => (a.arn < b.arn ? -1 : 1));
    expect(byArn(listed)).toEqual(byArn(plain));
  });

  it('keeps snapshots on window boundaries and sharing one timestamp, each once', async () => {
    // Prepare: 40 instants on whole seconds, each shared by many snapshots.
    const base = Date.UTC(2026, 9, 1);
    local.store.createCluster(ACCOUNT, REGION, { identifier: 'c' });
    for (let i = 0; i < 800; i++) {
      local.store.createSnapshot(ACCOUNT, REGION, {
        identifier: `s${i}`,
        clusterIdentifier: 'c',
        createTime: base + (i % 40) * 1000 * (i % 3 === 0 ? 1 : 3600),
      });
    }
    local.resetCalls();
    // Act
    const listed = await all(listSnapshots(client, REGION, { ...EAGER, concurrency: () => 6 }));
    // Assess
    expect(listed).toHaveLength(800);
    expect(new Set(ids(listed)).size).toBe(800);
    expect(windows).toBeGreaterThan(1);
  });

  it('drops a snapshot deleted mid-sweep, and skips or repeats no other', async () => {
    // Prepare
    local.seedFleet({ count: 900, seed: 12 });
    const before = local.store.listSnapshots(ACCOUNT, REGION).map((s) => s.arn);
    local.faults.configure({ vanishSnapshot: { afterPage: 3 } });
    // Act
    const listed = ids(await all(listSnapshots(client, REGION, EAGER)));
    // Assess
    const after = new Set(local.store.listSnapshots(ACCOUNT, REGION).map((s) => s.arn));
    expect(after.size).toBe(899);
    expect(new Set(listed).size).toBe(listed.length);
    for (const arn of before) if (after.has(arn)) expect(listed).toContain(arn);
  });

  it('lists a snapshot created mid-sweep at most once', async () => {
    // Prepare: a snapshot appears (with an old creation time, as a copy keeps its source's) after the 4th page.
    local.seedFleet({ count: 900, seed: 13 });
    const cluster = local.store.listSnapshots(ACCOUNT, REGION)[0]?.clusterIdentifier ?? '';
    let pages = 0;
    const creator = new RedshiftClient({
      region: REGION,
      endpoint: local.endpoint,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
    });
    creator.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        if (++pages === 4) {
          local.store.createSnapshot(ACCOUNT, REGION, {
            identifier: 'made-meanwhile',
            clusterIdentifier: cluster,
            createTime: Date.now() - 30 * 86_400_000,
          });
        }
        return out;
      },
      { step: 'initialize', name: 'createMeanwhile' },
    );
    // Act
    const listed = await all(listSnapshots(creator, REGION, EAGER));
    creator.destroy();
    // Assess
    const arns = ids(listed);
    expect(new Set(arns).size).toBe(arns.length);
    expect(arns.length).toBeGreaterThanOrEqual(900);
    expect(arns.filter((a) => a.endsWith('/made-meanwhile')).length).toBeLessThanOrEqual(1);
  });
});

describe('listServerlessSnapshots against the local stand-in', () => {
  it('lists a Serverless region in windows, each snapshot once', async () => {
    // Prepare
    local.seedFleet({ count: 0, seed: 21, serverlessCount: 1_500 });
    const serverless = new RedshiftServerlessClient({
      region: REGION,
      endpoint: local.endpoint,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
    });
    local.resetCalls();
    // Act
    const listed = await all(listServerlessSnapshots(serverless, REGION, {}, EAGER));
    serverless.destroy();
    // Assess
    expect(listed).toHaveLength(1_500);
    expect(new Set(ids(listed)).size).toBe(1_500);
    expect(local.calls()['redshift-serverless.ListSnapshots']).toBeGreaterThan(15);
  });
});
