import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import type { LocalAws } from '../local/server.ts';
import { benchPolicyText } from './policy.ts';
import {
  ALLOWED_ACCOUNTS,
  HOME_REGION,
  LOCAL_CREDENTIALS,
  UNAUTHORIZED_SHARE_OF_MANUAL,
} from './settings.ts';
import { median } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'snapshot-guard.js');
const MB = 1024 * 1024;

const ms = z.number().nonnegative();
export const CliResultSchema = z.object({
  /** `snapshot-guard --help` against `node -e 0`, run alternately, each timed from spawn to exit. */
  help: z.object({
    runs: z.number().int().min(1),
    medianMs: ms,
    nodeMedianMs: ms,
    ratio: z.number().nonnegative(),
    samplesMs: z.array(ms),
    nodeSamplesMs: z.array(ms),
  }),
  /** `snapshot-guard sweep` over one region's fleet: the kernel's high-water mark for its process. */
  sweep: z.object({ snapshots: z.number().int(), peakRssMb: z.number().nonnegative(), wallMs: ms }),
});
export type CliResult = z.infer<typeof CliResultSchema>;

type Run = { code: number; stdout: string; stderr: string; ms: number };

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, maxBuffer: 64 * MB }, (error, stdout, stderr) => {
      const ms = performance.now() - start;
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr, ms });
    });
  });
}

/** Builds the command line as `npm ci` does (the `prepare` script), into dist/cli/. */
export async function buildCli(): Promise<void> {
  const built = await run([join(ROOT, 'scripts', 'build-cli.mjs')], { PATH: process.env.PATH ?? '' });
  if (built.code !== 0) throw new Error(`building the command line failed:\n${built.stderr}`);
}

/** The command as a person runs it: the package's bin, which runs the build when it is current. */
async function guard(args: string[], env: NodeJS.ProcessEnv, preload: string[] = []): Promise<Run> {
  const result = await run([...preload, BIN, ...args], env);
  // The launcher says so on stderr when it falls back to the sources: then the build was not measured.
  if (result.stderr.includes('running the sources')) throw new Error(result.stderr.trim());
  return result;
}

/** `--help` and `node -e 0`, one after the other `runs` times: both see the same machine load. */
async function helpTiming(runs: number, env: NodeJS.ProcessEnv): Promise<CliResult['help']> {
  const samplesMs: number[] = [];
  const nodeSamplesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    nodeSamplesMs.push((await run(['-e', '0'], env)).ms);
    const help = await guard(['--help'], env);
    if (help.code !== 0 || !help.stdout.startsWith('Usage: snapshot-guard')) {
      throw new Error(`snapshot-guard --help failed (exit ${help.code}): ${help.stderr}`);
    }
    samplesMs.push(help.ms);
  }
  const medianMs = median(samplesMs);
  const nodeMedianMs = median(nodeSamplesMs);
  return { runs, medianMs, nodeMedianMs, ratio: medianMs / nodeMedianMs, samplesMs, nodeSamplesMs };
}

// Loaded into the sweeping process with --require: at exit it writes the process's peak RSS.
const PEAK_RSS = `process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.BENCH_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS * 1024));
});
`;

/** A sweep of `snapshots` in one region from the command line, as the bench's other sweeps seed it. */
async function cliSweep(
  local: LocalAws,
  snapshots: number,
  workdir: string,
  env: NodeJS.ProcessEnv,
): Promise<CliResult['sweep']> {
  local.reset();
  local.seedFleet({
    count: snapshots,
    seed: 42,
    regions: [HOME_REGION],
    allowedAccounts: [...ALLOWED_ACCOUNTS],
    unauthorizedShare: UNAUTHORIZED_SHARE_OF_MANUAL,
    supportShare: 0,
  });
  const policy = join(workdir, 'cli-policy.yml');
  const preload = join(workdir, 'peak-rss.cjs');
  const peakFile = join(workdir, 'cli-peak-rss');
  await writeFile(policy, benchPolicyText([HOME_REGION]));
  await writeFile(preload, PEAK_RSS);
  const swept = await guard(
    ['sweep', '--policy', policy, '--json'],
    { ...env, BENCH_PEAK_RSS_FILE: peakFile },
    ['--require', preload],
  );
  // Exit 1: the fleet carries grants to revoke. Anything else means the sweep did not finish.
  if (swept.code > 1) throw new Error(`snapshot-guard sweep failed (exit ${swept.code}): ${swept.stderr}`);
  const report = JSON.parse(swept.stdout) as { summary: { snapshots: number } };
  if (report.summary.snapshots !== snapshots) {
    throw new Error(`the command line swept ${report.summary.snapshots} snapshots of ${snapshots}`);
  }
  return {
    snapshots,
    peakRssMb: Number(await readFile(peakFile, 'utf8')) / MB,
    wallMs: swept.ms,
  };
}

/**
 * Builds the command line, times its start against Node's own, and sweeps a fleet with it.
 * Everything runs through bin/snapshot-guard.js in fresh processes, with only the environment the
 * stand-in needs (no AWS profile; HOME is `workdir`).
 */
export async function measureCli(options: {
  local: LocalAws;
  workdir: string;
  helpRuns: number;
  sweepSnapshots: number;
}): Promise<CliResult> {
  await buildCli();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: options.workdir,
    TZ: 'UTC',
    AWS_ENDPOINT_URL: options.local.endpoint,
    AWS_REGION: HOME_REGION,
    ...LOCAL_CREDENTIALS,
    AWS_CONFIG_FILE: join(options.workdir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(options.workdir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const help = await helpTiming(options.helpRuns, env);
  const sweep = await cliSweep(options.local, options.sweepSnapshots, options.workdir, env);
  return { help, sweep };
}
