import type { FindingsPort, RunPorts } from '../engine/ports.ts';
import type { Policy } from '../policy/schema.ts';
import { type AwsClients, lasting } from './clients.ts';
import { putEventsBatch } from './event-bus.ts';
import {
  deleteClusterSnapshot,
  deleteServerlessSnapshot,
  type ReadGrants,
  restoreGrant,
  revokeGrant,
} from './grants.ts';
import { pacingFor } from './pace.ts';
import { serverlessGrants, type TagOptions } from './serverless.ts';

/**
 * Whether any sharing rule or exemption matches on tags. Serverless listings carry no tags, so
 * only then are they read, one call per snapshot; otherwise they could not change a decision.
 *
 * @example
 * policyMatchesTags(policy); // true for `rules: [{ match: { tags: { team: analytics } }, ... }]`
 */
export function policyMatchesTags(policy: Policy): boolean {
  return (
    policy.sharing.rules.some((rule) => rule.match.tags !== undefined) ||
    policy.exemptions.some((exemption) => exemption.tags !== undefined)
  );
}

/**
 * What the Serverless adapters need to read tags for `account`'s snapshots, when the policy needs them.
 *
 * @example
 * tagOptions(policy, '123456789012'); // { tags: { owner: '123456789012' } }, or {} without tag criteria
 */
export function tagOptions(policy: Policy, account: string): TagOptions {
  return policyMatchesTags(policy) ? { tags: { owner: account } } : {};
}

/**
 * The Security Hub port, loaded on its first use: most policies never send findings, and their
 * cold starts should not parse that SDK.
 */
function lazySecurityHub(clients: AwsClients): FindingsPort {
  let port: Promise<FindingsPort> | undefined;
  return async (batch) => {
    port ??= import('./security-hub.ts').then((m) =>
      m.securityHubPort((region) => clients.securityHub(region)),
    );
    return (await port)(batch);
  };
}

/**
 * Wires the SDK adapters to the engine's run ports, what enforces and publishes: the one place
 * both meet. A sweep adds its inventory to them (sweep-ports.ts `sweepPorts`); an event run
 * reads the snapshots its event names itself and needs nothing more.
 *
 * @example
 * const report = await runCompliance(pages, options, runPorts(clients, policy));
 */
export function runPorts(clients: AwsClients, policy: Policy): RunPorts {
  // Every Redshift and Serverless attempt is paced per region and action (functions/aws/pace.ts),
  // inside the SDK's retry loop and so inside the run's call limits (clients.ts `bounded`).
  const pacing = pacingFor(clients, policy.safety.maxListingConcurrency);
  const redshift = (region: string) => pacing.attach(clients.redshift(region), region);
  const serverless = (region: string) => pacing.attach(clients.serverless(region), region);
  // A Serverless grant may come from the snapshot's resource policy, which Redshift's answer to a
  // revoke does not show: one GetSnapshot reads it back.
  const grantsIn =
    (region: string): ReadGrants =>
    (arn) =>
      serverlessGrants(serverless(region), arn);
  return {
    // RevokeSnapshotAccess takes either kind: a Serverless snapshot goes by its ARN.
    revoke: (action) =>
      revokeGrant(redshift(action.snapshot.region), action, grantsIn(action.snapshot.region)),
    restore: (action) =>
      lasting(() => restoreGrant(redshift(action.snapshot.region), action, grantsIn(action.snapshot.region))),
    delete: (action) =>
      action.snapshot.kind === 'serverless'
        ? deleteServerlessSnapshot(serverless(action.snapshot.region), action)
        : deleteClusterSnapshot(redshift(action.snapshot.region), action),
    publish: (events) => putEventsBatch(clients.events, events, policy.events),
    findings: policy.events.securityHub ? lazySecurityHub(clients) : undefined,
  };
}
