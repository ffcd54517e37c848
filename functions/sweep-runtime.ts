import { requestNextPart } from './aws/event-bus.ts';
import { sweepPorts } from './aws/sweep-ports.ts';
import type { Continuation } from './engine/continuation.ts';
import type { RunReport } from './engine/run-report.ts';
import { sweep } from './engine/sweep.ts';
import {
  cutShort,
  type RunRequest,
  type Runtime,
  runContext,
  SWEEP_RESERVE_MS,
  withinTime,
} from './runtime.ts';

export type SweepRequest = RunRequest & {
  trigger: 'schedule' | 'cli';
  /** Overrides the policy's regions (the CLI's `--region`). */
  regions?: string[];
  onProgress?: (snapshotsRead: number) => void;
  /** A later part of a sweep: what the earlier part left to read (engine/continuation.ts). */
  from?: Continuation;
};

/**
 * One compliance sweep with the runtime's policy and clients: every region the policy (or the
 * request) names, listed whole. Only the sweep lists; the event path (event-runtime.ts) reads the
 * snapshots an event names and loads none of the listing. A part that could not read everything
 * in its time asks for the next part on the compliance bus (engine/continuation.ts), and its
 * report says whether that worked (`sweep.requested`).
 *
 * @example
 * const report = await runSweep(rt, { trigger: 'schedule', remainingMs: () => context.getRemainingTimeInMillis() });
 */
export async function runSweep(rt: Runtime, request: SweepRequest): Promise<RunReport> {
  const policy = rt.loaded.policy;
  const { value, cut } = await withinTime(request, SWEEP_RESERVE_MS, async () => {
    const account = await rt.account();
    return sweep(
      {
        ...runContext(rt, account, request),
        regions: request.regions ?? policy.regions ?? [rt.clients.homeRegion],
        onProgress: request.onProgress,
        reserveMs: SWEEP_RESERVE_MS,
        inParts: true,
        ...(request.from ? { from: request.from } : {}),
      },
      {
        ...sweepPorts(rt.clients, policy, account),
        continueWith: (next) => requestNextPart(rt.clients.events, next, policy.events),
      },
    );
  });
  return cutShort(value, cut);
}
