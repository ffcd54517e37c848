import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunReport } from '../engine/run-report.ts';

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
