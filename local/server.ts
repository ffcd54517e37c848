import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallCounter } from './core/calls.ts';
import type { ServiceDefinition } from './core/service.ts';
import { DEFAULT_RATE_LIMITS } from './core/throttle.ts';
import { dispatch } from './dispatch.ts';
import { eventsService, type UnknownBusMode } from './events/service.ts';
import { EventStore, type ReceivedEvent } from './events/store.ts';
import type { FaultRule, RateLimitSpec } from './fault-spec.ts';
import { applyRateLimitSpec, FaultControl } from './faults.ts';
import { applyFleet, type FleetPlan, type FleetStats, fleetStats, generateFleet } from './fleet.ts';
import { DEMO, demoPlans } from './fleet-demo.ts';
import { inspect, type SeededFleet, type SeedRequest } from './inspect.ts';
import { organizationsService } from './organizations/service.ts';
import { type OrganizationOptions, OrganizationState } from './organizations/state.ts';
import type { LatencyProfile } from './profiles.ts';
import type { SortCache } from './redshift/describe.ts';
import { redshiftService } from './redshift/service.ts';
import { RedshiftStore } from './redshift/store.ts';
import { securityHubService } from './securityhub/service.ts';
import { SecurityHubStore } from './securityhub/store.ts';
import { applyServerlessFleet } from './serverless/fleet.ts';
import { serverlessService } from './serverless/service.ts';
import { ServerlessStore } from './serverless/store.ts';
import { stsService } from './sts/service.ts';

export type { ReceivedEvent } from './events/store.ts';
export type { FaultRule, FaultSpec, RateLimitSpec } from './fault-spec.ts';
export type { FaultControl } from './faults.ts';
export type { SeededFleet, SeedRequest } from './inspect.ts';
export type { AssumedSession, OrganizationOptions, OrganizationState } from './organizations/state.ts';
export type { RedshiftStore as Store } from './redshift/store.ts';
export type { ServerlessStore } from './serverless/store.ts';

export interface LocalAwsOptions {
  /** 0 picks a free port. Default 4566. */
  port?: number;
  host?: string;
  /** Added to every call, plus up to `jitterMs` more. */
  latencyMs?: number;
  jitterMs?: number;
  /** Fraction of calls answered with the service's throttling error. */
  throttleRate?: number;
  /** Fraction of calls answered with HTTP 500 or 503. */
  errorRate?: number;
  /** Per-action latency (local/profiles.ts), added to `latencyMs`; like it, it survives reset(). */
  latencyProfile?: LatencyProfile;
  /**
   * AWS's rate limits as token buckets per account, region and action: 12 requests a second with
   * bursts of 300 unless given (local/core/throttle.ts says why). `false` turns them off.
   */
  rateLimit?: false | RateLimitSpec;
  /** Seed for every random fault decision. Default 1. */
  faultSeed?: number;
  /** Access key id -> account id. Unknown keys act as 123456789012. */
  accounts?: Record<string, string>;
  /** Preload a fleet: the demo fleet, or N generated snapshots. */
  seed?: 'demo' | number;
  seedRegion?: string;
  /** PutEvents to a missing bus: 'accept' (what AWS does: EventId, event dropped) or 'reject'. */
  unknownEventBus?: UnknownBusMode;
  /** Buses that exist in every account and region besides `default`. */
  eventBuses?: string[];
  /**
   * An AWS Organization: the management account (the caller of unknown keys) and its members.
   * Enables ListAccounts and AssumeRole into each member's role.
   */
  organization?: OrganizationOptions;
}

