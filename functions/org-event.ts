import type { Context } from 'aws-lambda';
import { summarizeEvent } from './event-runtime.ts';
import { CloudTrailEventSchema } from './events/cloudtrail.ts';
import { observability, recordMetrics, withStack } from './middleware/stack.ts';
import { handleMemberEvent } from './org/lambda.ts';
import { lazyRuntime } from './runtime.ts';

const obs = observability();
const runtime = lazyRuntime();

/**
 * Organisation mode's real-time path (serverless.yml puts it in the snapshotEvent function's
 * place): a CloudTrail event a member account forwarded to the hub's bus, judged and enforced as
 * that member by assuming its role. Events from accounts outside the policy's scope are ignored
 * with a log line and no call into any member account.
 */
export const handler = withStack(CloudTrailEventSchema, obs, async (event, context: Context) => {
  obs.logger.appendKeys({
    eventName: event.detail.eventName,
    eventId: event.detail.eventID,
    account: event.account,
  });
  const result = await handleMemberEvent(await runtime(), event, {
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  obs.logger.appendKeys({ runId: result.report.runId });
  recordMetrics(obs.metrics, result.report);
  const summary = summarizeEvent(result);
  if (summary.ignored) obs.logger.info('snapshot event ignored', { reason: summary.ignored });
  obs.logger.info('snapshot event handled', { summary });
  return summary;
});
