import type { Context } from 'aws-lambda';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability } from './lambda/observability.ts';
import { startScheduledRun } from './org/lambda.ts';
import { lazyRuntime, SWEEP_RESERVE_MS, withinTime } from './runtime.ts';
import { SweepEventSchema } from './sweep.ts';

const obs = observability();
const runtime = lazyRuntime(SWEEP_RESERVE_MS);

/**
 * Organisation mode's scheduled trigger (serverless.yml puts it in the sweep function's place):
 * plans the run over every member account and region and starts the Distributed Map that fans
 * it out. A manual invoke with `{ "dryRun": true }` starts a run that changes nothing. Its calls
 * (ListAccounts, StartExecution) are bound by the time the invocation has left.
 */
export const handler = lambdaHandler(SweepEventSchema, obs, async (event, context: Context, signal) => {
  const timeoutMs = context.getRemainingTimeInMillis();
  const rt = await runtime(timeoutMs);
  const request = { remainingMs: () => context.getRemainingTimeInMillis(), signal };
  const { value: started } = await withinTime(request, SWEEP_RESERVE_MS, () =>
    startScheduledRun(
      rt,
      { eventId: 'id' in event ? event.id : undefined, dryRun: 'dryRun' in event && event.dryRun === true },
      timeoutMs - SWEEP_RESERVE_MS / 2,
    ),
  );
  obs.logger.appendKeys({ runId: started.runId });
  obs.logger.info('organization sweep started', { started });
  return started;
});
