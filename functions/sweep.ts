import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { CONTINUATION_DETAIL_TYPE, type Continuation, ContinuationSchema } from './engine/continuation.ts';
import { lambdaHandler } from './lambda/middleware.ts';
import { observability, recordMetrics } from './lambda/observability.ts';
import { lazyRuntime, SWEEP_RESERVE_MS, summarize } from './runtime.ts';
import { runSweep } from './sweep-runtime.ts';

/**
 * An EventBridge schedule, the compliance bus asking for a sweep's next part (sent by the part
 * before it), or a manual invoke asking for a dry run.
 */
export const SweepEventSchema = z.union([
  z.looseObject({
    'detail-type': z.literal('Scheduled Event'),
    source: z.literal('aws.events'),
    id: z.string(),
  }),
  z.looseObject({
    'detail-type': z.literal(CONTINUATION_DETAIL_TYPE),
    id: z.string(),
    detail: ContinuationSchema,
  }),
  z.strictObject({ dryRun: z.boolean().optional() }),
]);

type SweepEvent = z.infer<typeof SweepEventSchema>;

/** A later part of a sweep reads what the part before it left, and is a dry run if the sweep is. */
function partOf(event: SweepEvent): { dryRun: boolean; from?: Continuation } {
  if (!('detail-type' in event)) return { dryRun: event.dryRun === true };
  if (event['detail-type'] !== CONTINUATION_DETAIL_TYPE) return { dryRun: false };
  return { dryRun: event.detail.dryRun, from: event.detail };
}

const obs = observability();
const runtime = lazyRuntime(SWEEP_RESERVE_MS);

/**
 * Scheduled compliance sweep: parse, sweep, summarize. Policy and clients are built on the first
 * call; every AWS call is bound by the time the invocation has left.
 */
export const handler = lambdaHandler(SweepEventSchema, obs, async (event, context: Context, signal) => {
  const report = await runSweep(await runtime(context.getRemainingTimeInMillis()), {
    trigger: 'schedule',
    ...partOf(event),
    remainingMs: () => context.getRemainingTimeInMillis(),
    signal,
  });
  obs.logger.appendKeys({ runId: report.runId });
  recordMetrics(obs.metrics, report);
  const summary = summarize(report);
  obs.logger.info('sweep finished', { summary });
  return summary;
});