export interface LocalAws {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Requests per 'service.Action', e.g. 'redshift.DescribeClusterSnapshots', faulted ones included. */
  calls(): Record<string, number>;
  /** Of those, the ones answered with the service's throttling error (rate limit or fault). */
  throttled(): Record<string, number>;
  /** Bytes of the answers sent, per 'service.Action'. */
  bytes(): Record<string, number>;
  /** Calls and throttled calls per 'region service.Action'. */
  regionalCalls(): { calls: Record<string, number>; throttled: Record<string, number> };
  resetCalls(): void;
  /** Forget all state, counters and faults set after start. */
  reset(): void;
  /** Events received on `busName` (any account/region), or on all buses. */
  events(busName?: string): ReceivedEvent[];
  readonly faults: FaultControl;
  readonly store: RedshiftStore;
  /** Redshift Serverless namespaces and snapshots; Redshift's sharing calls reach them by ARN. */
  readonly serverless: ServerlessStore;
  /** Security Hub findings imported (BatchImportFindings), in every account and region. */
  readonly securityHub: SecurityHubStore;
  seedFleet(request: SeedRequest): SeededFleet[];
  /** The organisation, when started with one: its accounts and every AssumeRole made. */
  readonly organization: OrganizationState | undefined;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const host = options.host ?? '127.0.0.1';
  const store = new RedshiftStore();
  const serverless = new ServerlessStore();
  const securityHub = new SecurityHubStore();
  const eventStore = new EventStore({ ambientBuses: options.eventBuses ?? [] });
  const rateLimits =
    options.rateLimit === false
      ? { ...DEFAULT_RATE_LIMITS, enabled: false }
      : applyRateLimitSpec(DEFAULT_RATE_LIMITS, options.rateLimit ?? {});
  const faults = new FaultControl(
    baseRule(options),
    options.faultSeed ?? 1,
    Date.now,
    rateLimits,
    options.latencyProfile,
  );
  const calls = new CallCounter();
  const sortCache: SortCache = new Map();
  // Mutable: AssumeRole adds the keys it issues, each acting as its member account.
  const accounts: Record<string, string> = { ...options.accounts };
  const organization = options.organization
    ? new OrganizationState(options.organization, accounts)
    : undefined;
  // One entry per service.
  const services: ServiceDefinition[] = [
    redshiftService({ store, faults, sortCache, arnSnapshots: serverless }),
    serverlessService({ store: serverless }),
    stsService(organization),
    organizationsService(organization),
    eventsService({ events: eventStore, faults, unknownBus: options.unknownEventBus ?? 'accept' }),
    securityHubService(securityHub),
  ];

  const seedFleet = (request: SeedRequest): SeededFleet[] => {
    const seeded: { plan: FleetPlan; stats: FleetStats }[] = [];
    if ('demo' in request) {
      for (const plan of demoPlans(request.region ?? options.seedRegion ?? 'us-east-1')) {
        seeded.push({ plan, stats: fleetStats(plan, DEMO.allowedAccounts) });
      }
    } else {
      const { regions, ...fleet } = request;
      const targets = regions ?? [fleet.region ?? options.seedRegion ?? 'us-east-1'];
      // Each region gets its own sequence so regions differ but stay reproducible.
      for (const [i, region] of targets.entries()) {
        seeded.push(generateFleet({ ...fleet, region, seed: (fleet.seed ?? 1) + i }));
      }
    }
    applyFleet(store, ...seeded.map((s) => s.plan));
    for (const { plan } of seeded) {
      if (plan.serverless) applyServerlessFleet(serverless, plan.account, plan.region, plan.serverless);
    }
    sortCache.clear();
    return seeded.map(({ plan, stats }) => ({ account: plan.account, region: plan.region, stats }));
  };

  const reset = () => {
    store.clear();
    serverless.clear();
    securityHub.clear();
    eventStore.clear();
    calls.reset();
    faults.clear();
    sortCache.clear();
    // Keys already issued keep acting as their member account, as unexpired credentials do.
    organization?.clearSessions();
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    readBody(req)
      .then((raw) =>
        req.url?.startsWith('/_local')
          ? inspect(
              {
                calls: () => calls.snapshot(),
                throttled: () => calls.throttleSnapshot(),
                resetCalls: () => calls.reset(),
                reset,
                events: (filter) => eventStore.events(filter),
                seed: seedFleet,
                faults,
                state: () => ({
                  redshift: store.counts(),
                  serverless: serverless.counts(),
                  events: eventStore.events().length,
                  securityHubFindings: securityHub.all().length,
                }),
              },
              req,
              res,
              raw,
            )
          : dispatch({ services, accounts, faults, calls }, req, res, raw),
      )
      .catch((error: unknown) => fail(res, error));
  });

  // SDK clients keep sockets alive; a long idle timeout avoids racing a server-side close.
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, options.port ?? 4566, host);
  if (options.seed !== undefined) {
    seedFleet(options.seed === 'demo' ? { demo: true } : { count: options.seed });
  }
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    calls: () => calls.snapshot(),
    throttled: () => calls.throttleSnapshot(),
    bytes: () => calls.byteSnapshot(),
    regionalCalls: () => calls.regionalSnapshot(),
    resetCalls: () => calls.reset(),
    reset,
    events: (busName) => eventStore.events({ bus: busName }),
    faults,
    store,
    serverless,
    securityHub,
    seedFleet,
    organization,
  };
}

function baseRule(options: LocalAwsOptions): FaultRule | undefined {
  const { latencyMs, jitterMs, throttleRate, errorRate } = options;
  if (!latencyMs && !jitterMs && !throttleRate && !errorRate) return undefined;
  return {
    action: '*',
    ...(latencyMs ? { latencyMs } : {}),
    ...(jitterMs ? { jitterMs } : {}),
    ...(throttleRate ? { throttle: { rate: throttleRate } } : {}),
    ...(errorRate ? { serverError: { rate: errorRate } } : {}),
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function fail(res: ServerResponse, error: unknown): void {
  console.error('local aws: request failed', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'text/plain' });
  res.end('internal error');
}
