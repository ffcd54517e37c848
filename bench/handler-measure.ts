import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { handler } from '../functions/snapshot-event.ts';
import { startLocalAws } from '../local/server.ts';
import { installReplay } from './replay.ts';
import { installSendTimer } from './send-timer.ts';
import { ACCOUNT, BUS } from './settings.ts';
import { median, percentile } from './stats.ts';

export const HandlerConfigSchema = z.object({
  /** A CloudTrail event, as EventBridge delivers it; its snapshot gets an unauthorized grant. */
  event: z.looseObject({
    detail: z.looseObject({
      awsRegion: z.string(),
      requestParameters: z.looseObject({
        snapshotIdentifier: z.string(),
        snapshotClusterIdentifier: z.string(),
        accountWithRestoreAccess: z.string(),
      }),
    }),
  }),
  warmup: z.number().int().min(0),
  events: z.number().int().min(1),
});
export type HandlerConfig = z.infer<typeof HandlerConfigSchema>;

const Distribution = z.object({
  medianMs: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  meanMs: z.number().nonnegative(),
});

export const HandlerMeasureSchema = z.object({
  events: z.number().int(),
  /** The function's own work: each event's time minus the time its AWS calls were in flight. */
  own: Distribution,
  /** Each event's whole time, the SDK's client-side work included (AWS itself still replayed). */
  withSdk: Distribution,
  /** AWS calls the handler made per warm event (the account is looked up once per cold start). */
  callsPerEvent: z.record(z.string(), z.number()),
});
export type HandlerMeasure = z.infer<typeof HandlerMeasureSchema>;

const invoke = handler as unknown as (event: unknown, context: Context) => Promise<{ totals: unknown }>;

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'redshift-snapshot-guard-snapshot-event',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:redshift-snapshot-guard-snapshot-event`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/redshift-snapshot-guard-snapshot-event',
    logStreamName: '2026/11/23/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Every event must end as it did against the stand-in: one grant revoked, one event published. */
function check(summary: unknown): void {
  const s = summary as { totals?: { revocations?: { applied?: number } }; events?: { published?: number } };
  if (s.totals?.revocations?.applied !== 1 || s.events?.published !== 1) {
    throw new Error(`the handler did not revoke and report the grant: ${JSON.stringify(summary)}`);
  }
}

function distribution(values: readonly number[]): z.infer<typeof Distribution> {
  return {
    medianMs: median(values),
    p99Ms: percentile(values, 99),
    meanMs: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

/**
 * The snapshot-event handler's warm overhead with AWS taken out. One cold invocation runs against
 * a stand-in to record each AWS response; then `warmup` and `events` invocations of the whole
 * Lambda handler (middy stack, event validation, logging, metrics, judgement, publishing) get
 * those responses replayed at the HTTP handler, and only the latter are timed. Each event's time
 * is also taken without the time its SDK calls were in flight: that remainder is the function's
 * own overhead, the figure its target is set on.
 */
export async function measureHandler(config: HandlerConfig): Promise<HandlerMeasure> {
  const { awsRegion: region, requestParameters: p } = config.event.detail;
  const local = await startLocalAws({ port: 0, eventBuses: [BUS] });
  local.store.createCluster(ACCOUNT, region, { identifier: p.snapshotClusterIdentifier });
  local.store.createSnapshot(ACCOUNT, region, {
    identifier: p.snapshotIdentifier,
    clusterIdentifier: p.snapshotClusterIdentifier,
    manualSnapshotRetentionPeriod: 30,
    grants: [p.accountWithRestoreAccess],
  });
  // The SDK reads its endpoint when the handler builds its clients, on the first event.
  process.env.AWS_ENDPOINT_URL = local.endpoint;
  const replay = installReplay();
  const sends = installSendTimer();
  const context = lambdaContext();
  try {
    check(await invoke(config.event, context));
    await local.stop();
    replay.replay();
    for (let i = 0; i < config.warmup; i++) check(await invoke(config.event, context));
    replay.takeCalls();
    const whole: number[] = [];
    const own: number[] = [];
    for (let i = 0; i < config.events; i++) {
      sends.take();
      const start = performance.now();
      const summary = await invoke(config.event, context);
      const ms = performance.now() - start;
      const inSdk = sends.take();
      // Nothing in flight means the timer sits on another copy of the SDK core than the clients.
      if (inSdk === 0) throw new Error('no SDK call was timed: the send timer is not on the clients in use');
      whole.push(ms);
      own.push(Math.max(0, ms - inSdk));
      check(summary);
    }
    const calls = replay.takeCalls();
    return {
      events: whole.length,
      own: distribution(own),
      withSdk: distribution(whole),
      callsPerEvent: Object.fromEntries(Object.entries(calls).map(([k, n]) => [k, n / whole.length])),
    };
  } finally {
    sends.restore();
    replay.restore();
  }
}
