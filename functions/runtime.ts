import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type AwsClients, callLimits, clientTimeouts, createClients, withCallLimits } from './aws/clients.ts';
import { callerAccount } from './aws/inventory.ts';
import type { SweepPart } from './engine/continuation.ts';
import type { RunContext } from './engine/event-builders.ts';
import type { RunReport } from './engine/run-report.ts';
import { type LoadedPolicy, lineOf } from './policy/load.ts';
import { loadPolicyFile } from './policy/packaged.ts';

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
  /** What one call may take at most (see `clientTimeouts`); the SDK's defaults without it. */
  callBudgetMs?: number;
}): Promise<Runtime> {
  const loaded = await loadPolicyFile(options.policyPath, { now: options.now });
  const timeouts = options.callBudgetMs === undefined ? {} : clientTimeouts(options.callBudgetMs);
  return runtimeFor(loaded, createClients({ homeRegion: options.homeRegion, ...timeouts }));
}

const HandlerEnvSchema = z.object({
  POLICY_PATH: z.string().min(1).default('policies/default.yml'),
  AWS_REGION: z.string().min(1),
});

/**
 * A Lambda handler's runtime: built from the environment on first use and kept for the
 * container's life. The first invocation's remaining time is the function's timeout: the SDK's
 * attempts and request timeout are sized from it, less what the run keeps back (`reserveMs`), so
 * a 30 s function never waits 6 × 10 s on one call. A build that fails (a policy that does not
 * load) is tried again on the next invocation rather than cached.
 *
 * @example
 * const runtime = lazyRuntime(SWEEP_RESERVE_MS);
 * const rt = await runtime(context.getRemainingTimeInMillis()); // loads POLICY_PATH once per cold start
 */
export function lazyRuntime(reserveMs = 0): (timeoutMs?: number) => Promise<Runtime> {
  let pending: Promise<Runtime> | undefined;
  return (timeoutMs) => {
    pending ??= Promise.resolve()
      .then(() => {
        const env = HandlerEnvSchema.parse(process.env);
        return createRuntime({
          policyPath: env.POLICY_PATH,
          homeRegion: env.AWS_REGION,
          ...(timeoutMs === undefined ? {} : { callBudgetMs: timeoutMs - reserveMs / 2 }),
        });
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

/** What any run may be asked, whatever started it. */
export type RunRequest = {
  /** Plan and report only; `mode: audit` in the policy forces it. */
  dryRun?: boolean;
  /** Time left before the host stops the run; without it (the CLI) nothing is cut short. */
  remainingMs?: () => number;
  /** Fires just before the host stops the run (middy's `timeoutEarlyInMillis`). */
  signal?: AbortSignal;
  now?: Date;
  runId?: string;
};

/** What every run shares, whatever started it. */
export function runContext(
  rt: Runtime,
  account: string,
  request: Pick<RunRequest, 'dryRun' | 'now' | 'runId' | 'remainingMs'> & {
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

/**
 * Runs `run` with every AWS call it makes bound by the host's deadline (see `callLimits`), and
 * says how many calls were cut short. Without `remainingMs` (the CLI) nothing is cut.
 *
 * @example
 * const { value, cut } = await withinTime(request, 5_000, () => run());
 */
export async function withinTime<T>(
  request: Pick<RunRequest, 'remainingMs' | 'signal'>,
  reserveMs: number,
  run: () => Promise<T>,
): Promise<{ value: T; cut: number }> {
  if (!request.remainingMs) return { value: await run(), cut: 0 };
  const limits = callLimits(request.remainingMs(), reserveMs, request.signal);
  try {
    const value = await withCallLimits(limits, run);
    return { value, cut: limits.cut };
  } finally {
    limits.dispose();
  }
}

/** A report some of whose calls were cut short by time: not everything was done, and it says so. */
export function cutShort(report: RunReport, cut: number): RunReport {
  return cut > 0 ? { ...report, truncated: true, compliant: false } : report;
}

/** Kept back from the sweep's Lambda timeout for publishing the last events and returning. */
export const SWEEP_RESERVE_MS = 20_000;

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
    ...(report.sweep ? { sweep: partSummary(report.sweep) } : {}),
    inventoryErrors: report.inventoryErrors.length,
    events: { published: report.events.published, failed: report.events.failed.length },
    ...(report.securityHub
      ? { securityHub: { ...report.securityHub, failed: report.securityHub.failed.length } }
      : {}),
  };
}

/** A sweep part in the Lambda result: which part, and whether a next one was asked for. */
function partSummary(part: SweepPart) {
  return {
    sweepId: part.sweepId,
    part: part.part,
    ...(part.next ? { next: { part: part.next.part, regions: part.next.regions.map((r) => r.region) } } : {}),
    ...(part.requested ? { requested: part.requested } : {}),
    ...(part.notContinued ? { notContinued: part.notContinued } : {}),
    ...(part.outOfScope ? { outOfScope: part.outOfScope } : {}),
  };
}
