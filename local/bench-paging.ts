import { pathToFileURL } from 'node:url';
import { paginateDescribeClusterSnapshots, RedshiftClient } from '@aws-sdk/client-redshift';
import { startLocalAws } from './server.ts';

export interface PagingBenchResult {
  /** DescribeClusterSnapshots calls the SDK paginator made. */
  pages: number;
  snapshots: number;
  /** Wall time of the full listing through the real SDK client, seeding excluded. */
  ms: number;
  seedMs: number;
  heapUsedMb: number;
}

/** Lists a generated fleet of `count` snapshots end to end, to show paging stays O(page). */
export async function benchPaging(count: number, seed = 42): Promise<PagingBenchResult> {
  const aws = await startLocalAws({ port: 0 });
  const client = new RedshiftClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'local' },
  });
  try {
    const seedStart = performance.now();
    aws.seedFleet({ count, seed });
    const seedMs = performance.now() - seedStart;
    let pages = 0;
    let snapshots = 0;
    const start = performance.now();
    for await (const page of paginateDescribeClusterSnapshots({ client, pageSize: 100 }, {})) {
      pages++;
      snapshots += page.Snapshots?.length ?? 0;
    }
    const ms = performance.now() - start;
    const heapUsedMb = process.memoryUsage().heapUsed / 1024 / 1024;
    return {
      pages,
      snapshots,
      ms: Math.round(ms),
      seedMs: Math.round(seedMs),
      heapUsedMb: Math.round(heapUsedMb),
    };
  } finally {
    client.destroy();
    await aws.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 100_000);
  console.log(await benchPaging(count));
}
