import { describe, expect, it } from 'vitest';
import type { ComplianceEvent } from '../../../functions/engine/compliance-events.ts';
import { DETAIL_TYPES } from '../../../functions/engine/compliance-events.ts';
import {
  type Continuation,
  ContinuationSchema,
  coarsen,
  MAX_PARTS,
  MS_PER_PLANNED_ACTION,
  sweepPart,
} from '../../../functions/engine/continuation.ts';
import type { Snapshot } from '../../../functions/engine/model.ts';
import { checkSafety } from '../../../functions/engine/plan.ts';
import type { InventoryBatch, RegionLeft, SweepPorts } from '../../../functions/engine/ports.ts';
import { sweep } from '../../../functions/engine/sweep.ts';
import { PolicySchema } from '../../../functions/policy/schema.ts';
import { OWNER, snapshot } from '../../helpers/snapshots.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const STRANGER = '999988887777';
const RESERVE = 20_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

const policy = (maxRevocationsPerRun = 100) =>
  PolicySchema.parse({
    version: 1,
    mode: 'enforce',
    sharing: { allowedAccounts: ['111122223333'] },
    safety: { maxRevocationsPerRun },
  });

/**
 * A region of `pages` pages of one snapshot each, created an hour apart and each shared with a
 * stranger; page i leaves everything from the next hour on. `from` is what the inventory was asked
 * for, recorded per region.
 */
function inventory(pages: number, asked: Map<string, RegionLeft | undefined>) {
  return (region: string, from?: RegionLeft): AsyncIterable<InventoryBatch> => {
    asked.set(region, from);
    const start = from?.provisioned[0]?.from ?? T0;
    return (async function* () {
      for (let t = start; t < T0 + pages * HOUR; t += HOUR) {
        const id = `s-${(t - T0) / HOUR}`;
        const item: Snapshot = snapshot({ id, arn: `arn:${region}:${id}`, region, grants: [STRANGER] });
        const last = t + HOUR >= T0 + pages * HOUR;
        yield {
          items: [{ snapshot: item }],
          left: { provisioned: last ? [] : [{ from: t + HOUR }], serverless: last ? [] : [{}] },
        };
      }
    })();
  };
}

function ports(pages: number) {
  const asked = new Map<string, RegionLeft | undefined>();
  const revoked: string[] = [];
  const events: ComplianceEvent[] = [];
  const p: SweepPorts = {
    inventory: inventory(pages, asked),
    revoke: async (a) => {
      revoked.push(a.snapshot.id);
      return { outcome: 'applied', attempts: 1 };
    },
    delete: async () => ({ outcome: 'applied' }),
    restore: async () => ({ outcome: 'applied' }),
    publish: async (batch) => {
      events.push(...batch);
      return { published: batch.length, failed: [] };
    },
  };
  return { ports: p, asked, revoked, events };
}

/** A host clock that stands still with `ms` left: only what the run plans uses up its time. */
const clock = (ms: number) => ({ remainingMs: () => ms });

function options(extra: Record<string, unknown> = {}) {
  return {
    runId: 'run-1',
    trigger: 'schedule' as const,
    account: OWNER,
    policy: policy(),
    dryRun: false,
    now: NOW,
    homeRegion: 'us-east-1',
    regions: ['us-east-1'],
    inParts: true,
    reserveMs: RESERVE,
    ...extra,
  };
}

