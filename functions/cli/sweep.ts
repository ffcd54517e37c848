import { createClients } from '../aws/clients.ts';
import { toAsff } from '../engine/asff.ts';
import { openFindings } from '../engine/findings.ts';
import type { RunReport } from '../engine/run-report.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { lineOf } from '../policy/load.ts';
import { jsonReport } from '../report/json.ts';
import { renderReport } from '../report/table.ts';
import { runtimeFor } from '../runtime.ts';
import { runSweep } from '../sweep-runtime.ts';
import type { CliIo } from './io.ts';
import { nodeNotice } from './node-notice.ts';
import { chooseRegions } from './region.ts';
import { reportRunError } from './run-error.ts';
import { EXIT, loadPolicyFor, parseRunFlags, progress, reportSource, textStyle } from './run-flags.ts';

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
  if (loaded.policy.organization) {
    // Loaded only for an organisation policy: a single-account sweep never loads Organizations.
    const { organizationSweepCli } = await import('./org-sweep.ts');
    return organizationSweepCli(loaded, opts, choice, io);
  }
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
