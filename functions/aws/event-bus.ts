import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { ComplianceEvent } from '../engine/compliance-events.ts';
import { CONTINUATION_DETAIL_TYPE, type Continuation } from '../engine/continuation.ts';
import type { ContinueResult, PublishResult } from '../engine/ports.ts';
import { errorText } from '../errors.ts';

export type PublishOptions = {
  busName: string;
  source: string;
  /** Extra tries for entries PutEvents reports as failed (the SDK already retries whole-call errors). */
  entryRetries?: number;
  /** Base delay between entry retries, doubled each time. */
  backoffMs?: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function toEntry(event: ComplianceEvent, options: PublishOptions): PutEventsRequestEntry {
  return {
    EventBusName: options.busName,
    Source: options.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: new Date(event.detail.time),
  };
}

/**
 * The engine's publish port: up to EVENTS_PER_CALL (ten) events in one PutEvents call. Entries
 * AWS reports as failed (throttled, internal error) are retried on their own with backoff; what
 * still fails is returned, not thrown, so the caller can count it in the report.
 */
export async function putEventsBatch(
  client: EventBridgeClient,
  events: ComplianceEvent[],
  options: PublishOptions,
): Promise<PublishResult> {
  const result: PublishResult = { published: 0, failed: [] };
  let pending = events;
  const retries = options.entryRetries ?? 3;
  for (let attempt = 0; pending.length > 0; attempt++) {
    let reasons: (string | undefined)[];
    try {
      const out = await client.send(
        new PutEventsCommand({ Entries: pending.map((e) => toEntry(e, options)) }),
      );
      reasons = pending.map((_, i) => {
        const entry = out.Entries?.[i];
        if (!entry) return 'PutEvents returned no result for this entry';
        return entry.ErrorCode ? `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}` : undefined;
      });
    } catch (error) {
      reasons = pending.map(() => errorText(error));
    }
    const next: ComplianceEvent[] = [];
    pending.forEach((event, i) => {
      const reason = reasons[i];
      if (reason === undefined) result.published++;
      else if (attempt < retries) next.push(event);
      else result.failed.push({ event, reason });
    });
    pending = next;
    if (pending.length > 0) await sleep((options.backoffMs ?? 100) * 2 ** attempt);
  }
  return result;
}

/**
 * Asks for a sweep's next part: one `Sweep Continuation Requested` event on the compliance bus,
 * which the stack's rule delivers to the sweep function. An entry PutEvents reports as failed is
 * tried again, as `putEventsBatch` does. Never throws: the caller reports a request that failed.
 *
 * @example
 * await requestNextPart(events, report.sweep.next, policy.events); // { requested: true }
 */
export async function requestNextPart(
  client: EventBridgeClient,
  next: Continuation,
  options: PublishOptions,
): Promise<ContinueResult> {
  const entry = {
    EventBusName: options.busName,
    Source: options.source,
    DetailType: CONTINUATION_DETAIL_TYPE,
    Detail: JSON.stringify(next),
  };
  const retries = options.entryRetries ?? 3;
  let reason = 'PutEvents returned no result';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep((options.backoffMs ?? 100) * 2 ** (attempt - 1));
    try {
      const out = await client.send(new PutEventsCommand({ Entries: [entry] }));
      const answer = out.Entries?.[0];
      if (answer?.EventId !== undefined && !answer.ErrorCode) return { requested: true };
      if (answer?.ErrorCode) reason = `${answer.ErrorCode}: ${answer.ErrorMessage ?? ''}`;
    } catch (error) {
      // The SDK has already retried the whole call.
      return { requested: false, reason: errorText(error) };
    }
  }
  return { requested: false, reason };
}
