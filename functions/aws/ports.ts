import type { RunPorts } from '../engine/run.ts';
import type { Policy } from '../policy/schema.ts';
import type { AwsClients } from './clients.ts';
import { putEventsBatch } from './events.ts';
import { deleteClusterSnapshot, revokeGrant } from './grants.ts';
import { listSnapshots } from './inventory.ts';

/** Wires the SDK adapters to the engine's ports: the one place both meet. */
export function awsPorts(
  clients: AwsClients,
  policy: Policy,
): RunPorts & { inventory: (region: string) => ReturnType<typeof listSnapshots> } {
  return {
    inventory: (region) => listSnapshots(clients.redshift(region), region),
    revoke: (action) => revokeGrant(clients.redshift(action.snapshot.region), action),
    remove: (action) => deleteClusterSnapshot(clients.redshift(action.snapshot.region), action),
    publish: (events) => putEventsBatch(clients.events, events, policy.events),
  };
}
