import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability, recordMetrics } from './lambda/observability.ts';
import { lazyRuntime, SWEEP_RESERVE_MS, summarize } from './runtime.ts';
import { runSweep } from './sweep-runtime.ts';

/** An EventBridge schedule, or a manual invoke asking for a dry run. */
export const SweepEventSchema = z.union([
  z.looseObject({
    'detail-type': z.literal('Scheduled Event'),
    source: z.literal('aws.events'),
    id: z.string(),
  }),
  z.strictObject({ dryRun: z.boolean().optional() }),
]);

const obs = observability();
const runtime = lazyRuntime(SWEEP_RESERVE_MS);

/**
 * Scheduled compliance sweep: parse, sweep, summarize. Policy and clients are built on the first
 * call; every AWS call is bound by the time the invocation has left.
 */
export const handler = lambdaHandler(SweepEventSchema, obs, async (event, context: Context, signal) => {
  const report = await runSweep(await runtime(context.getRemainingTimeInMillis()), {
    trigger: 'schedule',
    dryRun: 'dryRun' in event && event.dryRun === true,
    remainingMs: () => context.getRemainingTimeInMillis(),
    signal,
  });
  obs.logger.appendKeys({ runId: report.runId });
  recordMetrics(obs.metrics, report);
  const summary = summarize(report);
  obs.logger.info('sweep finished', { summary });
  return summary;
});