describe('sweep in parts', () => {
  it('stops reading while there is time to act on what it read, and says what the next part reads', async () => {
    const { ports: p, revoked, events } = ports(10);
    // Time for the reserve and three planned revokes: the fourth page's revoke tips it, and
    // reading stops after that page.
    const host = clock(RESERVE + 3 * MS_PER_PLANNED_ACTION + 1);
    const report = await sweep({ ...options(), remainingMs: host.remainingMs }, p);

    expect(report.totals.snapshots).toBe(4);
    expect(revoked).toEqual(['s-0', 's-1', 's-2', 's-3']);
    expect(report.truncated).toBe(true);
    expect(report.sweep?.next).toEqual({
      sweepId: 'run-1',
      part: 2,
      dryRun: false,
      regions: [{ region: 'us-east-1', provisioned: [{ from: T0 + 4 * HOUR }], serverless: [{}] }],
      planned: { revocations: 4, deletions: 0 },
    });
    const completed = events.find((e) => e.detailType === DETAIL_TYPES.completed);
    expect(completed?.detail.reason).toMatch(
      /part 1 of sweep run-1 read not everything.*part 2 reads the rest/,
    );
  });

  it('reads only what the earlier part left, and ends the sweep when it reads the rest', async () => {
    const { ports: p, asked, revoked, events } = ports(10);
    const from: Continuation = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [{ region: 'us-east-1', provisioned: [{ from: T0 + 3 * HOUR }], serverless: [] }],
      planned: { revocations: 3, deletions: 0 },
    };
    const report = await sweep({ ...options(), from }, p);

    expect(asked.get('us-east-1')).toEqual({ provisioned: [{ from: T0 + 3 * HOUR }], serverless: [] });
    expect(revoked).toEqual(['s-3', 's-4', 's-5', 's-6', 's-7', 's-8', 's-9']);
    expect(report.sweep).toEqual({ sweepId: 'run-0', part: 2 });
    const completed = events.find((e) => e.detailType === DETAIL_TYPES.completed);
    expect(completed?.detail.reason).toMatch(/part 2, the last, of sweep run-0/);
  });

  it('reads only the regions the earlier part left', async () => {
    const { ports: p, asked } = ports(2);
    const from: Continuation = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [{ region: 'eu-west-1', provisioned: [{}], serverless: [{}] }],
      planned: { revocations: 0, deletions: 0 },
    };
    await sweep({ ...options(), regions: ['us-east-1', 'eu-west-1'], from }, p);

    expect([...asked.keys()]).toEqual(['eu-west-1']);
  });

  it('says nothing of parts where nobody asks for them (organisation mode, the command line)', async () => {
    const { ports: p, events } = ports(10);
    const host = clock(RESERVE + 1);
    const report = await sweep({ ...options(), inParts: false, remainingMs: host.remainingMs }, p);

    expect(report.truncated).toBe(true);
    expect(report.sweep).toBeUndefined();
    const completed = events.find((e) => e.detailType === DETAIL_TYPES.completed);
    expect(completed?.detail.reason).not.toContain('part');
  });

  it('never reads a region the sweep does not cover, whatever the continuation names, and says so', async () => {
    const { ports: p, asked, events } = ports(2);
    const from: Continuation = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [
        { region: 'ap-south-1', provisioned: [{}], serverless: [{}] },
        { region: 'us-east-1', provisioned: [{}], serverless: [] },
      ],
      planned: { revocations: 0, deletions: 0 },
    };
    const report = await sweep({ ...options(), from }, p);

    expect([...asked.keys()]).toEqual(['us-east-1']);
    expect(report.sweep?.outOfScope).toEqual(['ap-south-1']);
    const completed = events.find((e) => e.detailType === DETAIL_TYPES.completed);
    expect(completed?.detail.reason).toContain("no longer in the policy's regions: ap-south-1");
  });

  it('counts what earlier parts planned against the safety limits of the whole sweep', async () => {
    const { ports: p, revoked, events } = ports(10);
    const from: Continuation = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [{ region: 'us-east-1', provisioned: [{ from: T0 + 5 * HOUR }], serverless: [] }],
      planned: { revocations: 5, deletions: 0 },
    };
    // 5 earlier + 5 now > 8: this part revokes nothing.
    const report = await sweep({ ...options(), policy: policy(8), from }, p);

    expect(revoked).toEqual([]);
    expect(report.blastRadius?.reasons).toEqual([
      '10 revocations planned (5 by earlier parts of this sweep); safety.maxRevocationsPerRun allows 8',
    ]);
    expect(events.map((e) => e.detailType)).toContain(DETAIL_TYPES.blastRadius);
  });

  it('keeps a dry run dry in its later parts', async () => {
    const { ports: p } = ports(10);
    // A dry run keeps no time for actions: only the reserve stops it reading.
    const host = clock(RESERVE - 1);
    const report = await sweep({ ...options(), dryRun: true, remainingMs: host.remainingMs }, p);

    expect(report.sweep?.next?.dryRun).toBe(true);
  });

  it(`ends after part ${MAX_PARTS} and says it read not everything`, async () => {
    const { ports: p } = ports(10);
    const host = clock(RESERVE + 1);
    const from: Continuation = {
      sweepId: 'run-0',
      part: MAX_PARTS,
      dryRun: false,
      regions: [{ region: 'us-east-1', provisioned: [{}], serverless: [] }],
      planned: { revocations: 0, deletions: 0 },
    };
    const report = await sweep({ ...options(), remainingMs: host.remainingMs, from }, p);

    expect(report.sweep?.next).toBeUndefined();
    expect(report.sweep?.notContinued).toMatch(/20th part/);
    expect(report.compliant).toBe(false);
  });

  it('does not continue a region whose listing failed: the region is reported instead', async () => {
    const { ports: p } = ports(10);
    const failing: SweepPorts = {
      ...p,
      inventory: (region) =>
        (async function* () {
          if (region === 'eu-west-1') throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
          yield* p.inventory(region);
        })(),
    };
    const host = clock(RESERVE + 1);
    const report = await sweep(
      { ...options(), regions: ['us-east-1', 'eu-west-1'], remainingMs: host.remainingMs },
      failing,
    );

    expect(report.inventoryErrors.map((e) => e.region)).toContain('eu-west-1');
    expect(report.sweep?.next?.regions.map((r) => r.region)).toEqual(['us-east-1']);
  });
});

