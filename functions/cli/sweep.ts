import { Command } from 'commander';
import { createClients } from '../aws/clients.ts';
import { toAsff } from '../engine/asff.ts';
import { openFindings } from '../engine/findings.ts';
import type { RunReport } from '../engine/run-report.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { lineOf } from '../policy/load.ts';
import { jsonReport } from '../report/json.ts';
import { renderReport } from '../report/table.ts';
import { runSweep, runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import { nodeNotice } from './node-notice.ts';
import { organizationSweepCli } from './org-sweep.ts';
import { chooseRegions } from './region.ts';
import { reportRunError } from './run-error.ts';
import {
  EXIT,
  exitHelp,
  loadPolicyFor,
  parseRunFlags,
  progress,
  regionOption,
  reportSource,
  textStyle,
} from './run-flags.ts';

export { EXIT } from './run-flags.ts';

/**
 * The run's open findings as the ASFF document BatchImportFindings takes (`{ "Findings": [...] }`),
 * one per (snapshot, kind), each CreatedAt the run's time.
 */
function asffDocument(report: RunReport, loaded: LoadedPolicy): string {
  const context = {
    account: report.account,
    now: new Date(report.startedAt),
    runId: report.runId,
    locate: (path: string) => lineOf(loaded, path),
    policyFile: loaded.file,
    policySha256: loaded.sha256,
  };
  const findings = openFindings(report.snapshots).map((f) => toAsff(f, context));
  return `${JSON.stringify({ Findings: findings }, null, 2)}\n`;
}

/**
 * `snapshot-guard sweep`: the scheduled job's engine, run from a terminal with the standard
 * credential chain and `AWS_ENDPOINT_URL*`.
 *
 * @example
 * const code = await sweepCli({ policy: 'policies/default.yml', dryRun: true }, processIo);
 */
export async function sweepCli(flags: unknown, io: CliIo): Promise<number> {
  const opts = parseRunFlags(flags, io);
  if (!opts) return EXIT.badInput;
  if (opts.json && opts.asff) {
    io.stderr('error: --json and --asff each print one document: give one of them\n');
    return EXIT.badInput;
  }
  const loaded = await loadPolicyFor(opts.policy, io);
  if (!loaded) return EXIT.badInput;
  if (loaded.policy.organization && opts.asff) {
    io.stderr(
      "error: --asff prints one account's findings; a policy with an organization block sweeps many: use --json\n",
    );
    return EXIT.badInput;
  }
  const choice = await chooseRegions(opts.region, loaded.policy.regions, io.env);
  if ('error' in choice) {
    io.stderr(`error: ${choice.error}\n`);
    return EXIT.badInput;
  }
  nodeNotice(io);
  if (loaded.policy.organization) return organizationSweepCli(loaded, opts, choice, io);
  const rt = runtimeFor(loaded, createClients({ homeRegion: choice.home }));
  const shown = progress(io);
  try {
    const report = await runSweep(rt, {
      trigger: 'cli',
      dryRun: opts.dryRun,
      regions: choice.regions,
      onProgress: shown.update,
    });
    shown.done();
    const source = reportSource(loaded, choice.regions);
    io.stdout(
      opts.asff
        ? asffDocument(report, loaded)
        : opts.json
          ? `${JSON.stringify(jsonReport(report, source), null, 2)}\n`
          : renderReport(report, source, textStyle(io, opts.color)),
    );
    return report.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    shown.done();
    return reportRunError(error, io, choice.home);
  }
}

export function sweepCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('sweep')
    .description(
      "sweep every snapshot in the policy's regions: evaluate, revoke what the policy does not allow, publish events, report",
    )
    .requiredOption('--policy <file>', 'policy file to enforce (required)')
    .addOption(
      regionOption(
        "region to sweep; repeat for several (default: the policy's regions, else the AWS SDK's region: AWS_REGION or your profile's)",
      ),
    )
    .option('--dry-run', 'plan and report, change nothing (mode: audit in the policy does the same)')
    .option('--json', 'print one JSON report (run id, policy sha256, summary, findings, actions, events)')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR does the same; pipes never get colour)')
    .option('--asff', 'print the open findings in AWS Security Finding Format, as sent to Security Hub')
    .addHelpText('after', exitHelp('compliant at the end of the run: nothing left to fix, nothing failed'))
    .action(async (flags) => setExit(await sweepCli(flags, io)));
}
