import { Command } from 'commander';
import { z } from 'zod';
import { createClients } from '../aws/clients.ts';
import { jsonReport, renderReport } from '../engine/report.ts';
import { PolicyError } from '../errors.ts';
import { lineOf, loadPolicy } from '../policy/load.ts';
import { runSweep, runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';

const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

export const SweepFlagsSchema = z.strictObject({
  policy: z.string().min(1),
  region: z.array(z.string().regex(REGION, { error: 'is not an AWS region name' })).default([]),
  dryRun: z.boolean().default(false),
  json: z.boolean().default(false),
});

/** Exit codes: 0 compliant at the end, 1 violations or failures remain, 2 bad input (no AWS call made). */
export const EXIT = { compliant: 0, notCompliant: 1, badInput: 2 } as const;

/**
 * `snapshot-guard sweep`: the scheduled job's engine, run from a terminal with the standard
 * credential chain and `AWS_ENDPOINT_URL*`.
 */
export async function sweepCli(flags: unknown, io: CliIo): Promise<number> {
  const parsed = SweepFlagsSchema.safeParse(flags);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      io.stderr(`error: --${issue.path.join('.')}: ${issue.message}\n`);
    return EXIT.badInput;
  }
  const opts = parsed.data;
  let loaded: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    loaded = await loadPolicy(opts.policy);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    io.stderr(`${error.message}\n`);
    return EXIT.badInput;
  }
  for (const w of loaded.warnings)
    io.stderr(`warning: ${w.file}:${w.line}:${w.col} ${w.path}: ${w.message}\n`);
  const env = io.env ?? process.env;
  const homeRegion =
    env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? opts.region[0] ?? loaded.policy.regions?.[0] ?? 'us-east-1';
  const regions = opts.region.length > 0 ? opts.region : (loaded.policy.regions ?? [homeRegion]);
  const rt = runtimeFor(loaded, createClients({ homeRegion }));
  try {
    const report = await runSweep(rt, {
      trigger: 'cli',
      dryRun: opts.dryRun,
      regions,
      onProgress: io.isTTY ? (n) => io.stderr(`\rread ${n} snapshots…`) : undefined,
    });
    if (io.isTTY) io.stderr('\n');
    const source = {
      policyFile: loaded.file,
      policySha256: loaded.sha256,
      regions,
      locate: (p: string) => lineOf(loaded, p),
    };
    io.stdout(
      opts.json ? `${JSON.stringify(jsonReport(report, source), null, 2)}\n` : renderReport(report, source),
    );
    return report.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    // Only the caller-identity lookup can throw here (no credentials, no network); nothing was changed.
    io.stderr(`error: ${(error as Error).name}: ${(error as Error).message}\n`);
    return EXIT.notCompliant;
  }
}

export function sweepCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('sweep')
    .description(
      "sweep every snapshot in the policy's regions: evaluate, revoke what the policy does not allow, publish events, report",
    )
    .requiredOption('--policy <file>', 'policy file to enforce')
    .option(
      '--region <region>',
      "region to sweep; repeat for several (default: the policy's regions, else AWS_REGION)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (run id, policy sha256, summary, findings, actions, events)')
    .action(async (flags) => setExit(await sweepCli(flags, io)));
}
