import type { Context } from 'aws-lambda';
import { observability, withStack } from './middleware/stack.ts';
import { startScheduledRun } from './org/lambda.ts';
import { lazyRuntime } from './runtime.ts';
import { SweepEventSchema } from './sweep.ts';

const obs = observability();
const runtime = lazyRuntime();

/**
 * Organisation mode's scheduled trigger (serverless.yml puts it in the sweep function's place):
 * plans the run over every member account and region and starts the Distributed Map that fans
 * it out. A manual invoke with `{ "dryRun": true }` starts a run that changes nothing.
 */
export const handler = withStack(SweepEventSchema, obs, async (event, _context: Context) => {
  const started = await startScheduledRun(await runtime(), {
    eventId: 'id' in event ? event.id : undefined,
    dryRun: 'dryRun' in event && event.dryRun === true,
  });
  obs.logger.appendKeys({ runId: started.runId });
  obs.logger.info('organization sweep started', { started });
  return started;
});
