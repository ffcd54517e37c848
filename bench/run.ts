import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LISTING_CONCURRENCY } from '../functions/policy/schema.ts';
import { startLocalAws } from '../local/server.ts';
import { bundle } from './bundle.ts';
import { measureCli } from './cli.ts';
import { benchEngine } from './engine.ts';
import { measureFunctions } from './functions.ts';
import { runHandlerBench } from './handler.ts';
import type { BenchPlan } from './plans.ts';
import type { BenchResult, SweepResult } from './result.ts';
import { BUS, ENFORCE_CONCURRENCY, PUBLISH_CONCURRENCY, UNAUTHORIZED_SHARE } from './settings.ts';
import { median } from './stats.ts';
import { heapGrowth, profileFor, runSweepCase } from './sweep.ts';
import { evaluateTargets } from './targets.ts';

const FUNCTIONS = { sweep: 'functions/sweep.ts', 'snapshot-event': 'functions/snapshot-event.ts' };
const CHILDREN = { 'sweep-child': 'bench/sweep-child.ts', 'handler-child': 'bench/handler-child.ts' };

function machine(): BenchResult['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The engine run with the median throughput: CPU time is steadier than wall time, not immune. */
function engineFigures(plan: BenchPlan): BenchResult['engine'] {
  const runs = Array.from({ length: plan.engineRuns }, () => benchEngine(plan.engineSnapshots));
  const mid = median(runs.map((e) => e.perSecond));
  const engine = runs.find((e) => e.perSecond === mid);
  if (!engine) throw new Error('no engine run');
  return { ...engine, runs: runs.length };
}

/**
 * Runs every measurement in `plan`. The stand-in lives in this process and holds the fleets;
 * each sweep and the event handler run from freshly started, bundled children, so their memory
 * and timings are the product's alone and each gets a core of its own. `log` hears progress.
 */
export async function runBench(
  plan: BenchPlan,
  log: (line: string) => void = () => {},
): Promise<BenchResult> {
  if (plan.jitterMs > plan.latencyMs) throw new Error('jitter cannot exceed the mean latency');
  const startedAt = new Date();
  const started = performance.now();
  const workdir = await mkdtemp(join(tmpdir(), 'snapshot-guard-bench-'));
  try {
    log('bundling the functions and the bench children');
    const profiling = plan.cpuProfDir !== undefined;
    const execArgv = profiling ? ['--cpu-prof', `--cpu-prof-dir=${plan.cpuProfDir}`] : [];
    const [{ paths: children }, functionBundles] = await Promise.all([
      bundle(CHILDREN, join(workdir, 'children'), { minify: !profiling }),
      bundle(FUNCTIONS, join(workdir, 'functions'), { deploy: true }),
    ]);

    // Each sweep gets a stand-in of its own, with its latency profile and the plan's rate limits.
    const sweeps: SweepResult[] = [];
    const ctx = { script: children['sweep-child'] as string, plan, execArgv, log };
    for (const c of plan.sweeps) {
      log(
        `sweep: ${c.snapshots.toLocaleString('en-US')} snapshots over ${c.regions} region(s), ${c.profile}`,
      );
      sweeps.push(await runSweepCase(ctx, c));
    }

    log(
      `command line: build, --help × ${plan.cliHelpRuns}, sweep of ${plan.cliSweepSnapshots.toLocaleString('en-US')} snapshots`,
    );
    // The command line sweeps a stand-in of its own: the flat profile and the plan's rate limits.
    const local = await startLocalAws({
      port: 0,
      eventBuses: [BUS],
      latencyProfile: profileFor({ snapshots: plan.cliSweepSnapshots, regions: 1, profile: 'flat' }, plan),
      rateLimit: plan.rateLimit,
    });
    let cli: BenchResult['cli'];
    try {
      cli = await measureCli({
        local,
        workdir,
        helpRuns: plan.cliHelpRuns,
        sweepSnapshots: plan.cliSweepSnapshots,
      });
    } finally {
      await local.stop();
    }

    log(`engine: ${plan.engineSnapshots.toLocaleString('en-US')} snapshots × ${plan.engineRuns}`);
    const engine = engineFigures(plan);

    log(`event handler: ${plan.handlerEvents} warm events`);
    const handler = await runHandlerBench({
      script: children['handler-child'] as string,
      workdir,
      warmup: plan.handlerWarmup,
      events: plan.handlerEvents,
      execArgv,
    });

    log(`functions: size and cold-start import × ${plan.coldStartRuns}`);
    const functions = await measureFunctions(functionBundles, plan.coldStartRuns);

    const result: Omit<BenchResult, 'targets'> = {
      schemaVersion: 1,
      mode: plan.mode,
      startedAt: startedAt.toISOString(),
      durationMs: 0,
      machine: machine(),
      settings: {
        latencyMs: plan.latencyMs,
        jitterMs: plan.jitterMs,
        rateLimit: plan.rateLimit === false ? null : plan.rateLimit,
        listingCeiling: DEFAULT_LISTING_CONCURRENCY,
        concurrency: ENFORCE_CONCURRENCY,
        publishConcurrency: PUBLISH_CONCURRENCY,
        unauthorizedShare: UNAUTHORIZED_SHARE,
      },
      sweeps,
      heapGrowth: heapGrowth(sweeps),
      engine,
      handler,
      functions,
      cli,
    };
    return { ...result, durationMs: performance.now() - started, targets: evaluateTargets(result) };
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}
