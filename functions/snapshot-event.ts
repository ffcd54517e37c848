import type { Context } from 'aws-lambda';
import { EVENT_RESERVE_MS, runSnapshotEvent, summarizeEvent } from './event-runtime.ts';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability, recordMetrics } from './lambda/observability.ts';
import { lazyRuntime } from './runtime.ts';
import { CloudTrailEventSchema } from './triggers/cloudtrail.ts';

const obs = observability();
const runtime = lazyRuntime(EVENT_RESERVE_MS);

/**
 * Real-time enforcement: one CloudTrail event for a snapshot change, judged on the snapshot's
 * current state. Policy and clients are built on the first call; every AWS call is bound by the
 * time the invocation has left.
 */
export const handler = lambdaHandler(CloudTrailEventSchema, obs, async (event, context: Context, signal) => {
  obs.logger.appendKeys({ eventName: event.detail.eventName, eventId: event.detail.eventID });
  const result = await runSnapshotEvent(await runtime(context.getRemainingTimeInMillis()), event, {
    remainingMs: () => context.getRemainingTimeInMillis(),
    signal,
  });
  obs.logger.appendKeys({ runId: result.report.runId });
  recordMetrics(obs.metrics, result.report);
  const summary = summarizeEvent(result);
  if (summary.ignored) obs.logger.info('snapshot event ignored', { reason: summary.ignored });
  obs.logger.info('snapshot event handled', { summary });
  return summary;
});
