import type { BenchResult } from './result.ts';
import type { SweepCase } from './sweep.ts';

export type BenchPlan = {
  mode: BenchResult['mode'];
  /** The flat profile's mean latency for every call, and how far either side of it a call may land. */
  latencyMs: number;
  jitterMs: number;
  /** The stand-in's rate limits (local/core/throttle.ts); false turns them off. */
  rateLimit: { rate: number; burst: number } | false;
  sweeps: SweepCase[];
  engineSnapshots: number;
  engineRuns: number;
  handlerWarmup: number;
  handlerEvents: number;
  coldStartRuns: number;
  /** `snapshot-guard --help` and `node -e 0`, each run this many times. */
  cliHelpRuns: number;
  /** The fleet (one region) the command line sweeps for its peak RSS. */
  cliSweepSnapshots: number;
  /** Write a CPU profile of every child here (children are then bundled unminified, so it names functions). */
  cpuProfDir?: string;
};

const SHARED = {
  latencyMs: 20,
  jitterMs: 5,
  rateLimit: { rate: 12, burst: 300 },
  engineSnapshots: 100_000,
  engineRuns: 3,
  handlerWarmup: 200,
} as const;

const flat = (snapshots: number, regions: 1 | 3): SweepCase => ({ snapshots, regions, profile: 'flat' });
const realistic = (snapshots: number, regions: 1 | 3): SweepCase => ({
  snapshots,
  regions,
  profile: 'realistic',
});

/**
 * The --huge sweep: a million snapshots in one region, under the realistic profile, swept as the
 * Lambda function does (15-minute invocations, in parts when one is not enough).
 */
export const HUGE_SWEEP: SweepCase = { ...realistic(1_000_000, 1), lambdaTimeoutMs: 15 * 60_000 };

/** What `npm run bench` runs, with and without `--quick`. */
export const PLANS = {
  full: {
    ...SHARED,
    mode: 'full',
    sweeps: [
      ...[1_000, 10_000, 100_000].flatMap((n) => [flat(n, 1), flat(n, 3)]),
      realistic(10_000, 1),
      realistic(100_000, 1),
      realistic(100_000, 3),
    ],
    handlerEvents: 1_000,
    coldStartRuns: 10,
    cliHelpRuns: 21,
    cliSweepSnapshots: 10_000,
  },
  quick: {
    ...SHARED,
    mode: 'quick',
    sweeps: [flat(1_000, 1), flat(10_000, 1), flat(1_000, 3), realistic(10_000, 1)],
    handlerEvents: 1_000,
    coldStartRuns: 10,
    cliHelpRuns: 11,
    cliSweepSnapshots: 10_000,
  },
  /** Every measurement once, on a tiny fleet with no latency: the test suite's check of the bench itself. */
  smoke: {
    mode: 'smoke',
    latencyMs: 0,
    jitterMs: 0,
    rateLimit: { rate: 12, burst: 300 },
    sweeps: [flat(300, 1)],
    engineSnapshots: 2_000,
    engineRuns: 1,
    handlerWarmup: 5,
    handlerEvents: 20,
    coldStartRuns: 1,
    cliHelpRuns: 1,
    cliSweepSnapshots: 300,
  },
} satisfies Record<BenchPlan['mode'], BenchPlan>;
