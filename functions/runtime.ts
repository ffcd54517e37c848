import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type AwsClients, createClients } from './aws/clients.ts';
import { callerAccount } from './aws/inventory.ts';
import { awsPorts } from './aws/ports.ts';
import type { RunContext } from './engine/detail.ts';
import type { RunReport } from './engine/run.ts';
import { sweep } from './engine/sweep.ts';
import { type LoadedPolicy, lineOf, loadPolicy } from './policy/load.ts';

/**
 * What a cold start builds once and every invocation reuses: the validated policy, the SDK
 * clients, and the caller's account (looked up on first use, then kept).
 */
export type Runtime = {
  loaded: LoadedPolicy;
  clients: AwsClients;
  account: () => Promise<string>;
};

export async function createRuntime(options: {
  policyPath: string;
  homeRegion: string;
  now?: Date;
}): Promise<Runtime> {
  const loaded = await loadPolicy(options.policyPath, { now: options.now });
  return runtimeFor(loaded, createClients({ homeRegion: options.homeRegion }));
}

const HandlerEnvSchema = z.object({
  POLICY_PATH: z.string().min(1).default('policies/default.yml'),
  AWS_REGION: z.string().min(1),
});

/**
 * A Lambda handler's runtime: built from the environment on first use and kept for the
 * container's life. A build that fails (a policy that does not load) is tried again on the next
 * invocation rather than cached.
 *
 * @example
 * const runtime = lazyRuntime();
 * const rt = await runtime(); // loads POLICY_PATH once per cold start
 */
export function lazyRuntime(): () => Promise<Runtime> {
  let pending: Promise<Runtime> | undefined;
  return () => {
    pending ??= Promise.resolve()
      .then(() => {
        const env = HandlerEnvSchema.parse(process.env);
        return createRuntime({ policyPath: env.POLICY_PATH, homeRegion: env.AWS_REGION });
      })
      .catch((error) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}

export function runtimeFor(loaded: LoadedPolicy, clients: AwsClients): Runtime {
  let account: Promise<string> | undefined;
  return {
    loaded,
    clients,
    account: () => {
      account ??= callerAccount(clients.sts).catch((error) => {
        account = undefined; // a failed lookup must not poison the next invocation
        throw error;
      });
      return account;
    },
  };
}

export type SweepRequest = {
  trigger: 'schedule' | 'cli';
  /** Plan and report only; `mode: audit` in the policy forces it. */
  dryRun?: boolean;
  /** Overrides the policy's regions (the CLI's `--region`). */
  regions?: string[];
  remainingMs?: () => number;
  now?: Date;
  runId?: string;
  onProgress?: (snapshotsRead: number) => void;
};

/** What every run shares, whatever started it. */
export function runContext(
  rt: Runtime,
  account: string,
  request: Pick<SweepRequest, 'dryRun' | 'now' | 'runId' | 'remainingMs'> & {
    trigger: RunContext['trigger'];
    triggerEventId?: string;
  },
) {
  const policy = rt.loaded.policy;
  return {
    runId: request.runId ?? randomUUID(),
    trigger: request.trigger,
    triggerEventId: request.triggerEventId,
    account,
    policy,
    dryRun: request.dryRun === true || policy.mode === 'audit',
    now: request.now ?? new Date(),
    locate: (path: string) => lineOf(rt.loaded, path),
    policyFile: rt.loaded.file,
    policySha256: rt.loaded.sha256,
    homeRegion: rt.clients.homeRegion,
    remainingMs: request.remainingMs,
  };
}

/** One compliance sweep with the runtime's policy and clients. */
export async function runSweep(rt: Runtime, request: SweepRequest): Promise<RunReport> {
  const policy = rt.loaded.policy;
  const account = await rt.account();
  return sweep(
    {
      ...runContext(rt, account, request),
      regions: request.regions ?? policy.regions ?? [rt.clients.homeRegion],
      onProgress: request.onProgress,
      // Kept back from the Lambda timeout for publishing the last events and returning.
      reserveMs: 20_000,
    },
    awsPorts(rt.clients, policy, account),
  );
}

/** The Lambda result and log line: counts, not the findings themselves. */
export function summarize(report: RunReport) {
  return {
    runId: report.runId,
    compliant: report.compliant,
    mode: report.mode,
    dryRun: report.dryRun,
    totals: report.totals,
    blastRadius: report.blastRadius,
    truncated: report.truncated,
    inventoryErrors: report.inventoryErrors.length,
    events: { published: report.events.published, failed: report.events.failed.length },
    ...(report.securityHub
      ? { securityHub: { ...report.securityHub, failed: report.securityHub.failed.length } }
      : {}),
  };
}
