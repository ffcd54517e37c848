import type { AwsClients } from '../aws/clients.ts';
import { putEventsBatch } from '../aws/events.ts';
import type { ComplianceEvent } from '../engine/events.ts';
import { eventSink, type PublishOutcome, type PublishPort } from '../engine/sink.ts';
import type { Policy } from '../policy/schema.ts';

/** PutEvents to the hub's compliance bus, ten entries a call; never throws. */
export function hubPublisher(hub: AwsClients, policy: Policy): PublishPort {
  return (events) => putEventsBatch(hub.events, events, policy.events);
}

/** Publishes any number of events, ten a call, a few calls at once; failures come back, not thrown. */
export async function publishAll(publish: PublishPort, events: ComplianceEvent[]): Promise<PublishOutcome> {
  const sink = eventSink(publish, 4);
  for (const e of events) await sink.push(e);
  return sink.close();
}
