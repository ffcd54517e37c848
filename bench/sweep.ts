import type { LocalAws } from '../local/server.ts';
import { runChild } from './child.ts';
import {
  compareCalls,
  latencyFloorMs,
  minimumCalls,
  pagesFor,
  type RegionFleet,
  SERVERLESS_LISTING,
} from './floor.ts';
import { benchPolicyText } from './policy.ts';
import type { BenchResult, SweepResult } from './result.ts';
import {
  ALLOWED_ACCOUNTS,
  BUS,
  ENFORCE_CONCURRENCY,
  HOME_REGION,
  LOCAL_CREDENTIALS,
  PUBLISH_CONCURRENCY,
  REGIONS,
  UNAUTHORIZED_SHARE_OF_MANUAL,
} from './settings.ts';
import { SweepMeasureSchema } from './sweep-measure.ts';

export type SweepCase = { snapshots: number; regions: 1 | 3 };

export type SweepContext = {
  local: LocalAws;
  /** The bundled sweep child. */
  script: string;
  /** Mean injected latency per call. */
  latencyMs: number;
  /** Extra Node flags for the child, e.g. to profile it. */
  execArgv: string[];
};

/** `total` split over `parts` regions as evenly as whole snapshots allow. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** 'redshift.DescribeClusterSnapshots' → 'DescribeClusterSnapshots', summed per action. */
function byAction(calls: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(calls)) {
    const action = key.slice(key.lastIndexOf('.') + 1);
    out[action] = (out[action] ?? 0) + n;
  }
  return out;
}

/**
 * Seeds a fresh fleet of `snapshots` over one or three regions, sweeps it from a fresh child
 * process, and compares what the stand-in counted with the minimum, and the time with the floor.
 */
export async function runSweepCase(ctx: SweepContext, c: SweepCase): Promise<SweepResult> {
  const regions = REGIONS.slice(0, c.regions);
  ctx.local.reset();
  const fleets: RegionFleet[] = [];
  let withUnauthorized = 0;
  for (const [i, count] of split(c.snapshots, c.regions).entries()) {
    const [seeded] = ctx.local.seedFleet({
      count,
      seed: 42 + i,
      regions: [regions[i] as string],
      allowedAccounts: [...ALLOWED_ACCOUNTS],
      unauthorizedShare: UNAUTHORIZED_SHARE_OF_MANUAL,
      supportShare: 0,
    });
    if (!seeded) throw new Error('the stand-in seeded no fleet');
    fleets.push(seeded.stats);
    withUnauthorized += seeded.stats.snapshotsWithUnauthorizedGrants;
  }
  ctx.local.resetCalls();

  const measure = await runChild(
    ctx.script,
    { regions, homeRegion: HOME_REGION, policy: benchPolicyText(regions) },
    SweepMeasureSchema,
    {
      AWS_ENDPOINT_URL: ctx.local.endpoint,
      AWS_REGION: HOME_REGION,
      ...LOCAL_CREDENTIALS,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    ['--expose-gc', ...ctx.execArgv],
  );

  const actual = byAction(ctx.local.calls());
  const minimum = minimumCalls(fleets, ctx.local.events(BUS).length, actual);
  const serverlessPages = (minimum[SERVERLESS_LISTING] ?? 0) > 0 ? 1 : 0;
  const floorMs = latencyFloorMs({
    latencyMs: ctx.latencyMs,
    listingCallsPerRegion: fleets.map((f) => pagesFor(f.snapshots) + serverlessPages),
    revocations: minimum.RevokeSnapshotAccess ?? 0,
    putEvents: minimum.PutEvents ?? 0,
    concurrency: ENFORCE_CONCURRENCY,
    publishConcurrency: PUBLISH_CONCURRENCY,
  });
  return {
    ...c,
    fleet: {
      unauthorizedGrants: fleets.reduce((n, f) => n + f.unauthorizedGrants, 0),
      snapshotsWithUnauthorizedGrants: withUnauthorized,
      perRegion: fleets.map((f) => f.snapshots),
    },
    calls: compareCalls(actual, minimum),
    wall: {
      ms: measure.wallMs,
      floorMs,
      // At zero latency there is no floor to compare with.
      ratio: floorMs > 0 ? measure.wallMs / floorMs : null,
      inventoryMs: measure.inventoryMs,
    },
    cpuMs: measure.cpuMs,
    memory: measure.memory,
    sdk: measure.sdk,
    report: measure.report,
  };
}

/** Between the two largest one-region sweeps (the three-region ones split the same fleets). */
export function heapGrowth(sweeps: readonly SweepResult[]): BenchResult['heapGrowth'] {
  const single = sweeps.filter((s) => s.regions === 1).sort((a, b) => a.snapshots - b.snapshots);
  const to = single.at(-1) ?? sweeps[0];
  const from = single.at(-2) ?? to;
  if (!from || !to) throw new Error('no sweep to compare');
  return {
    fromSnapshots: from.snapshots,
    toSnapshots: to.snapshots,
    peakHeapMb: to.memory.peakHeapMb - from.memory.peakHeapMb,
    retainedHeapMb: to.memory.retainedHeapMb - from.memory.retainedHeapMb,
    peakRssMb: to.memory.peakRssMb - from.memory.peakRssMb,
  };
}
