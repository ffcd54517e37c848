import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { createClients } from '../aws/clients.ts';
import { organizationsRegion } from '../org/accounts.ts';
import { organizationJson, renderOrganizationReport } from '../org/report.ts';
import { runOrganization } from '../org/run.ts';
import type { WorkOutcome } from '../org/worker.ts';
import type { LoadedPolicy } from '../policy/load.ts';
import { runtimeFor } from '../runtime.ts';
import type { CliIo } from './io.ts';
import { EXIT, type RunFlags, reportRunError, reportSource } from './run-flags.ts';

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
 * Exit 0 when every account-region is compliant, 1 when anything remains or failed.
 */
export async function organizationSweepCli(loaded: LoadedPolicy, opts: RunFlags, io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const homeRegion =
    env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? opts.region[0] ?? loaded.policy.regions?.[0] ?? 'us-east-1';
  const regions = opts.region.length > 0 ? opts.region : (loaded.policy.regions ?? [homeRegion]);
  const hub = runtimeFor(loaded, createClients({ homeRegion }));
  const organizations = new OrganizationsClient({ region: organizationsRegion(homeRegion), maxAttempts: 6 });
  try {
    const report = await runOrganization(
      {
        loaded,
        hub: hub.clients,
        organizations,
        hubAccount: hub.account,
        ...(io.isTTY ? { onItem: progress(io) } : {}),
      },
      { trigger: 'cli', dryRun: opts.dryRun, regions },
    );
    const source = reportSource(loaded, regions);
    const account = await hub.account();
    io.stdout(
      opts.json
        ? `${JSON.stringify(organizationJson(report, source, account), null, 2)}\n`
        : renderOrganizationReport(report, source, account),
    );
    return report.summary.compliant ? EXIT.compliant : EXIT.notCompliant;
  } catch (error) {
    return reportRunError(error, io);
  } finally {
    organizations.destroy();
  }
}
