import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { InputError } from '../errors.ts';
import { describeIssue } from '../input/issues.ts';
import type { Observability } from './observability.ts';

/**
 * The middy stack every Lambda handler is wrapped in. Only the handlers load it (and Powertools
 * with it): the command line parses its input with the same schemas, without any of this.
 */

/**
 * Validates the event before anything else runs: a malformed event is rejected with its field
 * path and never reaches the engine, so it cannot cause an AWS call.
 */
export function parseEvent<S extends z.ZodType>(schema: S, logger: Logger): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) {
        const { path, message } = describeIssue(parsed.error);
        logger.error('rejected a malformed event', { path, issue: message });
        throw new InputError(message, { path });
      }
      request.event = parsed.data;
    },
  };
}

/**
 * How long before Lambda's timeout middy gives up on a handler still running (its signal fires and
 * the invocation fails with a TimeoutError). A backstop only: the handlers abandon their own calls
 * earlier and return their report (see `callLimits`).
 */
export const TIMEOUT_EARLY_MS = 500;

/**
 * A Lambda handler wrapped in the stack every handler shares: context-aware logs, metrics flushed
 * after each invocation, zod-checked event. The handler gets middy's signal, which fires
 * TIMEOUT_EARLY_MS before the Lambda's timeout.
 *
 * @example
 * export const handler = lambdaHandler(SweepEventSchema, obs, async (event, context, signal) => summary);
 */
export function lambdaHandler<S extends z.ZodType, R>(
  schema: S,
  obs: Observability,
  handler: (event: z.output<S>, context: Context, signal: AbortSignal) => Promise<R>,
) {
  return middy<z.output<S>, R, Error, Context>({ timeoutEarlyInMillis: TIMEOUT_EARLY_MS })
    .use(injectLambdaContext(obs.logger, { resetKeys: true }))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }))
    .use(parseEvent(schema, obs.logger) as MiddlewareObj<z.output<S>, R, Error, Context>)
    .handler((event, context, { signal }) => handler(event, context, signal));
}
