import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { RunReport } from '../engine/run.ts';
import { InputError } from '../errors.ts';

export const SERVICE = 'redshift-snapshot-guard';

export type Observability = { logger: Logger; metrics: Metrics };

/** Built once per cold start by each handler module. */
export function observability(): Observability {
  const logger = new Logger({ serviceName: SERVICE });
  // Metrics' own warnings (e.g. "No application metrics to publish" after a rejected event) go
  // through the function's logger: structured like every other log line, and at its log level,
  // instead of raw text on stderr.
  const metrics = new Metrics({ namespace: 'RedshiftSnapshotGuard', serviceName: SERVICE, logger });
  return { logger, metrics };
}

type Issue = z.core.$ZodIssue;

/**
 * For a union, the issue of the branch the input came closest to (fewest issues), with the
 * union's own path in front: "dryRun: expected boolean" beats "Invalid input".
 */
function closest(issue: Issue, prefix: PropertyKey[]): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
  return best?.[0] ? closest(best[0], path) : { issue, path };
}

/** The first issue of a failed parse as `path: message`, the way a person hunts for it. */
export function describeIssue(error: z.ZodError): { path: string; message: string; issue?: Issue } {
  const first = error.issues[0];
  if (!first) return { path: '(event)', message: 'invalid' };
  const { issue, path } = closest(first, []);
  const dotted = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return { path: dotted || '(event)', message: issue.message, issue };
}

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

/** One metric per figure a security team alarms on. */
export function recordMetrics(metrics: Metrics, report: RunReport): void {
  const t = report.totals;
  metrics.addMetric('SnapshotsChecked', MetricUnit.Count, t.snapshots);
  metrics.addMetric('Findings', MetricUnit.Count, t.findings);
  metrics.addMetric('Revocations', MetricUnit.Count, t.revocations.applied ?? 0);
  metrics.addMetric('Deletions', MetricUnit.Count, t.deletions.applied ?? 0);
  metrics.addMetric('Failures', MetricUnit.Count, t.failures + report.events.failed.length);
  metrics.addMetric('BlastRadiusExceeded', MetricUnit.Count, report.blastRadius ? 1 : 0);
}

/**
 * How long before Lambda's timeout middy gives up on a handler still running (its signal fires and
 * the invocation fails with a TimeoutError). A backstop only: the handlers abandon their own calls
 * earlier and return their report (see `callLimits`).
 */
export const TIMEOUT_EARLY_MS = 500;

/**
 * The stack every handler shares: context-aware logs, metrics flushed after each invocation,
 * zod-checked event. The handler gets middy's signal, which fires TIMEOUT_EARLY_MS before the
 * Lambda's timeout.
 */
export function withStack<S extends z.ZodType, R>(
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
