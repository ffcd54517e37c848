import { OrganizationsClient } from '@aws-sdk/client-organizations';
import * as z from 'zod';
import { createClients } from '../functions/aws/clients.ts';
import { callerAccount } from '../functions/aws/inventory.ts';
import { runOrganization } from '../functions/org/run.ts';
import { parsePolicy } from '../functions/policy/load.ts';

export const OrgConfigSchema = z.object({
  regions: z.array(z.string()).min(1),
  homeRegion: z.string(),
  policy: z.string(),
});
export type OrgConfig = z.infer<typeof OrgConfigSchema>;

const mb = z.number().nonnegative();
export const OrgMeasureSchema = z.object({
  wallMs: z.number().nonnegative(),
  cpuMs: z.number().nonnegative(),
  memory: z.object({ baselineRssMb: mb, peakRssMb: mb, peakHeapMb: mb }),
  summary: z.object({
    accounts: z.number(),
    accountRegions: z.number(),
    swept: z.number(),
    held: z.number(),
    snapshots: z.number(),
    revocationsApplied: z.number(),
    failures: z.number(),
    compliant: z.boolean(),
  }),
});
export type OrgMeasure = z.infer<typeof OrgMeasureSchema>;

const MB = 1024 * 1024;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * One organisation run as `snapshot-guard sweep` runs it in-process (the bundled product: plan,
 * workers with the policy's maxConcurrency, gate, summary), timed and sampled from inside the
 * sweeping process. Only the summary is kept, as the CLI would keep the per-account reports only
 * to print them.
 */
export async function measureOrgSweep(config: OrgConfig): Promise<OrgMeasure> {
  const loaded = parsePolicy(config.policy, 'bench-org-policy.yml');
  const hub = createClients({ homeRegion: config.homeRegion });
  const organizations = new OrganizationsClient({ region: 'us-east-1', maxAttempts: 6 });

  gc();
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };
  const sampler = setInterval(sample, 25);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const report = await runOrganization(
    { loaded, hub, organizations, hubAccount: () => callerAccount(hub.sts), onItem: sample },
    { trigger: 'cli', regions: config.regions },
  );
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  sample();
  const { summary } = report;
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    memory: {
      baselineRssMb: baseline.rss / MB,
      peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
      peakHeapMb: peakHeap / MB,
    },
    summary: {
      accounts: summary.accounts,
      accountRegions: summary.accountRegions,
      swept: summary.swept,
      held: report.gate?.held.length ?? 0,
      snapshots: summary.totals.snapshots,
      revocationsApplied: summary.totals.revocations.applied ?? 0,
      failures: summary.failures.length,
      compliant: summary.compliant,
    },
  };
}
