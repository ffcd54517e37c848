import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RedshiftClient, type RedshiftClientConfig } from '@aws-sdk/client-redshift';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { TimeUpError } from '../errors.ts';

/**
 * The SDK clients one run needs. Built once per cold start (or CLI run) and passed down; the
 * engine never builds its own. Endpoints come from the standard `AWS_ENDPOINT_URL*` variables.
 */
export type AwsClients = {
  /** The function's own region: where the compliance bus lives and run-level events go. */
  homeRegion: string;
  redshift: (region: string) => RedshiftClient;
  /** Redshift Serverless: its snapshots are listed, read and deleted through their own API. */
  serverless: (region: string) => RedshiftServerlessClient;
  /**
   * Security Hub, in each snapshot's region. Only a policy with events.securityHub uses it, so its
   * SDK is loaded on first use, not on every cold start.
   */
  securityHub: (region: string) => Promise<SecurityHubClient>;
  events: EventBridgeClient;
  sts: STSClient;
};

export type ClientOptions = {
  homeRegion: string;
  /** Attempts per call, first try included: throttling and 5xx are retried with backoff. */
  maxAttempts?: number;
  /** Per-request socket timeout; a hung call is abandoned and retried. */
  requestTimeoutMs?: number;
  /** Organisation mode: a member account's assumed-role credentials; otherwise the standard chain. */
  credentials?: RedshiftClientConfig['credentials'];
};

const MAX_ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Attempts and request timeout for a function that may spend `budgetMs` on its calls: one call
 * whose every attempt times out (attempts × timeout) leaves at least one more timeout's worth of
 * the budget for backoff and the rest of the run. The SDK's defaults (6 × 10 s) where that fits.
 *
 * @example
 * clientTimeouts(27_500); // the event function (30 s): { maxAttempts: 4, requestTimeoutMs: 5_500 }
 * clientTimeouts(890_000); // the sweep (900 s): { maxAttempts: 6, requestTimeoutMs: 10_000 }
 */
export function clientTimeouts(
  budgetMs: number,
): Required<Omit<ClientOptions, 'homeRegion' | 'credentials'>> {
  const requestTimeoutMs = Math.min(REQUEST_TIMEOUT_MS, Math.max(1_000, Math.floor(budgetMs / 5)));
  const maxAttempts = Math.min(MAX_ATTEMPTS, Math.max(1, Math.floor(budgetMs / requestTimeoutMs) - 1));
  return { maxAttempts, requestTimeoutMs };
}

/**
 * When the calls of one run must give up, so that none is still in flight when the host stops
 * the run: `work` for reading and changing snapshots (and STS), `publish` for PutEvents, which
 * goes on a little longer so the run can still say what it did. `cut` counts the calls abandoned
 * or not sent because of them.
 */
export type CallLimits = { work: AbortSignal; publish: AbortSignal; cut: number };

const limitsOfRun = new AsyncLocalStorage<CallLimits>();
const lastingCalls = new AsyncLocalStorage<true>();

/**
 * Runs `call` under the later of the run's two limits (the one PutEvents has). Giving back an
 * allowed grant that a failed delete took must not be abandoned at the cut-off that stops new
 * work: an allowed account left without access is worse than a report that comes back late.
 *
 * @example
 * restore: (action) => lasting(() => restoreGrant(client, action, readGrants)),
 */
export function lasting<T>(call: () => Promise<T>): Promise<T> {
  return lastingCalls.run(true, call);
}

/** PutEvents is abandoned this long before the host's deadline: time left to return the report. */
export const FINISH_MS = 1_500;

/**
 * The limits of a run the host stops `remainingMs` from now. Calls that read or change snapshots
 * are abandoned when half of `reserveMs` (the time the run keeps back for publishing) is left,
 * PutEvents when FINISH_MS is, and both when `host` fires (middy's `timeoutEarlyInMillis`).
 * `dispose` clears the timers once the run is over.
 *
 * @example
 * const limits = callLimits(context.getRemainingTimeInMillis(), 5_000, signal);
 * try { await withCallLimits(limits, () => run()); } finally { limits.dispose(); }
 */
export function callLimits(
  remainingMs: number,
  reserveMs: number,
  host?: AbortSignal,
): CallLimits & { dispose: () => void } {
  const work = new AbortController();
  const publish = new AbortController();
  // Every call in flight listens on these (a pool of revokes, pages, batches): no leak to warn of.
  setMaxListeners(0, work.signal, publish.signal);
  const stopWork = () => work.abort();
  const stopAll = () => {
    work.abort();
    publish.abort();
  };
  // Node fires a timer longer than 2^31-1 ms at once; no Lambda runs that long.
  const after = (ms: number) => Math.min(Math.max(0, ms), 2 ** 31 - 1);
  const timers = [
    setTimeout(stopWork, after(remainingMs - reserveMs / 2)),
    setTimeout(stopAll, after(remainingMs - FINISH_MS)),
  ];
  for (const timer of timers) timer.unref();
  host?.addEventListener('abort', stopAll, { once: true });
  if (host?.aborted) stopAll();
  return {
    work: work.signal,
    publish: publish.signal,
    cut: 0,
    dispose: () => {
      for (const timer of timers) clearTimeout(timer);
      host?.removeEventListener('abort', stopAll);
    },
  };
}

