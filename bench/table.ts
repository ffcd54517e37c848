import { COUNTED_ACTIONS } from './floor.ts';
import type { BenchResult } from './result.ts';

const SHORT: Record<string, string> = {
  DescribeClusterSnapshots: 'Describe',
  RevokeSnapshotAccess: 'Revoke',
  PutEvents: 'PutEvents',
  GetCallerIdentity: 'STS',
};

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toFixed(digits);
const seconds = (ms: number) => fixed(ms / 1000, 2);
const ms3 = (ms: number) => `${fixed(ms, 3)} ms`;

/** Left-aligns the first column, right-aligns the rest, two spaces apart. */
function grid(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows.map(
    (r) =>
      `  ${r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`,
  );
}

function callRows(r: BenchResult): string[] {
  const extra = [...new Set(r.sweeps.flatMap((s) => Object.keys(s.calls.byAction)))].filter(
    (a) => !(COUNTED_ACTIONS as readonly string[]).includes(a),
  );
  const actions = [...COUNTED_ACTIONS, ...extra];
  const header = [
    'snapshots',
    'regions',
    'profile',
    ...actions.map((a) => SHORT[a] ?? a),
    'total',
    'ratio',
    'windows',
    'throttled',
  ];
  const rows = r.sweeps.map((s) => [
    int(s.snapshots),
    String(s.regions),
    s.profile,
    ...actions.map((a) => {
      const f = s.calls.byAction[a];
      return f ? `${int(f.actual)}/${int(f.minimum)}` : '0/0';
    }),
    `${int(s.calls.total.actual)}/${int(s.calls.total.minimum)}`,
    fixed(s.calls.total.ratio, 3),
    int(s.partitions),
    int(s.throttled),
  ]);
  return grid([header, ...rows]);
}

function timeRows(r: BenchResult): string[] {
  const header = [
    'snapshots',
    'regions',
    'profile',
    'wall s',
    'seq floor s',
    'rate floor s',
    'ceiling floor s',
    'ratio',
    'of seq',
    'listing s',
    'CPU s',
    'page wire ms',
    'page SDK ms',
    'peak RSS MB',
    'peak heap MB',
    'kept heap MB',
  ];
  const rows = r.sweeps.map((s) => {
    const page = s.sdk.DescribeClusterSnapshots;
    return [
      int(s.snapshots),
      String(s.regions),
      s.profile,
      seconds(s.wall.ms),
      seconds(s.wall.sequentialFloorMs),
      seconds(s.wall.rateFloorMs),
      seconds(s.wall.floorMs),
      s.wall.ratio === null ? '-' : fixed(s.wall.ratio, 2),
      s.wall.sequentialFloorMs > 0 ? fixed(s.wall.ms / s.wall.sequentialFloorMs, 2) : '-',
      seconds(s.wall.inventoryMs),
      seconds(s.cpuMs),
      page ? fixed(page.wireMs, 1) : '-',
      page ? fixed(page.sdkMs, 1) : '-',
      fixed(s.memory.peakRssMb, 0),
      fixed(s.memory.peakHeapMb, 0),
      fixed(s.memory.retainedHeapMb, 0),
    ];
  });
  return grid([header, ...rows]);
}

/** The human-readable report: the same figures `--out` writes as JSON. */
export function renderTable(r: BenchResult): string {
  const m = r.machine;
  const g = r.heapGrowth;
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${fixed(n, 1)}`;
  const lines = [
    `Bench (${r.mode}): ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}`,
    `Stand-in latency: flat ${r.settings.latencyMs} ± ${r.settings.jitterMs} ms a call; realistic per action ` +
      '(assumed figures resembling AWS, not measurements: local/profiles.ts)',
    `Rate limits: ${
      r.settings.rateLimit
        ? `${r.settings.rateLimit.rate} a second, bursts of ${r.settings.rateLimit.burst}, per account, region and action (an assumption borrowed from Amazon RDS)`
        : 'off'
    }; listing ceiling ${r.settings.listingCeiling} per region`,
    `${r.settings.unauthorizedShare * 100}% of snapshots carry an unauthorized grant; ` +
      `enforcement concurrency ${r.settings.concurrency}, publish concurrency ${r.settings.publishConcurrency}`,
    '',
    'Sweep: AWS calls made / minimum',
    ...callRows(r),
    '',
    'Sweep: time and memory (seq floor = one page after another; rate floor = what the buckets allow for the',
    'calls made; ceiling floor = pages listed at the ceiling; ratio = wall / max(rate, ceiling floor))',
    ...timeRows(r),
    '',
    `Heap growth ${int(g.fromSnapshots)} → ${int(g.toSnapshots)} snapshots (one region): ` +
      `peak heap ${signed(g.peakHeapMb)} MB, kept heap ${signed(g.retainedHeapMb)} MB, peak RSS ${signed(g.peakRssMb)} MB`,
    `Engine: ${int(r.engine.perSecond)} snapshots per CPU second ` +
      `(${int(r.engine.snapshots)} snapshots in ${fixed(r.engine.cpuMs, 1)} ms CPU, median of ${r.engine.runs})`,
    `Event handler, ${int(r.handler.events)} warm events, AWS responses replayed ` +
      `(calls per event: ${Object.entries(r.handler.callsPerEvent)
        .map(([a, n]) => `${a} ${fixed(n, 2)}`)
        .join(', ')})`,
    `  own overhead (AWS calls taken out): median ${ms3(r.handler.own.medianMs)}, p99 ${ms3(r.handler.own.p99Ms)}, mean ${ms3(r.handler.own.meanMs)}`,
    `  with the SDK's client-side work:    median ${ms3(r.handler.withSdk.medianMs)}, p99 ${ms3(r.handler.withSdk.p99Ms)}, mean ${ms3(r.handler.withSdk.meanMs)}`,
    '',
    'Functions (bundled as serverless.yml does)',
    ...grid([
      ['function', '', 'bytes', 'gzip', 'cold-start import ms (median)'],
      ...r.functions.map((f) => [
        f.name,
        '',
        int(f.bytes),
        int(f.gzipBytes),
        `${fixed(f.coldStart.medianMs, 1)} (of ${f.coldStart.samplesMs.length})`,
      ]),
    ]),
    ...r.functions.map(
      (f) =>
        `  ${f.name} is mostly: ${f.largest
          .slice(0, 6)
          .map((p) => `${p.name} ${int(p.bytes / 1024)} KB`)
          .join(', ')}`,
    ),
    '',
    'Command line (built as npm ci builds it, run through bin/snapshot-guard.js)',
    `  --help: median ${fixed(r.cli.help.medianMs, 0)} ms; node -e 0: median ${fixed(r.cli.help.nodeMedianMs, 0)} ms ` +
      `(${r.cli.help.runs} runs each, alternating): ${fixed(r.cli.help.ratio, 2)} ×`,
    `  sweep of ${int(r.cli.sweep.snapshots)} snapshots in one region: peak RSS ${fixed(r.cli.sweep.peakRssMb, 0)} MB, ` +
      `${seconds(r.cli.sweep.wallMs)} s from start to exit`,
    '',
    'Targets',
    ...r.targets.map(
      (t) =>
        `  ${`[${t.status === 'met' ? 'met' : t.status === 'missed' ? 'MISSED' : 'n/a'}]`.padEnd(9)}${t.target}: ${t.value}`,
    ),
    '',
    `Finished in ${seconds(r.durationMs)} s.`,
  ];
  return `${lines.join('\n')}\n`;
}
