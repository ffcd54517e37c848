import { RedshiftClient } from '@aws-sdk/client-redshift';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAllPages } from '../../functions/aws/pages.ts';
import { useStandIn } from '../helpers/stand-in.ts';

const local = useStandIn({ latencyMs: 5 });
let client: RedshiftClient;

beforeAll(() => {
  client = new RedshiftClient({
    region: 'us-east-1',
    endpoint: local.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
  });
});

describe('describeAllPages against the local stand-in', () => {
  it('returns every snapshot exactly once with one call per page', async () => {
    const [fleet] = local.seedFleet({ count: 1_234, seed: 3 });
    local.resetCalls();

    const ids: string[] = [];
    let pages = 0;
    for await (const page of describeAllPages(client)) {
      pages++;
      ids.push(...page.map((s) => s.SnapshotIdentifier ?? ''));
    }

    expect(ids).toHaveLength(fleet?.stats.snapshots ?? -1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(fleet?.stats.pages);
    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBe(pages);
  });

  it('makes at most one call beyond the pages read when the caller stops early', async () => {
    local.reset();
    local.seedFleet({ count: 1_000, seed: 4 });
    local.resetCalls();

    for await (const page of describeAllPages(client)) {
      expect(page.length).toBe(100);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(local.calls()['redshift.DescribeClusterSnapshots']).toBeLessThanOrEqual(2);
  });
});
