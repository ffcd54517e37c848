import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { runSnapshotEvent, summarizeEvent } from './event-runtime.ts';
import { CloudTrailEventSchema } from './events/cloudtrail.ts';
import { observability, recordMetrics, withStack } from './middleware/stack.ts';
import { createRuntime, type Runtime } from './runtime.ts';

const EnvSchema = z.object({
  POLICY_PATH: z.string().min(1).default('policies/default.yml'),
  AWS_REGION: z.string().min(1),
});

const obs = observability();
let runtime: Promise<Runtime> | undefined;

/**
 * Real-time enforcement: one CloudTrail event for a snapshot change, judged on the snapshot's
 * current state. Policy and clients are built on the first call.
 */
export const handler = withStack(CloudTrailEventSchema, obs, async (event, context: Context) => {
  const env = EnvSchema.parse(process.env);
  obs.logger.appendKeys({ eventName: event.detail.eventName, eventId: event.detail.eventID });
  runtime ??= createRuntime({ policyPath: env.POLICY_PATH, homeRegion: env.AWS_REGION }).catch((error) => {
    runtime = undefined; // a policy that failed to load is read again on the next event
    throw error;
  });
  const result = await runSnapshotEvent(await runtime, event, {
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  obs.logger.appendKeys({ runId: result.report.runId });
  recordMetrics(obs.metrics, result.report);
  const summary = summarizeEvent(result);
  if (summary.ignored) obs.logger.info('snapshot event ignored', { reason: summary.ignored });
  obs.logger.info('snapshot event handled', { summary });
  return summary;
});
