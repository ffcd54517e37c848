import type { Context } from 'aws-lambda';
import { runSnapshotEvent, summarizeEvent } from './event-runtime.ts';
import { CloudTrailEventSchema } from './events/cloudtrail.ts';
import { observability, recordMetrics, withStack } from './middleware/stack.ts';
import { lazyRuntime } from './runtime.ts';

const obs = observability();
const runtime = lazyRuntime();

/**
 * Real-time enforcement: one CloudTrail event for a snapshot change, judged on the snapshot's
 * current state. Policy and clients are built on the first call.
 */
export const handler = withStack(CloudTrailEventSchema, obs, async (event, context: Context) => {
  obs.logger.appendKeys({ eventName: event.detail.eventName, eventId: event.detail.eventID });
  const result = await runSnapshotEvent(await runtime(), event, {
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  obs.logger.appendKeys({ runId: result.report.runId });
  recordMetrics(obs.metrics, result.report);
  const summary = summarizeEvent(result);
  if (summary.ignored) obs.logger.info('snapshot event ignored', { reason: summary.ignored });
  obs.logger.info('snapshot event handled', { summary });
  return summary;
});