describe('ContinuationSchema', () => {
  const valid: Continuation = {
    sweepId: 'run-0',
    part: 2,
    dryRun: false,
    regions: [{ region: 'us-east-1', provisioned: [{ from: 1000, to: 2000 }], serverless: [] }],
    planned: { revocations: 0, deletions: 0 },
  };

  it.each([
    [
      'a range that ends before it starts',
      { regions: [{ ...valid.regions[0], provisioned: [{ from: 2000, to: 1000 }] }] },
      'regions.0.provisioned.0',
    ],
    ['a region that is not one', { regions: [{ ...valid.regions[0], region: 'Mars' }] }, 'regions.0.region'],
    ['a first part (only later parts are asked for)', { part: 1 }, 'part'],
    [`a part past ${MAX_PARTS}`, { part: MAX_PARTS + 1 }, 'part'],
    [
      'nothing left to read',
      { regions: [{ region: 'us-east-1', provisioned: [], serverless: [] }] },
      'regions',
    ],
    ['no dry-run flag', { dryRun: undefined }, 'dryRun'],
    [
      'overlapping ranges',
      { regions: [{ ...valid.regions[0], provisioned: [{ from: 1000, to: 3000 }, { from: 2000 }] }] },
      'regions.0.provisioned',
    ],
    [
      'ranges out of order',
      { regions: [{ ...valid.regions[0], provisioned: [{ from: 5000 }, { to: 1000 }] }] },
      'regions.0.provisioned',
    ],
    ['a region named twice', { regions: [valid.regions[0], valid.regions[0]] }, 'regions'],
    ['a negative count planned', { planned: { revocations: -1, deletions: 0 } }, 'planned.revocations'],
  ])('refuses %s', (_, change, path) => {
    const result = ContinuationSchema.safeParse({ ...valid, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts what a part hands to the next', () => {
    expect(ContinuationSchema.parse(valid)).toEqual(valid);
  });
});

describe('checkSafety', () => {
  it('adds what earlier parts of the sweep planned to what this part plans', () => {
    const p = policy(10);
    expect(checkSafety({ revocations: 6, deletions: 0 }, p)).toEqual({});
    expect(checkSafety({ revocations: 6, deletions: 0 }, p, { revocations: 5, deletions: 0 })).toEqual({
      revoke:
        '11 revocations planned (5 by earlier parts of this sweep); safety.maxRevocationsPerRun allows 10',
    });
  });
});

describe('coarsen', () => {
  it('closes the smallest gaps first until no more ranges than allowed are left', () => {
    const ranges = [
      { to: 1000 },
      { from: 2000, to: 3000 },
      { from: 3500, to: 4000 },
      { from: 9000, to: 10_000 },
      { from: 10_100 },
    ];

    expect(coarsen(ranges, 3)).toEqual([{ to: 1000 }, { from: 2000, to: 4000 }, { from: 9000 }]);
    expect(coarsen(ranges, 5)).toEqual(ranges);
  });

  it('hands on what a part skipped in 5,000 distinct seconds as a continuation its next part accepts', () => {
    const seconds = Array.from({ length: 5000 }, (_, i) => ({ from: i * 10_000, to: i * 10_000 + 1000 }));
    const provisioned = coarsen(seconds);
    const next = {
      sweepId: 'run-0',
      part: 2,
      dryRun: false,
      regions: [{ region: 'us-east-1', provisioned, serverless: [] }],
      planned: { revocations: 0, deletions: 0 },
    };

    expect(provisioned).toHaveLength(1000);
    expect(ContinuationSchema.safeParse(next).success).toBe(true);
    expect(JSON.stringify(next).length).toBeLessThan(256 * 1024);
    // Every skipped second is still inside a range.
    for (const s of seconds) {
      expect(provisioned.some((r) => (r.from ?? -Infinity) <= s.from && s.to <= (r.to ?? Infinity))).toBe(
        true,
      );
    }
  });

  it('keeps the request for the next part under 256 KB however many regions it continues', () => {
    const regions = Array.from({ length: 30 }, (_, i) => `us-test-${i + 1}`);
    const ranges = Array.from({ length: 1000 }, (_, i) => ({ from: i * 10_000, to: i * 10_000 + 1000 }));
    const left = new Map(regions.map((r) => [r, { provisioned: ranges, serverless: ranges }]));

    const part = sweepPart(
      { truncated: true, left, planned: [], entries: [], inventoryErrors: [] },
      { runId: 'run-1', regions, dryRun: false },
    );

    expect(part.next?.regions).toHaveLength(30);
    expect(JSON.stringify(part.next).length).toBeLessThan(256 * 1024);
    expect(ContinuationSchema.safeParse(part.next).success).toBe(true);
  });
});
