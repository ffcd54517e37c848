import { DEFAULT_LISTING_CONCURRENCY } from '../functions/policy/schema.ts';
import { DEFAULT_ACTION_LIMITS } from '../local/core/throttle.ts';
import { type LatencyProfile, meanLatencyMs, REALISTIC } from '../local/profiles.ts';
import { startLocalAws } from '../local/server.ts';
import { runChild } from './child.ts';
import {
  type ActionLatencies,
  ceilingFloorMs,
  compareCalls,
  type FloorInput,
  type Limit,
  minimumCalls,
  pagesFor,
  type RegionFleet,
  rateFloorMs,
  SERVERLESS_LISTING,
  sequentialFloorMs,
} from './floor.ts';
import type { BenchPlan } from './plans.ts';
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

export type SweepCase = {
  snapshots: number;
  regions: 1 | 3;
  profile: 'flat' | 'realistic';
  /** Sweep as the Lambda function would with this timeout, in parts when one is not enough. */
  lambdaTimeoutMs?: number;
};

export type SweepContext = {
  /** The bundled sweep child. */
  script: string;
  /** The flat profile's latency and the stand-in's rate limits. */
  plan: Pick<BenchPlan, 'latencyMs' | 'jitterMs' | 'rateLimit'>;
  /** Extra Node flags for the child, e.g. to profile it. */
  execArgv: string[];
  /** Told what is going on during a long sweep. */
  log?: (line: string) => void;
};

/** `total` split over `parts` regions as evenly as whole snapshots allow. */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** The latency profile a sweep runs under: the flat one takes the plan's mean and jitter. */
export function profileFor(c: SweepCase, plan: SweepContext['plan']): LatencyProfile {
  if (c.profile === 'realistic') return REALISTIC;
  return { name: 'flat', default: { meanMs: plan.latencyMs, jitterMs: plan.jitterMs }, actions: {} };
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

const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * Seeds a fresh fleet of `snapshots` over one or three regions in a stand-in started for this
 * sweep (its latency profile and rate limits), sweeps it from a fresh child process, and compares
 * what the stand-in counted with the minimum, and the time with the floors.
 */
export async function runSweepCase(ctx: SweepContext, c: SweepCase): Promise<SweepResult> {
  const profile = profileFor(c, ctx.plan);
  const rateLimit = ctx.plan.rateLimit;
  const local = await startLocalAws({
    port: 0,
    eventBuses: [BUS],
    latencyProfile: profile,
    rateLimit: rateLimit === false ? false : rateLimit,
  });
  try {
    const regions = REGIONS.slice(0, c.regions);
    const fleets: RegionFleet[] = [];
    let withUnauthorized = 0;
    for (const [i, count] of split(c.snapshots, c.regions).entries()) {
      const [seeded] = local.seedFleet({
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
    local.resetCalls();
    ctx.log?.(`  seeded; sweeping under the ${profile.name} profile`);

    const measure = await runChild(
      ctx.script,
      {
        regions,
        homeRegion: HOME_REGION,
        policy: benchPolicyText(regions),
        ...(c.lambdaTimeoutMs === undefined ? {} : { lambdaTimeoutMs: c.lambdaTimeoutMs }),
      },
      SweepMeasureSchema,
      {
        AWS_ENDPOINT_URL: local.endpoint,
        AWS_REGION: HOME_REGION,
        ...LOCAL_CREDENTIALS,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      ['--expose-gc', ...ctx.execArgv],
    );

    const counted = local.calls();
    const actual = byAction(counted);
    const throttled = sum(local.throttled());
    const minimum = minimumCalls(fleets, local.events(BUS).length, actual);
    const bytes = local.bytes();
    const mean = (action: string) => {
      const n = counted[action] ?? 0;
      return meanLatencyMs(profile, action, n > 0 ? (bytes[action] ?? 0) / n : 0);
    };
    const latency: ActionLatencies = {
      describeMs: mean('redshift.DescribeClusterSnapshots'),
      listMs: mean('redshift-serverless.ListSnapshots'),
      revokeMs: mean('redshift.RevokeSnapshotAccess'),
      putEventsMs: mean('events.PutEvents'),
      stsMs: mean('sts.GetCallerIdentity'),
    };
    const floorInput: FloorInput = {
      latency,
      pagesPerRegion: fleets.map((f) => pagesFor(f.snapshots)),
      serverlessCallsPerRegion: (minimum[SERVERLESS_LISTING] ?? 0) > 0 ? 1 : 0,
      revocations: minimum.RevokeSnapshotAccess ?? 0,
      putEvents: minimum.PutEvents ?? 0,
      concurrency: ENFORCE_CONCURRENCY,
      publishConcurrency: PUBLISH_CONCURRENCY,
    };
    const regional = local.regionalCalls();
    const passed = (region: string, action: string) =>
      (regional.calls[`${region} ${action}`] ?? 0) - (regional.throttled[`${region} ${action}`] ?? 0);
    const limit: Limit = rateLimit === false ? null : rateLimit;
    const rateFloor = rateFloorMs({
      describePerRegion: regions.map((r) => passed(r, 'redshift.DescribeClusterSnapshots')),
      listPerRegion: regions.map((r) => passed(r, 'redshift-serverless.ListSnapshots')),
      revokePerRegion: regions.map((r) => passed(r, 'redshift.RevokeSnapshotAccess')),
      putEvents: (counted['events.PutEvents'] ?? 0) - (local.throttled()['events.PutEvents'] ?? 0),
      limits: {
        describe: limit,
        list: limit,
        revoke: limit,
        putEvents: rateLimit === false ? null : (DEFAULT_ACTION_LIMITS['events.PutEvents'] ?? limit),
      },
      latencyMs: latency.describeMs,
    });
    const floorMs = ceilingFloorMs(floorInput, DEFAULT_LISTING_CONCURRENCY);
    const bound = Math.max(floorMs, rateFloor);
    return {
      ...c,
      partitions: measure.windows,
      throttled,
      fleet: {
        unauthorizedGrants: fleets.reduce((n, f) => n + f.unauthorizedGrants, 0),
        snapshotsWithUnauthorizedGrants: withUnauthorized,
        perRegion: fleets.map((f) => f.snapshots),
      },
      calls: compareCalls(actual, minimum),
      wall: {
        ms: measure.wallMs,
        floorMs,
        sequentialFloorMs: sequentialFloorMs(floorInput),
        rateFloorMs: rateFloor,
        // At zero latency and within the burst there is no floor to compare with.
        ratio: bound > 0 ? measure.wallMs / bound : null,
        inventoryMs: measure.inventoryMs,
      },
      parts: measure.parts,
      cpuMs: measure.cpuMs,
      memory: measure.memory,
      sdk: measure.sdk,
      report: measure.report,
    };
  } finally {
    await local.stop();
  }
}

/** Between the two largest one-region sweeps of one profile (the three-region ones split the same fleets). */
export function heapGrowth(sweeps: readonly SweepResult[]): BenchResult['heapGrowth'] {
  const profile = sweeps[0]?.profile;
  const single = sweeps
    .filter((s) => s.regions === 1 && s.profile === profile)
    .sort((a, b) => a.snapshots - b.snapshots);
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
