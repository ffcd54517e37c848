import type { Context } from 'aws-lambda';
import { EVENT_RESERVE_MS, summarizeEvent } from './event-runtime.ts';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability, recordMetrics } from './lambda/observability.ts';
import { handleMemberEvent } from './org/lambda.ts';
import { lazyRuntime } from './runtime.ts';
import { CloudTrailEventSchema } from './triggers/cloudtrail.ts';

const obs = observability();
const runtime = lazyRuntime(EVENT_RESERVE_MS);

/**
 * Organisation mode's real-time path (serverless.yml puts it in the snapshotEvent function's
 * place): a CloudTrail event a member account forwarded to the hub's bus, judged and enforced as
 * that member by assuming its role. Like the single-account event function it never deletes.
 * Events from accounts outside the policy's scope are ignored with a log line and no call into
 * any member account. Every call is bound by the time the invocation has left.
 */
export const handler = lambdaHandler(CloudTrailEventSchema, obs, async (event, context: Context, signal) => {
  obs.logger.appendKeys({
    eventName: event.detail.eventName,
    eventId: event.detail.eventID,
    account: event.account,
  });
  const timeoutMs = context.getRemainingTimeInMillis();
  const result = await handleMemberEvent(
    await runtime(timeoutMs),
    event,
    { remainingMs: () => context.getRemainingTimeInMillis(), signal },
    timeoutMs - EVENT_RESERVE_MS / 2,
  );
  obs.logger.appendKeys({ runId: result.report.runId });
  recordMetrics(obs.metrics, result.report);
  const summary = summarizeEvent(result);
  if (summary.ignored) obs.logger.info('snapshot event ignored', { reason: summary.ignored });
  obs.logger.info('snapshot event handled', { summary });
  return summary;
});
