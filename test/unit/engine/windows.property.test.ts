import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listPartitioned } from '../../../functions/aws/partition.ts';
import {
  type PageRequest,
  type Partition,
  SortedPartition,
  UnsortedPartition,
} from '../../../functions/engine/windows.ts';
import { type FakeApiOptions, FakeListingApi, type FakeSnapshot } from '../../helpers/listing-api.ts';

/**
 * Exactly-once coverage: whatever the fleet and however the pages interleave, the windows' union
 * is a plain listing's, with no snapshot twice. The oracle is the fake API's own contents, and
 * the partition is driven with random interleavings, random spare concurrency and thresholds low
 * enough that ranges split again and again.
 */

const T0 = Date.UTC(2026, 0, 1);
const SPAN = 3 * 86_400_000;
const NOW = T0 + SPAN;

/** Creation times the way fleets have them: clustered, identical, on a second, anywhere. */
const createdMs = (centers: number[]) =>
  fc.oneof(
    // Clustered: a few seconds around one of a handful of instants.
    fc.tuple(fc.constantFrom(...centers), fc.integer({ min: 0, max: 5_000 })).map(([c, d]) => c + d),
    // Identical: exactly one of those instants, to the millisecond.
    fc.constantFrom(...centers),
    // Exactly on a whole second, which is where the windows' boundaries are.
    fc.integer({ min: 0, max: SPAN / 1000 }).map((s) => T0 + s * 1000),
    // Anywhere.
    fc.integer({ min: T0, max: NOW }),
  );

const fleetArb = fc
  .array(fc.integer({ min: T0, max: NOW }), { minLength: 1, maxLength: 4 })
  .chain((centers) => fc.array(createdMs(centers), { maxLength: 400 }));

const settingsArb = fc.record({
  pageSize: fc.integer({ min: 3, max: 25 }),
  order: fc.constantFrom<FakeApiOptions['order']>('ms', 'second', 'none'),
  filterPrecision: fc.constantFrom<FakeApiOptions['filterPrecision']>('ms', 'second'),
  tailPages: fc.integer({ min: 0, max: 4 }),
  splitPages: fc.integer({ min: 0, max: 6 }),
});

/** A change made while the sweep runs: a snapshot created (at any time, as copies keep theirs) or deleted. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), createdMs: fc.integer({ min: T0, max: NOW + 60_000 }) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

type Run = { emitted: string[]; windows: number; calls: number };

/** Drives a partition against the fake API, completing pending pages in the order `pick` chooses. */
function run(
  api: FakeListingApi,
  partition: Partition<FakeSnapshot>,
  choices: number[],
  mutate: (step: number) => void = () => {},
): Run {
  const emitted: string[] = [];
  const pending: PageRequest[] = [partition.first()];
  let step = 0;
  while (pending.length > 0) {
    const choice = choices[step % choices.length] ?? 0;
    const [request] = pending.splice(choice % pending.length, 1);
    mutate(step);
    const page = api.page(request as PageRequest);
    const spare = (choice >> 3) % 5;
    const settled = partition.settle((request as PageRequest).worker, page, spare);
    emitted.push(...settled.items.map((s) => s.key));
    pending.push(...settled.requests, ...partition.grow((choice >> 6) % 5));
    step++;
  }
  return { emitted, windows: partition.windows, calls: api.calls };
}

function partitionFor(settings: {
  order: FakeApiOptions['order'];
  pageSize: number;
  tailPages: number;
  splitPages: number;
}): Partition<FakeSnapshot> {
  const options = {
    nowMs: NOW,
    pageSize: settings.pageSize,
    tailPages: settings.tailPages,
    splitPages: settings.splitPages,
  };
  return settings.order === 'none'
    ? new UnsortedPartition<FakeSnapshot>(options)
    : new SortedPartition<FakeSnapshot>(options);
}

const fleetOf = (times: number[]): FakeSnapshot[] => times.map((t, i) => ({ key: `s${i}`, createdMs: t }));

