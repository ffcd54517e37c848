import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { createClients } from '../aws/clients.ts';
import { organizationsRegion } from '../org/accounts.ts';
import { runOrganization } from '../org/run.ts';
import type { WorkOutcome } from '../org/worker.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { organizationJson, renderOrganizationReport } from '../report/organization.ts';
import { runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import type { RegionChoice } from './region.ts';
import { reportRunError } from './run-error.ts';
import { EXIT, type RunFlags, reportSource, textStyle } from './run-flags.ts';

/** One stderr line per account-region as it finishes, when a person is watching. */
function progress(io: CliIo) {
  return ({ result, report }: WorkOutcome, phase: string) => {
    const read = report ? `${report.totals.snapshots} snapshots` : '';
    const what =
      result.status === 'held'
        ? `${read}; ${(result.planned?.revocations ?? 0) + (result.planned?.deletions ?? 0)} changes wait for the run's limits`
        : result.status === 'swept'
          ? `${read}${result.compliant ? ', compliant' : ', not compliant'}`
          : `${result.status.toUpperCase()}: ${result.reason ?? ''}`;
    io.stderr(`${phase === 'sweep' ? '' : `${phase}: `}${result.account} ${result.region}  ${what}\n`);
  };
}

/**
 * `snapshot-guard sweep` for a policy with an `organization` block: the organisation run in this
 * process (plan, workers with `maxConcurrency` at once, gate, summary), with the same modules as
 * the hub's Lambda functions, against the standard credential chain and `AWS_ENDPOINT_URL*`.
 * The regions are those `sweep` resolves (`chooseRegions`): every member account is swept in each,
 * and the first is the hub's home region. Exit 0 when every account-region is compliant, 1 when
 * anything remains or failed.
 *
 * @example
 * const code = await organizationSweepCli(loaded, opts, { home: 'us-east-1', regions: ['us-east-1'] }, io);
 */
export async function organizationSweepCli(
  loaded: LoadedPolicy,
  opts: RunFlags,
  choice: RegionChoice,
  io: CliIo,
): Promise<number> {
  const hub = runtimeFor(loaded, createClients({ homeRegion: choice.home }));
  const organizations = new OrganizationsClient({ region: organizationsRegion(choice.home), maxAttempts: 6 });
  try {
    const report = await runOrganization(
      {
        loaded,
        hub: hub.clients,
        organizations,
        hubAccount: hub.account,
        ...(io.isTTY ? { onItem: progress(io) } : {}),
      },
      { trigger: 'cli', dryRun: opts.dryRun, regions: choice.regions },
    );
    const source = reportSource(loaded, choice.regions);
    const account = await hub.account();
    io.stdout(
      opts.json
        ? `${JSON.stringify(organizationJson(report, source, account), null, 2)}\n`
        : renderOrganizationReport(report, source, account, textStyle(io, opts.color)),
    );
    return report.summary.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    return reportRunError(error, io, choice.home);
  } finally {
    organizations.destroy();
  }
}
