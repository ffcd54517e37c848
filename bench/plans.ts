import type { BenchResult } from './result.ts';
import type { SweepCase } from './sweep.ts';

export type BenchPlan = {
  mode: BenchResult['mode'];
  /** Mean latency the stand-in adds to every call, and how far either side of it a call may land. */
  latencyMs: number;
  jitterMs: number;
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

const SHARED = { latencyMs: 20, jitterMs: 5, engineSnapshots: 100_000, engineRuns: 3, handlerWarmup: 200 };

/** What `npm run bench` runs, with and without `--quick`. */
export const PLANS = {
  full: {
    ...SHARED,
    mode: 'full',
    sweeps: [1_000, 10_000, 100_000].flatMap((snapshots) => [
      { snapshots, regions: 1 as const },
      { snapshots, regions: 3 as const },
    ]),
    handlerEvents: 1_000,
    coldStartRuns: 10,
    cliHelpRuns: 21,
    cliSweepSnapshots: 10_000,
  },
  quick: {
    ...SHARED,
    mode: 'quick',
    sweeps: [
      { snapshots: 1_000, regions: 1 },
      { snapshots: 10_000, regions: 1 },
      { snapshots: 1_000, regions: 3 },
    ],
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
    sweeps: [{ snapshots: 300, regions: 1 }],
    engineSnapshots: 2_000,
    engineRuns: 1,
    handlerWarmup: 5,
    handlerEvents: 20,
    coldStartRuns: 1,
    cliHelpRuns: 1,
    cliSweepSnapshots: 300,
  },
} satisfies Record<BenchPlan['mode'], BenchPlan>;
