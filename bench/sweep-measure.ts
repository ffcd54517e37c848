import { getHeapStatistics } from 'node:v8';
import * as z from 'zod';
import { createClients } from '../functions/aws/clients.ts';
import type { Continuation } from '../functions/engine/continuation.ts';
import type { RunReport } from '../functions/engine/run-report.ts';
import { parsePolicy } from '../functions/policy/load.ts';
import { runtimeFor } from '../functions/runtime.ts';
import { runSweep } from '../functions/sweep-runtime.ts';
import { CallTimings } from './call-timings.ts';

export const SweepConfigSchema = z.object({
  regions: z.array(z.string()).min(1),
  homeRegion: z.string(),
  policy: z.string(),
  /**
   * Sweep as the Lambda function does, with this timeout per invocation: a part that cannot read
   * everything in it hands the rest to a next part, run here right after it. Without it, one run
   * with no time limit (as the command line sweeps).
   */
  lambdaTimeoutMs: z.number().int().positive().optional(),
});
export type SweepConfig = z.infer<typeof SweepConfigSchema>;

const mb = z.number().nonnegative();
export const SweepMeasureSchema = z.object({
  wallMs: z.number().nonnegative(),
  /** Creation-time windows listed: DescribeClusterSnapshots calls without a Marker. */
  windows: z.number().int().nonnegative(),
  /** From the start until the last page was judged. */
  inventoryMs: z.number().nonnegative(),
  /** The sweeping process's CPU time (user + system) during the sweep. */
  cpuMs: z.number().nonnegative(),
  memory: z.object({
    baselineRssMb: mb,
    peakRssMb: mb,
    baselineHeapMb: mb,
    peakHeapMb: mb,
    retainedHeapMb: mb,
  }),
  sdk: z.record(z.string(), z.object({ calls: z.number(), wireMs: z.number(), sdkMs: z.number() })),
  /** Each invocation of the sweep, in order: one unless the sweep was split into parts. */
  parts: z.array(z.object({ wallMs: z.number().nonnegative(), snapshots: z.number().int().nonnegative() })),
  report: z.object({
    snapshots: z.number(),
    revocationsApplied: z.number(),
    failures: z.number(),
    eventsPublished: z.number(),
    eventsFailed: z.number(),
    inventoryErrors: z.number(),
    compliant: z.boolean(),
  }),
});
export type SweepMeasure = z.infer<typeof SweepMeasureSchema>;

const MB = 1024 * 1024;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * One sweep as the scheduled function runs it (bundled product, runtime built first, as on a cold
 * start), timed and sampled from inside the sweeping process. Heap is sampled every 25 ms and
 * after every page; peak RSS is the kernel's high-water mark for this process.
 */
export async function measureSweep(config: SweepConfig): Promise<SweepMeasure> {
  const clients = createClients({ homeRegion: config.homeRegion });
  const timings = new CallTimings();
  for (const region of config.regions) timings.attach(clients.redshift(region));
  let windows = 0;
  for (const region of config.regions) {
    clients.redshift(region).middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Marker?: string };
        if (context.commandName === 'DescribeClusterSnapshotsCommand' && input.Marker === undefined)
          windows++;
        return next(args);
      },
      { step: 'initialize', name: 'benchWindowCounter' },
    );
  }
  timings.attach(clients.events);
  timings.attach(clients.sts);
  const rt = runtimeFor(parsePolicy(config.policy, 'bench-policy.yml'), clients);

  gc();
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  // V8's own counter: process.memoryUsage() also reads the RSS from the kernel, which at a
  // sample per page cost the sweep more CPU than parsing its pages.
  const sample = () => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sample, 25);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let inventoryDone = start;
  const onProgress = () => {
    sample();
    inventoryDone = performance.now();
  };
  const reports: RunReport[] = [];
  const parts: SweepMeasure['parts'] = [];
  let from: Continuation | undefined;
  do {
    const partStart = performance.now();
    const timeout = config.lambdaTimeoutMs;
    const report = await runSweep(rt, {
      trigger: 'schedule',
      regions: config.regions,
      onProgress,
      ...(timeout === undefined ? {} : { remainingMs: () => timeout - (performance.now() - partStart) }),
      ...(from ? { from } : {}),
    });
    reports.push(report);
    parts.push({ wallMs: performance.now() - partStart, snapshots: report.totals.snapshots });
    from = report.sweep?.next;
  } while (from);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  sample();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  const retained = process.memoryUsage().heapUsed;

  return {
    wallMs,
    windows,
    inventoryMs: inventoryDone - start,
    cpuMs: (cpu.user + cpu.system) / 1000,
    memory: {
      baselineRssMb: baseline.rss / MB,
      peakRssMb: peakRss / MB,
      baselineHeapMb: baseline.heapUsed / MB,
      peakHeapMb: peakHeap / MB,
      retainedHeapMb: retained / MB,
    },
    sdk: timings.summary(),
    parts,
    report: overParts(reports),
  };
}

/** The parts of one sweep as one report: a sweep is compliant when its last part is and none failed. */
function overParts(reports: RunReport[]): SweepMeasure['report'] {
  const sum = (f: (r: RunReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  const last = reports.at(-1);
  return {
    snapshots: sum((r) => r.totals.snapshots),
    revocationsApplied: sum((r) => r.totals.revocations.applied ?? 0),
    failures: sum((r) => r.totals.failures),
    eventsPublished: sum((r) => r.events.published),
    eventsFailed: sum((r) => r.events.failed.length),
    inventoryErrors: sum((r) => r.inventoryErrors.length),
    compliant:
      last?.compliant === true &&
      reports.every(
        (r) => r.totals.failures === 0 && r.inventoryErrors.length === 0 && r.events.failed.length === 0,
      ),
  };
}
