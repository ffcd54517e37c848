import type { Context } from 'aws-lambda';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability, recordMetrics } from './lambda/observability.ts';
import { memberAccessFor } from './org/lambda.ts';
import { WorkItemSchema } from './org/model.ts';
import { sweepAccountRegion } from './org/worker.ts';
import { lazyRuntime, SWEEP_RESERVE_MS } from './runtime.ts';

const obs = observability();
const runtime = lazyRuntime(SWEEP_RESERVE_MS);

/**
 * Organisation mode: one work item of the Distributed Map, one account in one region. Assumes the
 * member role and runs the engine there; returns the small result the map gathers. Every call is
 * bound by the time the invocation has left, as the single-account sweep's are.
 */
export const handler = lambdaHandler(WorkItemSchema, obs, async (work, context: Context, signal) => {
  const { run, item, phase } = work;
  obs.logger.appendKeys({ runId: run.runId, account: item.account, region: item.region, phase });
  const timeoutMs = context.getRemainingTimeInMillis();
  const rt = await runtime(timeoutMs);
  const { result, report } = await sweepAccountRegion(
    {
      loaded: rt.loaded,
      hub: rt.clients,
      access: memberAccessFor(rt, run.runId, timeoutMs - SWEEP_RESERVE_MS / 2),
      remainingMs: () => context.getRemainingTimeInMillis(),
      signal,
      reserveMs: SWEEP_RESERVE_MS,
    },
    work,
  );
  if (report) recordMetrics(obs.metrics, report);
  obs.logger.info('account-region finished', { result });
  return result;
});
