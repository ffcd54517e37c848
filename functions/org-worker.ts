import type { Context } from 'aws-lambda';
import { observability, recordMetrics, withStack } from './middleware/stack.ts';
import { memberAccessFor } from './org/lambda.ts';
import { WorkItemSchema } from './org/model.ts';
import { sweepAccountRegion } from './org/worker.ts';
import { lazyRuntime } from './runtime.ts';

const obs = observability();
const runtime = lazyRuntime();

/**
 * Organisation mode: one work item of the Distributed Map, one account in one region. Assumes the
 * member role and runs the engine there; returns the small result the map gathers.
 */
export const handler = withStack(WorkItemSchema, obs, async (work, context: Context) => {
  const { run, item, phase } = work;
  obs.logger.appendKeys({ runId: run.runId, account: item.account, region: item.region, phase });
  const rt = await runtime();
  const { result, report } = await sweepAccountRegion(
    {
      loaded: rt.loaded,
      hub: rt.clients,
      access: memberAccessFor(rt, run.runId),
      remainingMs: () => context.getRemainingTimeInMillis(),
    },
    work,
  );
  if (report) recordMetrics(obs.metrics, report);
  obs.logger.info('account-region finished', { result });
  return result;
});
