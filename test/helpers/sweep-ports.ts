import type { ComplianceEvent } from '../../functions/engine/compliance-events.ts';
import type { Continuation } from '../../functions/engine/continuation.ts';
import type { SweepPorts } from '../../functions/engine/ports.ts';
import type { Policy } from '../../functions/policy/schema.ts';
import { OWNER } from './snapshots.ts';

/**
 * In-memory sweep ports around `inventory`: every revoke applied and recorded as `region/id`,
 * every event published and kept, and (unless `asksForParts` is false, as where nobody asks for
 * a next part) every request for a next part granted and kept.
 *
 * @example
 * const { ports, revoked, events, requested } = recordingPorts(inventory);
 */
export function recordingPorts(inventory: SweepPorts['inventory'], asksForParts = true) {
  const revoked: string[] = [];
  const events: ComplianceEvent[] = [];
  const requested: Continuation[] = [];
  const ports: SweepPorts = {
    inventory,
    revoke: async (a) => {
      revoked.push(`${a.snapshot.region}/${a.snapshot.id}`);
      return { outcome: 'applied', attempts: 1 };
    },
    delete: async () => ({ outcome: 'applied' }),
    restore: async () => ({ outcome: 'applied' }),
    publish: async (batch) => {
      events.push(...batch);
      return { published: batch.length, failed: [] };
    },
  };
  if (asksForParts) {
    ports.continueWith = async (next) => {
      requested.push(next);
      return { requested: true };
    };
  }
  return { ports, revoked, events, requested };
}

/** What a scheduled sweep in parts of us-east-1 runs with, for `policy`, with a 20 s reserve. */
export function partOptions(policy: Policy) {
  return {
    runId: 'run-1',
    trigger: 'schedule' as const,
    account: OWNER,
    policy,
    dryRun: false,
    now: new Date('2026-11-23T12:00:00.000Z'),
    homeRegion: 'us-east-1',
    regions: ['us-east-1'],
    inParts: true,
    reserveMs: 20_000,
  };
}
