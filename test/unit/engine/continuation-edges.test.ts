import { describe, expect, it } from 'vitest';
import {
  type Continuation,
  ContinuationSchema,
  MS_PER_PLANNED_ACTION,
} from '../../../functions/engine/continuation.ts';
import { TIME_UP } from '../../../functions/engine/enforce.ts';
import type { Snapshot } from '../../../functions/engine/model.ts';
import type { FindingsBatch, InventoryBatch, RegionLeft } from '../../../functions/engine/ports.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { TimeUpError } from '../../../functions/errors.ts';
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
  safety: { maxRevocationsPerRun: 1000 },
});

type Hooks = {
  beforePage?: (region: string, index: number) => void;
  failAt?: (region: string, index: number) => Error | undefined;
};

/** `pages` pages of one snapshot each, an hour apart, each shared with a stranger (sorted: exact `left`). */
function inventory(pages: number, hooks: Hooks = {}) {
  return (region: string, from?: RegionLeft): AsyncIterable<InventoryBatch> => {
    const start = from?.provisioned[0]?.from ?? T0;
    return (async function* () {
      for (let t = start, i = 0; t < T0 + pages * HOUR; t += HOUR, i++) {
        hooks.beforePage?.(region, i);
        const failure = hooks.failAt?.(region, i);
        if (failure) throw failure;
        const id = `s-${(t - T0) / HOUR}`;
        const item: Snapshot = snapshot({
          id,
          arn: `arn:${region}:${id}`,
          region,
          grants: [STRANGER],
          createdAt: new Date(t),
        });
        const last = t + HOUR >= T0 + pages * HOUR;
        yield {
          items: [{ snapshot: item }],
          left: { provisioned: last ? [] : [{ from: t + HOUR }], serverless: [] },
        };
      }
    })();
  };
}

function ports(pages: number, hooks: Hooks = {}) {
  return recordingPorts(inventory(pages, hooks), false);
}

const base = partOptions(policy);

const covers = (ranges: { from?: number; to?: number }[], t: number) =>
  ranges.some((r) => (r.from === undefined || t >= r.from) && (r.to === undefined || t < r.to));

describe('sweep in parts, at its edges', () => {
  it('hands to the next part every snapshot it read but could not act on in time (slow page)', async () => {
    // Plenty of time when page 1 (s-0) is asked for; the next page takes long (throttled), and
    // by the time reading stops there is no time left to act on what was read.
    let left = RESERVE + 10 * MS_PER_PLANNED_ACTION + 1000;
    const { ports: p } = ports(10, {
      beforePage: (_, i) => {
        if (i === 1) left = RESERVE - 1;
      },
    });
    const report = await sweep({ ...base, remainingMs: () => left }, p);

    const skipped = report.snapshots.filter((e) => e.results.some((r) => r.reason === TIME_UP));
    expect(skipped.length).toBeGreaterThan(0);
    const next = report.sweep?.next?.regions[0]?.provisioned ?? [];
    // The next part reads again the seconds they were created in.
    for (const e of skipped) {
      const t = T0 + Number(e.snapshot.id.slice(2)) * HOUR;
      expect(covers(next, t), `${e.snapshot.id} handed to the next part`).toBe(true);
    }
  });

  it('continues a region whose listing was cut by the deadline, instead of dropping it from the sweep', async () => {
    let pagesRead = 0;
    const { ports: p } = ports(10, {
      failAt: (region, i) =>
        region === 'eu-west-1' && i === 1
          ? new TimeUpError('time ran out: the call was abandoned')
          : undefined,
    });
    const report = await sweep(
      {
        ...base,
        regions: ['us-east-1', 'eu-west-1'],
        onProgress: () => pagesRead++,
        remainingMs: () => (pagesRead >= 4 ? RESERVE + 1 : 600_000),
      },
      p,
    );

    expect(report.inventoryErrors.map((e) => e.region)).toContain('eu-west-1');
    expect(report.truncated).toBe(true);
    // eu-west-1 was read up to s-0 only: the next part reads the rest.
    expect(report.sweep?.next?.regions.map((r) => r.region)).toContain('eu-west-1');
  });

  it('reads a region a continuation names twice only once', async () => {
    const from: Continuation = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [
        { region: 'us-east-1', provisioned: [{ from: T0 + 8 * HOUR }], serverless: [] },
        { region: 'us-east-1', provisioned: [{ from: T0 + 8 * HOUR }], serverless: [] },
      ],
      planned: { revocations: 0, deletions: 0 },
    };
    const { ports: p, revoked } = ports(10);
    const report = await sweep({ ...base, from }, p);
    expect({ snapshots: report.totals.snapshots, revoked }).toEqual({
      snapshots: 2,
      revoked: ['us-east-1/s-8', 'us-east-1/s-9'],
    });
  });

  it('refuses a continuation whose ranges overlap (the listing would throw after other regions were enforced)', () => {
    const result = ContinuationSchema.safeParse({
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [
        { region: 'us-east-1', provisioned: [{ from: 1000, to: 5000 }, { from: 2000 }], serverless: [] },
      ],
      planned: { revocations: 0, deletions: 0 },
    });
    expect(result.success).toBe(false);
  });

  it('refuses a continuation naming one region twice', () => {
    const result = ContinuationSchema.safeParse({
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [
        { region: 'us-east-1', provisioned: [{}], serverless: [] },
        { region: 'us-east-1', provisioned: [{}], serverless: [] },
      ],
      planned: { revocations: 0, deletions: 0 },
    });
    expect(result.success).toBe(false);
  });

  it('lets Security Hub archive, in a sweep read in parts, the findings it resolved, or says why not', async () => {
    // Part 1 revokes s-0..s-4 and reads no further; part 2 reads the rest. Neither may close a
    // finding (part 1: truncated; part 2: scope []), and part 2 says why.
    const batches: FindingsBatch[] = [];
    const { ports: p } = ports(10);
    const findings = async (b: FindingsBatch) => {
      batches.push(b);
      return { imported: b.open.length, archived: 0, resolved: 0, failed: [], notes: b.notes };
    };
    const first = await sweep(
      { ...base, remainingMs: () => RESERVE + 3 * MS_PER_PLANNED_ACTION + 1 },
      { ...p, findings },
    );
    const from = first.sweep?.next as Continuation;
    await sweep({ ...base, from }, { ...p, findings });

    const [, second] = batches;
    expect(second?.scope).toEqual({ regions: [] });
    expect(second?.notes.length).toBeGreaterThan(0);
  });

  it('keeps no time back for actions a dry run will never take', async () => {
    // 50 pages, one planned revoke each; a host clock standing still with 2 s to spare over the
    // reserve: nothing a dry run does uses that time, so it reads all 50.
    const { ports: p } = ports(50);
    const report = await sweep(
      { ...base, dryRun: true, remainingMs: () => RESERVE + 20 * MS_PER_PLANNED_ACTION + 1 },
      p,
    );
    expect(report.totals.snapshots).toBe(50);
  });
});