/**
 * Runs `run` with every SDK call it makes, however deep, bound by `limits`: one holder per run
 * (concurrent runs each keep their own), so the adapters need no signal of their own.
 */
export function withCallLimits<T>(limits: CallLimits, run: () => Promise<T>): Promise<T> {
  return limitsOfRun.run(limits, run);
}

function timeUp(): TimeUpError {
  return new TimeUpError(
    'time ran out: the call was abandoned before the Lambda timeout; the next run takes it up',
  );
}

type Send = (this: unknown, command: unknown, ...rest: unknown[]) => Promise<unknown>;

/**
 * Gives each call the client makes the abort signal of the run it belongs to. The SDK then closes
 * the socket and stops retrying (its backoff waits on the same signal); the call is also settled
 * here at once, whatever the SDK version in the Lambda runtime does. The prototype's `send` is
 * looked up on each call, so whatever wraps it (mocks, timers) still sees every call. Exported for
 * the clients `createClients` does not build (organisation mode's Organizations and Step Functions).
 *
 * @example
 * const organizations = bounded(new OrganizationsClient({ region: 'us-east-1' }), 'work');
 */
export function bounded<C extends object>(client: C, phase: 'work' | 'publish'): C {
  const proto = Object.getPrototypeOf(client) as { send: Send };
  const send = (command: unknown, ...rest: unknown[]): Promise<unknown> => {
    const limits = limitsOfRun.getStore();
    // Outside a run (the CLI, tests) or in callback style: the call as the SDK makes it.
    if (!limits || rest.some((arg) => typeof arg === 'function'))
      return proto.send.call(client, command, ...rest);
    const signal = limits[lastingCalls.getStore() ? 'publish' : phase];
    if (signal.aborted) {
      limits.cut++;
      return Promise.reject(timeUp());
    }
    const options = (rest[0] ?? {}) as { abortSignal?: AbortSignal };
    return new Promise((resolve, reject) => {
      const abandon = () => {
        limits.cut++;
        reject(timeUp());
      };
      signal.addEventListener('abort', abandon, { once: true });
      proto.send.call(client, command, { ...options, abortSignal: options.abortSignal ?? signal }).then(
        (out) => {
          signal.removeEventListener('abort', abandon);
          resolve(out);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abandon);
          // Once abandoned, the SDK's own AbortError is no news.
          if (!signal.aborted) reject(error);
        },
      );
    });
  };
  Object.defineProperty(client, 'send', { value: send, writable: true, configurable: true });
  return client;
}

/**
 * The retry, time-out and credential settings every client of a run shares, for the SDK client
 * constructors: `createClients` uses them, and so do the clients it does not build (organisation
 * mode's Organizations and Step Functions).
 *
 * @example
 * new OrganizationsClient({ ...clientConfig(clientTimeouts(27_500)), region: 'us-east-1' });
 */
export function clientConfig(options: Omit<ClientOptions, 'homeRegion'>) {
  return {
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: 3_000,
    },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function createClients(options: ClientOptions): AwsClients {
  const common = clientConfig(options);
  const redshift = new Map<string, RedshiftClient>();
  const serverless = new Map<string, RedshiftServerlessClient>();
  const securityHub = new Map<string, Promise<SecurityHubClient>>();
  return {
    homeRegion: options.homeRegion,
    redshift(region) {
      let client = redshift.get(region);
      if (!client) {
        client = bounded(new RedshiftClient({ ...common, region }), 'work');
        redshift.set(region, client);
      }
      return client;
    },
    serverless(region) {
      let client = serverless.get(region);
      if (!client) {
        client = bounded(new RedshiftServerlessClient({ ...common, region }), 'work');
        serverless.set(region, client);
      }
      return client;
    },
    securityHub(region) {
      let client = securityHub.get(region);
      if (!client) {
        // Through the adapter, so a bundle loads the one copy of the SDK the adapter uses.
        client = import('./security-hub.ts').then((m) =>
          bounded(m.createSecurityHubClient({ ...common, region }), 'publish'),
        );
        securityHub.set(region, client);
      }
      return client;
    },
    events: bounded(new EventBridgeClient({ ...common, region: options.homeRegion }), 'publish'),
    sts: bounded(new STSClient({ ...common, region: options.homeRegion }), 'work'),
  };
}
