import type { AwsClients } from '../aws/clients.ts';
import { putEventsBatch } from '../aws/event-bus.ts';
import type { ComplianceEvent } from '../engine/compliance-events.ts';
import type { PublishPort, PublishResult } from '../engine/ports.ts';
import { eventPublisher } from '../engine/publisher.ts';
import type { Policy } from '../policy/schema.ts';

/** PutEvents to the hub's compliance bus, ten entries a call; never throws. */
export function hubPublisher(hub: AwsClients, policy: Policy): PublishPort {
  return (events) => putEventsBatch(hub.events, events, policy.events);
}

/** Publishes any number of events, ten a call, a few calls at once; failures come back, not thrown. */
export async function publishAll(publish: PublishPort, events: ComplianceEvent[]): Promise<PublishResult> {
  const publisher = eventPublisher(publish, 4);
  for (const e of events) await publisher.push(e);
  return publisher.close();
}