describe('partitioned listing', () => {
  it('lists every snapshot exactly once: the union of the windows is the plain listing', () => {
    fc.assert(
      fc.property(
        fleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (times, settings, choices) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);

          const { emitted } = run(api, partitionFor(settings), choices);

          const plain = new Set(fleet.map((s) => s.key));
          expect(emitted).toHaveLength(plain.size);
          expect(new Set(emitted)).toEqual(plain);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('while snapshots come and go: nothing twice, and everything that stayed throughout', () => {
    fc.assert(
      fc.property(
        fleetArb,
        settingsArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        fc.array(mutationArb, { maxLength: 40 }),
        (times, settings, choices, mutations) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const everExisted = new Set(fleet.map((s) => s.key));
          const touched = new Set<string>();
          let made = 0;

          const { emitted } = run(api, partitionFor(settings), choices, (step) => {
            const m = mutations[step];
            if (!m) return;
            if (m.kind === 'create') {
              const key = `new${made++}`;
              api.create({ key, createdMs: m.createdMs });
              everExisted.add(key);
              touched.add(key);
            } else {
              const keys = [...api.snapshots.keys()];
              const key = keys[m.pick % Math.max(1, keys.length)];
              if (key !== undefined) {
                api.delete(key);
                touched.add(key);
              }
            }
          });

          expect(new Set(emitted).size).toBe(emitted.length);
          for (const key of emitted) expect(everExisted.has(key)).toBe(true);
          for (const s of fleet) if (!touched.has(s.key)) expect(emitted).toContain(s.key);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lists an unsorted API exactly once, however often its windows split', () => {
    const eager = settingsArb.map((s) => ({ ...s, order: 'none' as const, splitPages: 0 }));
    fc.assert(
      fc.property(
        fleetArb,
        eager,
        fc.array(fc.nat(), { minLength: 1, maxLength: 64 }),
        (times, settings, choices) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);

          // Spare capacity on every page, so every first page with a token is split.
          const { emitted } = run(
            api,
            partitionFor(settings),
            choices.map((c) => c | 0b1000),
          );

          expect(emitted).toHaveLength(fleet.length);
          expect(new Set(emitted)).toEqual(new Set(fleet.map((s) => s.key)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs exactly the plain listing’s calls while the region fits in one window', () => {
    fc.assert(
      fc.property(fleetArb, fc.integer({ min: 5, max: 50 }), (times, pageSize) => {
        const fleet = fleetOf(times);
        const api = new FakeListingApi({ pageSize, order: 'ms', filterPrecision: 'ms' }, fleet);
        // Thresholds no region of this size reaches: the partition must not open a second window.
        const partition = new SortedPartition<FakeSnapshot>({
          nowMs: NOW,
          pageSize,
          tailPages: 1e9,
          splitPages: 1e9,
        });

        const { emitted, windows, calls } = run(api, partition, [0]);

        expect(windows).toBe(1);
        expect(calls).toBe(Math.max(1, Math.ceil(fleet.length / pageSize)));
        expect(emitted).toHaveLength(fleet.length);
      }),
      { numRuns: 100 },
    );
  });
});

describe('listPartitioned', () => {
  it('yields every snapshot once, whatever order its concurrent pages come back in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleetArb,
        settingsArb,
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        async (times, settings, s, width) => {
          const fleet = fleetOf(times);
          const api = new FakeListingApi(settings, fleet);
          const source = {
            sorted: settings.order !== 'none',
            fetch: s.scheduleFunction(async (request: PageRequest) => api.page(request)),
          };
          const listing = listPartitioned(source, { ...settings, nowMs: NOW, concurrency: () => width });

          const emitted: string[] = [];
          const reading = (async () => {
            for await (const batch of listing) emitted.push(...batch.map((x) => x.key));
          })();
          await s.waitFor(reading);

          expect(emitted).toHaveLength(fleet.length);
          expect(new Set(emitted)).toEqual(new Set(fleet.map((x) => x.key)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
