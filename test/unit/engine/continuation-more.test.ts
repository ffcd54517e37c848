import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES } from '../../../functions/engine/compliance-events.ts';
import { type Continuation, ContinuationSchema } from '../../../functions/engine/continuation.ts';
import { TIME_UP } from '../../../functions/engine/enforce.ts';
import type { InventoryBatch, RegionLeft, SweepPorts } from '../../../functions/engine/ports.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';
import { snapshot } from '../../helpers/snapshots.ts';
import { partOptions, recordingPorts } from '../../helpers/sweep-ports.ts';

const STRANGER = '999988887777';
const RESERVE = 20_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

const policy = PolicySchema.parse({
  version: 1,
  mode: 'enforce',
  sharing: { allowedAccounts: ['111122223333'] },
  safety: { maxRevocationsPerRun: 100_000 },
});

/** `count` snapshots an hour apart (distinct seconds), 100 a page, each shared with a stranger. */
function inventory(count: number) {
  return (region: string, _from?: RegionLeft): AsyncIterable<InventoryBatch> =>
    (async function* () {
      for (let first = 0; first < count; first += 100) {
        const n = Math.min(100, count - first);
        const items = Array.from({ length: n }, (_, k) => {
          const i = first + k;
          return {
            snapshot: snapshot({
              id: `s-${i}`,
              arn: `arn:${region}:s-${i}`,
              region,
              grants: [STRANGER],
              createdAt: new Date(T0 + i * HOUR),
            }),
          };
        });
        const last = first + n >= count;
        yield {
          items,
          left: { provisioned: last ? [] : [{ from: T0 + (first + n) * HOUR }], serverless: [] },
        };
      }
    })();
}

function ports(count: number) {
  return recordingPorts(inventory(count));
}

const base = partOptions(policy);

describe('sweepPart', () => {
  it('asks for a next part that its own next part accepts, however many snapshots it had no time to act on', async () => {
    // 1,200 snapshots read, each in its own second; the time runs out as enforcement starts.
    let read = 0;
    const { ports: p, requested } = ports(1200);
    const report = await sweep(
      {
        ...base,
        onProgress: (n) => {
          read = n;
        },
        remainingMs: () => (read < 1200 ? 10_000_000 : RESERVE - 1),
      },
      p,
    );

    const skipped = report.snapshots.filter((e) => e.results.some((r) => r.reason === TIME_UP));
    expect(skipped.length).toBe(1200);
    // The request went out and the part says the next one reads the rest...
    expect(report.sweep?.requested).toEqual({ requested: true });
    const [next] = requested;
    // ...well under EventBridge's 256 KB, so PutEvents takes it...
    expect(JSON.stringify(next).length).toBeLessThan(256 * 1024);
    // ...but the sweep function's own schema (max 1000 ranges a kind) refuses it.
    expect(ContinuationSchema.safeParse(next).success).toBe(true);
  });

  it('keeps time back in a dry run for the violation events it will publish (its completion event among them)', async () => {
    // A host clock: each page of 100 snapshots (every one shared with a stranger) takes 100 ms to
    // read; a PutEvents call of 10 events takes 40 ms, four in flight (10 ms each); PutEvents is
    // abandoned with 1.5 s left (FINISH_MS), as the bounded events client does.
    let left = RESERVE + 30_000;
    const { ports: p, events } = ports(100_000);
    const inventoryOf = p.inventory;
    const slowInventory: SweepPorts['inventory'] = (region, from) =>
      (async function* () {
        for await (const batch of inventoryOf(region, from)) {
          left -= 100;
          yield batch;
        }
      })();
    const publish: SweepPorts['publish'] = async (batch) => {
      left -= 10;
      if (left < 1_500)
        return { published: 0, failed: batch.map((event) => ({ event, reason: 'TimeUpError' })) };
      events.push(...batch);
      return { published: batch.length, failed: [] };
    };
    const report = await sweep(
      { ...base, dryRun: true, remainingMs: () => left },
      { ...p, inventory: slowInventory, publish },
    );

    expect(report.totals.snapshots).toBeGreaterThan(0);
    expect(events.some((e) => e.detailType === DETAIL_TYPES.completed)).toBe(true);
    expect(report.events.failed).toEqual([]);
  });

  it.each([
    [
      'refused with nothing changed, is not counted twice',
      { unchanged: true as const, reason: 'AccessDenied' },
      0,
    ],
    ['failed in a way that may have landed, stays counted', { reason: 'InternalFailure' }, 1],
  ])('an action of a snapshot in a handed-on second, %s', async (_, failure, counted) => {
    // A and B were created in the same second and are each shared with a stranger; the limit is 2
    // revocations. The part revokes A (it fails) and has no time left for B: it hands B's second
    // on, which holds A too, and the next part plans both revokes again.
    const limited = PolicySchema.parse({
      version: 1,
      mode: 'enforce',
      sharing: { allowedAccounts: ['111122223333'] },
      safety: { maxRevocationsPerRun: 2 },
    });
    const second = new Date(T0 + 500);
    const both = ['a', 'b'].map((id) => ({
      snapshot: snapshot({ id, arn: `arn:us-east-1:${id}`, grants: [STRANGER], createdAt: second }),
    }));
    const once: SweepPorts['inventory'] = () =>
      (async function* () {
        yield { items: both, left: { provisioned: [], serverless: [] } };
      })();
    let left = 10_000_000;
    const { ports: p } = ports(0);
    const first = await sweep(
      { ...base, policy: limited, concurrency: 1, remainingMs: () => left },
      {
        ...p,
        inventory: once,
        revoke: async () => {
          left = RESERVE - 1;
          return { outcome: 'failed', attempts: 1, ...failure };
        },
      },
    );
    const from = first.sweep?.next as Continuation;
    const later = await sweep({ ...base, policy: limited, from }, { ...p, inventory: once });

    // B was skipped and A changed nothing: both are planned again, and neither is carried. A
    // revoke that may have landed is carried, and with both planned again the sweep is over 2.
    expect(from.planned.revocations).toBe(counted);
    expect(later.blastRadius === undefined).toBe(counted === 0);
  });
});
