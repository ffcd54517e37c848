import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';

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
};

export function createClients(options: ClientOptions): AwsClients {
  const common = {
    maxAttempts: options.maxAttempts ?? 6,
    retryMode: 'standard',
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: 3_000,
    },
  };
  const redshift = new Map<string, RedshiftClient>();
  const serverless = new Map<string, RedshiftServerlessClient>();
  const securityHub = new Map<string, Promise<SecurityHubClient>>();
  return {
    homeRegion: options.homeRegion,
    redshift(region) {
      let client = redshift.get(region);
      if (!client) {
        client = new RedshiftClient({ ...common, region });
        redshift.set(region, client);
      }
      return client;
    },
    serverless(region) {
      let client = serverless.get(region);
      if (!client) {
        client = new RedshiftServerlessClient({ ...common, region });
        serverless.set(region, client);
      }
      return client;
    },
    securityHub(region) {
      let client = securityHub.get(region);
      if (!client) {
        // Through the adapter, so a bundle loads the one copy of the SDK the adapter uses.
        client = import('./security-hub.ts').then((m) => m.createSecurityHubClient({ ...common, region }));
        securityHub.set(region, client);
      }
      return client;
    },
    events: new EventBridgeClient({ ...common, region: options.homeRegion }),
    sts: new STSClient({ ...common, region: options.homeRegion }),
  };
}
