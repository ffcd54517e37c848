import { errorText } from '../errors.ts';
import type { ComplianceEvent } from './compliance-events.ts';
import { EVENTS_PER_CALL, type PublishPort, type PublishResult } from './ports.ts';

/**
 * Collects events as the run produces them and publishes every full batch of ten at once, with
 * a few batches in flight, so a large sweep neither holds its events nor waits on each call.
 * `push` waits only when `concurrency` batches are already in flight.
 */
export function eventPublisher(publish: PublishPort, concurrency: number) {
  const totals: PublishResult = { published: 0, failed: [] };
  const inflight = new Set<Promise<void>>();
  let buffer: ComplianceEvent[] = [];

  const send = async (batch: ComplianceEvent[]) => {
    let result: PublishResult;
    try {
      result = await publish(batch);
    } catch (error) {
      const reason = errorText(error);
      result = { published: 0, failed: batch.map((event) => ({ event, reason })) };
    }
    totals.published += result.published;
    totals.failed.push(...result.failed);
  };

  const flush = async () => {
    const batch = buffer;
    buffer = [];
    const p = send(batch).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= concurrency) await Promise.race(inflight);
  };

  return {
    async push(event: ComplianceEvent): Promise<void> {
      buffer.push(event);
      if (buffer.length >= EVENTS_PER_CALL) await flush();
    },
    /** Sends what is left and waits for every call; the totals are final after this. */
    async close(): Promise<PublishResult> {
      if (buffer.length > 0) await flush();
      await Promise.all(inflight);
      return totals;
    },
  };
}
